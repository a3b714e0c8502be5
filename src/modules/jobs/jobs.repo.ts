import { and, desc, eq, gte, isNull, lt, notInArray, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { deleteCounted, listById } from '../../db/crud.ts'
import { type JobOutcome, jobRuns } from '../../db/schema/index.ts'

export type JobRunRow = typeof jobRuns.$inferSelect

export type Claim =
  | { claimed: true; row: JobRunRow }
  /** `locked`: another instance is deciding this very tick right now; `claimed`: it is taken and alive or finished. */
  | { claimed: false; reason: 'locked' | 'claimed' }

/**
 * Claims (job, tick) for one instance, in one short transaction: a transaction-scoped
 * advisory lock on the pair (STACK.md trap 5: session locks on a pool leak across
 * connections), then an insert that does nothing when the pair exists, then — only for an
 * unfinished claim whose lease has run out — a takeover. The lock keeps deciders of one tick
 * from interleaving; the unique pair alone already stops a second run.
 */
export async function claimTick(
  db: Db,
  p: { job: string; tick: Date; instanceId: string; now: Date; leaseSeconds: number; missedSince: (previous: Date) => number },
): Promise<Claim> {
  return db.transaction(async (tx) => {
    // Two int4 keys: hash of the job name and the tick in epoch minutes (int4 until the year 6000).
    const lock = await tx.execute<{ locked: boolean }>(
      sql`select pg_try_advisory_xact_lock(hashtext(${p.job}), (extract(epoch from ${p.tick.toISOString()}::timestamptz) / 60)::int) as locked`,
    )
    if (!lock.rows[0]?.locked) return { claimed: false, reason: 'locked' } as const
    const leaseUntil = new Date(p.now.getTime() + p.leaseSeconds * 1000)
    const previous = await tx
      .select({ tick: jobRuns.tick })
      .from(jobRuns)
      .where(and(eq(jobRuns.job, p.job), lt(jobRuns.tick, p.tick)))
      .orderBy(desc(jobRuns.tick))
      .limit(1)
    const inserted = await tx
      .insert(jobRuns)
      .values({
        job: p.job,
        tick: p.tick,
        instanceId: p.instanceId,
        startedAt: p.now,
        leaseUntil,
        caughtUp: previous[0] ? p.missedSince(previous[0].tick) : 0,
      })
      .onConflictDoNothing({ target: [jobRuns.job, jobRuns.tick] })
      .returning()
    if (inserted[0]) return { claimed: true, row: inserted[0] } as const
    const taken = await tx
      .update(jobRuns)
      .set({
        instanceId: p.instanceId,
        attempt: sql`${jobRuns.attempt} + 1`,
        takenOverFrom: sql`${jobRuns.instanceId}`,
        startedAt: p.now,
        leaseUntil,
      })
      .where(and(eq(jobRuns.job, p.job), eq(jobRuns.tick, p.tick), isNull(jobRuns.finishedAt), lt(jobRuns.leaseUntil, p.now)))
      .returning()
    return taken[0] ? ({ claimed: true, row: taken[0] } as const) : ({ claimed: false, reason: 'claimed' } as const)
  })
}

/**
 * Records the end of a run. Only the holder of the claim's current attempt writes: an
 * instance that outlived its lease and was taken over leaves the row to its successor.
 */
export async function finishRun(
  db: Db,
  run: Pick<JobRunRow, 'id' | 'attempt'>,
  end: { outcome: Exclude<JobOutcome, 'running'>; finishedAt: Date; summary: Record<string, number> | null; error: string | null },
): Promise<boolean> {
  const rows = await db
    .update(jobRuns)
    .set(end)
    .where(and(eq(jobRuns.id, run.id), eq(jobRuns.attempt, run.attempt), isNull(jobRuns.finishedAt)))
    .returning({ id: jobRuns.id })
  return rows.length === 1
}

export const listJobRuns = <R>(
  db: Db,
  q: { job?: string; outcome?: JobOutcome; since?: string; limit: number; cursor?: string },
  map: (r: JobRunRow) => R,
) =>
  listById(
    db,
    jobRuns,
    'jobRuns',
    [
      q.job === undefined ? undefined : eq(jobRuns.job, q.job),
      q.outcome === undefined ? undefined : eq(jobRuns.outcome, q.outcome),
      q.since === undefined ? undefined : gte(jobRuns.startedAt, new Date(q.since)),
    ],
    q,
    map,
    { newestFirst: true },
  )

/**
 * Deletes runs whose tick is before `before`, except each job's latest run: it is what the
 * next run counts missed ticks from, even after a long stop.
 */
export function purgeJobRuns(db: Db, before: Date): Promise<number> {
  const latest = db.selectDistinctOn([jobRuns.job], { id: jobRuns.id }).from(jobRuns).orderBy(jobRuns.job, desc(jobRuns.tick))
  return deleteCounted(db, jobRuns, and(lt(jobRuns.tick, before), notInArray(jobRuns.id, latest)))
}
