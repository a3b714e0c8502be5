import { and, eq, inArray, lte, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { Binder, preparedQuery } from '../../db/prepared.ts'
import { outbox } from '../../db/schema/index.ts'

export type OutboxRow = typeof outbox.$inferSelect

/** Rows whose dedupe key is taken are skipped; the ids of the rows written come back. Compiled once per shape. */
export function insertOutbox(db: Db, rows: Array<typeof outbox.$inferInsert>) {
  const b = new Binder()
  const bound = b.rows(rows)
  return preparedQuery(db, 'outbox:insert', b, (h) => h.insert(outbox).values(bound).onConflictDoNothing({ target: outbox.dedupeKey }).returning({ id: outbox.id }))
}

/**
 * Claims up to `limit` due rows for one dispatcher: `FOR UPDATE SKIP LOCKED` lets several
 * instances claim concurrently without waiting on or taking each other's rows, and the lease
 * (`available_at` moved to the lease end) hands a row to another dispatcher only if this one dies.
 */
export async function claimDue(db: Db, now: Date, leaseSeconds: number, limit: number, instanceId: string): Promise<OutboxRow[]> {
  const leaseEnd = new Date(now.getTime() + leaseSeconds * 1000)
  // One statement (the rows picked and leased together), so a round costs no BEGIN/COMMIT round trips.
  const due = db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(inArray(outbox.status, ['pending', 'sending']), lte(outbox.availableAt, now)))
    .orderBy(outbox.availableAt)
    .limit(limit)
    .for('update', { skipLocked: true })
  return db
    .update(outbox)
    .set({ status: 'sending', availableAt: leaseEnd, lockedBy: instanceId, attempts: sql`${outbox.attempts} + 1` })
    .where(inArray(outbox.id, due))
    .returning()
}

/** Outcome writes are conditional on still holding the lease, so a dispatcher that lost it changes nothing. */
const held = (id: string, instanceId: string) => and(eq(outbox.id, id), eq(outbox.status, 'sending'), eq(outbox.lockedBy, instanceId))

/** Compiled once per database (db/prepared.ts): one per delivered row. */
export function markSent(db: Db, id: string, instanceId: string, now: Date) {
  const b = new Binder()
  const set = b.row({ status: 'sent' as const, sentAt: now, lockedBy: null, lastError: null })
  const where = { id: b.value(id), instanceId: b.value(instanceId) }
  return preparedQuery(db, 'outbox:sent', b, (h) =>
    h
      .update(outbox)
      .set(set)
      .where(and(sql`${outbox.id} = ${where.id}`, eq(outbox.status, 'sending'), sql`${outbox.lockedBy} = ${where.instanceId}`)),
  )
}

export const markRetry = (db: Db, id: string, instanceId: string, at: Date, error: string) =>
  db.update(outbox).set({ status: 'pending', availableAt: at, lockedBy: null, lastError: error }).where(held(id, instanceId))

export const markFailed = (db: Db, id: string, instanceId: string, error: string) =>
  db.update(outbox).set({ status: 'failed', lockedBy: null, lastError: error }).where(held(id, instanceId))

export const findOutbox = async (db: Db, id: string) => (await db.select().from(outbox).where(eq(outbox.id, id)))[0]
