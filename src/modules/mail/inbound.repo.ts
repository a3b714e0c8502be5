import { and, eq, gte, inArray, isNotNull, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { getById, listById, writeCtes } from '../../db/crud.ts'
import { Binder, preparedQuery } from '../../db/prepared.ts'
import { blobs, contactEmails, inboundMail, mailSenderCounters, messageAttachments, queues, tickets } from '../../db/schema/index.ts'
import { newId } from '../../lib/ids.ts'
import type { Page } from '../../lib/pagination.ts'
import type { InboundQueue } from './router.ts'

export type InboundMailRow = typeof inboundMail.$inferSelect

/** Active queues with an inbound address: the recipients the listener accepts. */
export const loadMailboxes = (db: Db): Promise<InboundQueue[]> =>
  db
    .select({ id: queues.id, inboundEmail: sql<string>`${queues.inboundEmail}` })
    .from(queues)
    .where(and(eq(queues.active, true), isNotNull(queues.inboundEmail)))

export interface InboundClaim {
  /** The raw message's blob row (BlobStore.stage), written with the claim. */
  blob: typeof blobs.$inferInsert
  row: Omit<typeof inboundMail.$inferInsert, 'id'>
  /** Counted as one more message in this sender's window, when the claim is new (the per-sender cap). */
  sender?: { address: string; windowStart: Date } | undefined
}

/**
 * Claims (mailbox, message key), in one statement with the raw message's blob row and the
 * sender's count. Returns the new row's id and the sender's count in its window so far, or
 * undefined when another delivery of the same message holds the key (nothing is counted then);
 * a concurrent claim waits here until that transaction ends. Compiled once per shape (db/prepared.ts).
 */
export async function claimInbound(tx: Db, claim: InboundClaim): Promise<{ id: string; senderCount: number | null } | undefined> {
  const b = new Binder()
  const blob = b.row(claim.blob)
  const row = b.row({ ...claim.row, id: newId() })
  // A row, not two values: a row is part of the shape, so the statements with and without the count are kept apart.
  const sender = claim.sender && b.row({ address: claim.sender.address, windowStart: claim.sender.windowStart.toISOString() })
  const [r] = await preparedQuery(tx, 'mail:claim', b, (h) => {
    // w0 the claim; w1 the raw message's blob and w2 the sender's count, both selecting from the
    // claim: a redelivery (the key already claimed, perhaps with other trace headers, so other
    // bytes) stores no blob of its own and counts nothing. The claim's foreign key to the blob is
    // checked at the end of the statement, when w1 has run.
    const claimRow = h.insert(inboundMail).values(row).onConflictDoNothing().returning({ id: inboundMail.id })
    const blobRow = h
      .insert(blobs)
      .select(sql`select ${blob.hash}::text, ${blob.size}::int, ${blob.storage}::text, ${blob.content ?? null}::bytea, now() from w0`)
      .onConflictDoNothing()
    if (!sender) return h.with(...writeCtes(h, [claimRow, blobRow])).select({ id: sql<string>`w0.id`, senderCount: sql<number | null>`null::int` }).from(sql`w0`)
    const count = h
      .insert(mailSenderCounters)
      .select(sql`select ${sender.address}::text, ${sender.windowStart}::timestamptz, 1 from w0`)
      .onConflictDoUpdate({ target: [mailSenderCounters.address, mailSenderCounters.windowStart], set: { count: sql`${mailSenderCounters.count} + 1` } })
      .returning({ count: mailSenderCounters.count })
    return h
      .with(...writeCtes(h, [claimRow, blobRow, count]))
      .select({ id: sql<string>`w0.id`, senderCount: sql<number | null>`w2.count` })
      .from(sql`w0 left join w2 on true`)
  })
  return r
}

export async function findInboundByKey(db: Db, mailbox: string, messageKey: string): Promise<InboundMailRow | undefined> {
  const [r] = await db
    .select()
    .from(inboundMail)
    .where(and(eq(inboundMail.mailbox, mailbox), eq(inboundMail.messageKey, messageKey)))
  return r
}

export const findInbound = (db: Db, id: string, lock = false) => getById(db, inboundMail, id, lock)

export const updateInbound = async (db: Db, id: string, patch: Partial<typeof inboundMail.$inferInsert>) =>
  (await db.update(inboundMail).set(patch).where(eq(inboundMail.id, id)).returning())[0]!

/** The update writing an intake decision, with its values bound in `b`, for `h` to build (alone or as a CTE of another statement). */
export function outcomeUpdate(b: Binder, id: string, patch: Partial<typeof inboundMail.$inferInsert>) {
  const set = b.row(patch)
  const where = b.value(id)
  return (h: Db) => h.update(inboundMail).set(set).where(eq(inboundMail.id, where))
}

/** The intake decision, written before the commit; nothing is read back. Compiled once per shape. */
export async function setInboundOutcome(tx: Db, id: string, patch: Partial<typeof inboundMail.$inferInsert>): Promise<void> {
  const b = new Binder()
  await preparedQuery(tx, 'mail:outcome', b, outcomeUpdate(b, id, patch))
}

export async function markUndeliverable(tx: Db, addresses: string[], at: Date, reason: string): Promise<string[]> {
  if (!addresses.length) return []
  const rows = await tx
    .update(contactEmails)
    .set({ undeliverableAt: at, undeliverableReason: reason })
    .where(inArray(contactEmails.email, addresses))
    .returning({ email: contactEmails.email })
  return rows.map((r) => r.email)
}

/** The ticket numbered `number`, or the ticket it was merged into (followed to the end); undefined when there is none. */
export async function ticketByNumber(tx: Db, number: number): Promise<string | undefined> {
  let [row] = await tx.select({ id: tickets.id, mergedIntoId: tickets.mergedIntoId }).from(tickets).where(eq(tickets.number, number))
  for (let hops = 0; row?.mergedIntoId && hops < 10; hops++) {
    ;[row] = await tx.select({ id: tickets.id, mergedIntoId: tickets.mergedIntoId }).from(tickets).where(eq(tickets.id, row.mergedIntoId))
  }
  return row?.id
}

/**
 * Deletes up to `batch` inbound rows received before `cutoff` that belong to no ticket and await
 * no review (machine mail, bounces of no ticket, discarded or released-elsewhere quarantine), and
 * the raw blobs nothing else references any more, in one statement. Returns what went; the
 * caller discards the blobs' bytes kept outside the database after the commit.
 */
export async function purgeInbound(db: Db, cutoff: Date, batch: number): Promise<{ rows: number; blobs: { hash: string; storage: string }[] }> {
  const res = await db.execute<{ kind: 'row' | 'blob'; hash: string | null; storage: string | null }>(sql`
    with gone as (
      delete from ${inboundMail} where ${inboundMail.id} in (
        select id from ${inboundMail}
        where ${inboundMail.ticketId} is null and ${inboundMail.receivedAt} < ${cutoff}
          and (${inboundMail.quarantinedAt} is null or ${inboundMail.reviewState} in ('released', 'discarded'))
        order by ${inboundMail.receivedAt}
        limit ${batch}
        for update skip locked)
      returning ${inboundMail.id} as id, ${inboundMail.rawBlobHash} as hash),
    freed as (
      -- One snapshot for the whole statement: the rows being deleted are still visible here, hence "not in gone".
      delete from ${blobs} b where b.hash in (select hash from gone)
        and not exists (select 1 from ${inboundMail} m where m.raw_blob_hash = b.hash and m.id not in (select id from gone))
        and not exists (select 1 from ${messageAttachments} a where a.blob_hash = b.hash)
      returning b.hash, b.storage)
    select 'row' as kind, null as hash, null as storage from gone
    union all
    select 'blob', hash, storage from freed`)
  const rows = res.rows.filter((r) => r.kind === 'row').length
  return { rows, blobs: res.rows.filter((r) => r.kind === 'blob').map((r) => ({ hash: r.hash!, storage: r.storage! })) }
}

export interface QuarantineFilter {
  reason?: string | undefined
  mailbox?: string | undefined
  from?: string | undefined
  since?: string | undefined
  state?: 'pending' | 'released' | 'discarded' | undefined
  limit: number
  cursor?: string | undefined
}

/** Quarantined mail, newest first (UUIDv7 ids are time-ordered), keyset on the id. */
export const listQuarantine = <R>(db: Db, q: QuarantineFilter, map: (r: InboundMailRow) => R): Promise<Page<R>> =>
  listById(
    db,
    inboundMail,
    'quarantine',
    [
      isNotNull(inboundMail.quarantinedAt),
      q.reason ? eq(inboundMail.reason, q.reason) : undefined,
      q.mailbox ? eq(inboundMail.mailbox, q.mailbox.toLowerCase()) : undefined,
      q.from ? eq(inboundMail.fromAddress, q.from.toLowerCase()) : undefined,
      q.since ? gte(inboundMail.receivedAt, new Date(q.since)) : undefined,
      q.state ? eq(inboundMail.reviewState, q.state) : undefined,
    ],
    q,
    map,
    { newestFirst: true },
  )
