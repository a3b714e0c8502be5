import { and, asc, eq, inArray, notInArray, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { getById, likePattern, listById, updateVersioned } from '../../db/crud.ts'
import { contactEmails, contacts } from '../../db/schema/index.ts'
import type { ListContactsQuery } from './contacts.schemas.ts'

export type ContactRow = typeof contacts.$inferSelect

export const insertContact = async (db: Db, row: typeof contacts.$inferInsert) => (await db.insert(contacts).values(row).returning())[0]!

export const findContact = (db: Db, id: string) => getById(db, contacts, id)

/** `organizationScope` confines a contact principal to its own organization, whatever the query says. */
export const listContacts = (db: Db, q: ListContactsQuery & { limit: number; organizationScope?: string }) => {
  const pattern = q.q ? likePattern(q.q) : undefined
  return listById(
    db,
    contacts,
    'contacts',
    [
      q.organizationScope ? eq(contacts.organizationId, q.organizationScope) : undefined,
      q.organizationId ? eq(contacts.organizationId, q.organizationId) : undefined,
      pattern
        ? sql`(${contacts.name} ilike ${pattern} or exists (select 1 from ${contactEmails} where ${contactEmails.contactId} = ${contacts.id} and ${contactEmails.email} ilike ${pattern}))`
        : undefined,
      // One primary-key probe of contact_emails: the sender lookup of mail intake.
      q.email
        ? sql`${contacts.id} = (select ${contactEmails.contactId} from ${contactEmails} where ${contactEmails.email} = ${q.email.toLowerCase()})`
        : undefined,
      q.authorized === undefined ? undefined : eq(contacts.authorized, q.authorized),
      q.channel ? sql`${contacts.channels} @> array[${q.channel}]::text[]` : undefined,
      q.receivesStatements === undefined ? undefined : eq(contacts.receivesStatements, q.receivesStatements),
      q.active === undefined ? undefined : eq(contacts.active, q.active),
    ],
    q,
    (r) => r,
  )
}

export const updateContact = (db: Db, id: string, version: number | undefined, patch: Partial<ContactRow>, now: Date) =>
  updateVersioned(db, contacts, 'contact', id, version, patch, now)

/**
 * Replaces a contact's addresses; run inside the caller's transaction. Returns the addresses
 * another contact already holds (nothing is written for them: the caller rolls back).
 * Addresses the contact keeps are updated in place (their position only), so what mail delivery
 * learnt about them (undeliverable_at after a bounce or a relay's 5xx) survives an edit of the
 * list; removed addresses go, and an address added anew starts clean.
 * ON CONFLICT waits for a concurrent transaction holding the same address, so a race ends
 * as a reported conflict, not as two owners.
 */
export async function replaceEmails(db: Db, contactId: string, emails: string[]): Promise<string[]> {
  await db.delete(contactEmails).where(and(eq(contactEmails.contactId, contactId), emails.length ? notInArray(contactEmails.email, emails) : undefined))
  if (!emails.length) return []
  const kept = await db
    .insert(contactEmails)
    .values(emails.map((email, position) => ({ email, contactId, position })))
    // Only the contact's own row is updated: another contact's address yields no row (taken).
    .onConflictDoUpdate({ target: contactEmails.email, set: { position: sql`excluded.position` }, setWhere: eq(contactEmails.contactId, contactId) })
    .returning({ email: contactEmails.email })
  const ok = new Set(kept.map((r) => r.email))
  return emails.filter((e) => !ok.has(e))
}

/** Addresses of a page of contacts in one query (no N+1), each list in its stored order. */
export async function emailsOf(db: Db, contactIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(contactIds.map((id) => [id, []]))
  if (!contactIds.length) return out
  const rows = await db
    .select({ contactId: contactEmails.contactId, email: contactEmails.email })
    .from(contactEmails)
    .where(inArray(contactEmails.contactId, contactIds))
    .orderBy(asc(contactEmails.contactId), asc(contactEmails.position))
  for (const r of rows) out.get(r.contactId)?.push(r.email)
  return out
}
