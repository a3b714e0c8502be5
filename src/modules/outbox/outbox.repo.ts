import { and, eq, inArray, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { Binder, preparedQuery, preparedSql } from '../../db/prepared.ts'
import { outbox } from '../../db/schema/index.ts'

export type OutboxRow = typeof outbox.$inferSelect

/**
 * Rows whose dedupe key is taken are skipped; the ids of the rows written come back. The rows travel
 * as one JSON document read by `jsonb_to_recordset`, so any number of them is one statement text,
 * prepared once per connection (a dispatcher round fans out a varying number of mails; a VALUES
 * list would be a statement per row count).
 */
export async function insertOutbox(db: Db, rows: Array<typeof outbox.$inferInsert>): Promise<Array<{ id: string }>> {
  const b = new Binder()
  const doc = b.value(
    JSON.stringify(
      rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        payload: r.payload,
        dedupe_key: r.dedupeKey ?? null,
        subject: r.subject ?? null,
        created_at: r.createdAt,
        available_at: r.availableAt,
      })),
    ),
  )
  const { rows: ids } = await preparedSql<{ id: string }>(
    db,
    'outbox:insert',
    b,
    () => sql`insert into ${outbox} (id, kind, payload, dedupe_key, subject, created_at, available_at)
      select r.id, r.kind, r.payload, r.dedupe_key, r.subject, coalesce(r.created_at, now()), coalesce(r.available_at, now())
      from jsonb_to_recordset(${doc}::jsonb) as r(id uuid, kind text, payload jsonb, dedupe_key text, subject text, created_at timestamptz, available_at timestamptz)
      on conflict (dedupe_key) do nothing
      returning id`,
  )
  return ids
}

/**
 * Claims up to `limit` due rows for one dispatcher: `FOR UPDATE SKIP LOCKED` lets several
 * instances claim concurrently without waiting on or taking each other's rows, and the lease
 * (`available_at` moved to the lease end) hands a row to another dispatcher only if this one dies.
 */
export async function claimDue(db: Db, now: Date, leaseSeconds: number, limit: number, instanceId: string): Promise<OutboxRow[]> {
  // Compiled once per database (db/prepared.ts): building this with the query builder cost as much
  // as running it, every round.
  const b = new Binder()
  const set = b.row({ status: 'sending' as const, availableAt: new Date(now.getTime() + leaseSeconds * 1000), lockedBy: instanceId })
  const due = { now: b.value(now.toISOString()), limit: b.value(limit) }
  // One statement (the rows picked and leased together), so a round costs no BEGIN/COMMIT round trips.
  return preparedQuery(db, 'outbox:claim', b, (h) =>
    h
      .update(outbox)
      .set({ ...set, attempts: sql`${outbox.attempts} + 1` })
      .where(
        inArray(
          outbox.id,
          h
            .select({ id: outbox.id })
            .from(outbox)
            .where(and(inArray(outbox.status, ['pending', 'sending']), sql`${outbox.availableAt} <= ${due.now}::timestamptz`))
            .orderBy(outbox.availableAt)
            .limit(due.limit)
            .for('update', { skipLocked: true }),
        ),
      )
      .returning(),
  )
}

/** Outcome writes are conditional on still holding the lease, so a dispatcher that lost it changes nothing. */
const held = (id: string, instanceId: string) => and(eq(outbox.id, id), eq(outbox.status, 'sending'), eq(outbox.lockedBy, instanceId))

/**
 * Records deliveries as sent, a dispatcher round's worth in one statement (compiled once per
 * database), and only the rows this dispatcher still holds.
 */
export function markSent(db: Db, ids: readonly string[], instanceId: string, now: Date) {
  const b = new Binder()
  const set = b.row({ status: 'sent' as const, sentAt: now, lockedBy: null, lastError: null })
  const where = { ids: b.value(ids), instanceId: b.value(instanceId) }
  return preparedQuery(db, 'outbox:sent', b, (h) =>
    h
      .update(outbox)
      .set(set)
      .where(and(sql`${outbox.id} = any(${where.ids}::uuid[])`, eq(outbox.status, 'sending'), sql`${outbox.lockedBy} = ${where.instanceId}`)),
  )
}

export const markRetry = (db: Db, id: string, instanceId: string, at: Date, error: string) =>
  db.update(outbox).set({ status: 'pending', availableAt: at, lockedBy: null, lastError: error }).where(held(id, instanceId))

export const markFailed = (db: Db, id: string, instanceId: string, error: string) =>
  db.update(outbox).set({ status: 'failed', lockedBy: null, lastError: error }).where(held(id, instanceId))

export const findOutbox = async (db: Db, id: string) => (await db.select().from(outbox).where(eq(outbox.id, id)))[0]
