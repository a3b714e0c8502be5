import type { Deps } from '../../deps.ts'
import type { Page } from '../../lib/pagination.ts'
import * as repo from './jobs.repo.ts'
import type { JobRun, ListJobRunsQuery } from './jobs.schemas.ts'

export function toJobRun(r: repo.JobRunRow): JobRun {
  return {
    id: r.id,
    job: r.job,
    tick: r.tick.toISOString(),
    instanceId: r.instanceId,
    attempt: r.attempt,
    takenOverFrom: r.takenOverFrom,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    outcome: r.outcome,
    caughtUp: r.caughtUp,
    summary: r.summary,
    error: r.error,
  }
}

/** Newest first: the question is usually "what happened lately". */
export const listJobRuns = (deps: Deps, q: ListJobRunsQuery): Promise<Page<JobRun>> =>
  repo.listJobRuns(deps.db, { ...q, limit: q.limit ?? 50 }, toJobRun)
