import { sql } from 'drizzle-orm'
import { check, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core'
import { id } from './_columns.ts'

export const JOB_OUTCOMES = ['running', 'ok', 'failed'] as const
export type JobOutcome = (typeof JOB_OUTCOMES)[number]

/**
 * One row per (job, tick): the claim and the record of the run in one. The unique pair makes
 * a second instance (or a rerun) of the same tick a no-op; `leaseUntil` lets another instance
 * take over a claim whose holder died before `finishedAt` (then `attempt` grows and
 * `takenOverFrom` names the instance that lost it). `running` is the outcome of a claim not
 * yet finished.
 */
export const jobRuns = pgTable(
  'job_runs',
  {
    id: id(),
    job: text().notNull(),
    tick: timestamp({ withTimezone: true }).notNull(),
    instanceId: text().notNull(),
    attempt: integer().notNull().default(1),
    takenOverFrom: text(),
    startedAt: timestamp({ withTimezone: true }).notNull(),
    leaseUntil: timestamp({ withTimezone: true }).notNull(),
    finishedAt: timestamp({ withTimezone: true }),
    outcome: text().$type<JobOutcome>().notNull().default('running'),
    /** Earlier ticks of this job that had no run when this one was claimed (downtime). */
    caughtUp: integer().notNull().default(0),
    summary: jsonb().$type<Record<string, number>>(),
    error: text(),
  },
  (t) => [
    // The claim (job, tick), the latest tick of a job (catch-up count) and the `job` filter of GET /v1/jobs/runs.
    uniqueIndex('job_runs_job_tick_key').on(t.job, t.tick),
    check('job_runs_outcome_check', sql`${t.outcome} in ('running', 'ok', 'failed')`),
    check('job_runs_finished_check', sql`(${t.outcome} = 'running') = (${t.finishedAt} is null)`),
  ],
)
