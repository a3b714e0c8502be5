import type { Deps } from '../../deps.ts'
import type { Db } from '../../db/client.ts'
import { AppError, notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import { organizationScope, type Principal } from '../../lib/principal.ts'
import { requireActiveOrganization } from '../organizations/organizations.service.ts'
import * as repo from './contacts.repo.ts'
import type { Contact, CreateContact, ListContactsQuery, UpdateContact } from './contacts.schemas.ts'
import { DIRECTORY_CHANNEL, notifyingWrite } from '../../db/change-feed.ts'

export function toContact(r: repo.ContactRow, emails: string[]): Contact {
  return {
    id: r.id,
    organizationId: r.organizationId,
    name: r.name,
    emails,
    phones: r.phones,
    locale: r.locale,
    timeZone: r.timeZone,
    authorized: r.authorized,
    channels: r.channels,
    receivesStatements: r.receivesStatements,
    active: r.active,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

/** Lower-cased, trimmed, first occurrence kept: the first address stays the primary one. */
const normalizeEmails = (emails: string[]) => [...new Set(emails.map((e) => e.trim().toLowerCase()))]

/**
 * Sets the addresses inside the caller's transaction. An address held by another contact (of
 * any organization: mail intake must resolve a sender to one person) aborts with DUPLICATE.
 */
async function setEmails(tx: Db, contactId: string, emails: string[]): Promise<string[]> {
  const normalized = normalizeEmails(emails)
  const taken = await repo.replaceEmails(tx, contactId, normalized)
  if (taken.length) {
    throw new AppError('DUPLICATE', `${taken.join(', ')} already belong${taken.length === 1 ? 's' : ''} to another contact`, {
      errors: taken.map((email) => ({ in: 'body' as const, field: 'emails', message: `${email} already belongs to another contact` })),
    })
  }
  return normalized
}

/**
 * Creates a contact inside the caller's transaction: mail intake registers a sender while
 * releasing its quarantined message, and both commit together.
 */
export async function insertContactWithEmails(tx: Db, input: CreateContact, now: Date): Promise<Contact> {
  await requireActiveOrganization(tx, input.organizationId)
  const row = await repo.insertContact(tx, {
    organizationId: input.organizationId,
    name: input.name.trim(),
    phones: input.phones ?? [],
    locale: input.locale ?? null,
    timeZone: input.timeZone ?? null,
    authorized: input.authorized ?? false,
    channels: input.channels ?? [],
    receivesStatements: input.receivesStatements ?? false,
    createdAt: now,
    updatedAt: now,
  })
  return toContact(row, await setEmails(tx, row.id, input.emails))
}

export async function createContact(deps: Deps, input: CreateContact): Promise<Contact> {
  const now = deps.clock.now()
  return deps.db.transaction((tx) => insertContactWithEmails(tx, input, now))
}

/** A contact principal sees its own organization only; another organization's contact is "not found", not "forbidden". */
export async function getContact(deps: Deps, principal: Principal, id: string): Promise<Contact> {
  const row = await repo.findContact(deps.db, id)
  const scope = organizationScope(principal)
  if (!row || (scope !== undefined && row.organizationId !== scope)) throw notFound('contact', id)
  return toContact(row, (await repo.emailsOf(deps.db, [id])).get(id) ?? [])
}

export async function listContacts(deps: Deps, principal: Principal, q: ListContactsQuery): Promise<Page<Contact>> {
  const page = await repo.listContacts(deps.db, { ...q, limit: q.limit ?? 50, organizationScope: organizationScope(principal) })
  const emails = await repo.emailsOf(
    deps.db,
    page.data.map((r) => r.id),
  )
  return { data: page.data.map((r) => toContact(r, emails.get(r.id) ?? [])), nextCursor: page.nextCursor }
}

/** The version bump, the fields and the new address set commit together or not at all. */
export async function updateContact(deps: Deps, id: string, version: number | undefined, patch: UpdateContact): Promise<Contact> {
  const { emails, name, ...rest } = patch
  const now = deps.clock.now()
  // The intake gate caches contacts and their addresses (see intake-gate.ts).
  return notifyingWrite(deps.db, DIRECTORY_CHANNEL, deps.db.transaction(async (tx) => {
    const row = await repo.updateContact(tx, id, version, { ...rest, ...(name !== undefined ? { name: name.trim() } : {}) }, now)
    const stored = emails ? await setEmails(tx, id, emails) : ((await repo.emailsOf(tx, [id])).get(id) ?? [])
    return toContact(row, stored)
  }))
}

/** Contacts are deactivated, never deleted: tickets point at them forever. PATCH active=true restores one. */
export const deactivateContact = (deps: Deps, id: string, version: number | undefined) => updateContact(deps, id, version, { active: false })
