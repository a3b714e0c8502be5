import { type Static, Type } from 'typebox'
import { JOB_OUTCOMES } from '../../db/schema/index.ts'
import { DateTime, ListOf, Nullable, PageQuery, StringEnum, Uuid } from '../../lib/schemas.ts'

export const JobRun = Type.Object({
  id: Uuid(),
  job: Type.String(),
  tick: DateTime({ description: 'the scheduled instant this run is for' }),
  instanceId: Type.String({ description: 'the service instance that ran it' }),
  attempt: Type.Integer({ description: '1, or more when an instance took over a claim whose holder stopped mid-run' }),
  takenOverFrom: Nullable(Type.String({ description: 'the instance whose unfinished claim was taken over' })),
  startedAt: DateTime(),
  finishedAt: Nullable(DateTime()),
  outcome: StringEnum(JOB_OUTCOMES, { description: '`running` until the run ends' }),
  caughtUp: Type.Integer({ description: 'earlier ticks that had no run (the service was down); this run covered them' }),
  summary: Nullable(Type.Record(Type.String(), Type.Number(), { description: 'counts reported by the job' })),
  error: Nullable(Type.String({ description: 'why the run failed' })),
})
export type JobRun = Static<typeof JobRun>

export const ListJobRunsQuery = Type.Object(
  {
    ...PageQuery,
    job: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'runs of this job' })),
    outcome: Type.Optional(StringEnum(JOB_OUTCOMES)),
    since: Type.Optional(DateTime({ description: 'runs started at or after this instant' })),
  },
  { additionalProperties: false },
)
export type ListJobRunsQuery = Static<typeof ListJobRunsQuery>
export const JobRunList = ListOf(JobRun)
