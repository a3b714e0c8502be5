import type { Deps } from '../../deps.ts'
import { AppError, invalid, notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import { computeDueTimes, hasAnyTarget, needsCalendar, type WarningThreshold } from '../../lib/sla-due-times.ts'
import { selectPolicy } from '../../lib/sla-selection.ts'
import { describeConstraint } from '../../plugins/problem-details.ts'
import { findCalendar } from '../calendars/calendars.repo.ts'
import { compiledCalendar } from '../calendars/calendars.service.ts'
import * as repo from './sla-policies.repo.ts'
import type { CreateSlaPolicy, DryRunBody, DryRunResult, ListSlaPoliciesQuery, SlaPolicy, UpdateSlaPolicy } from './sla-policies.schemas.ts'
import { invalidatingConfig } from '../../lib/config-cache.ts'

describeConstraint('sla_policies_name_key', 'name', 'an SLA policy with this name already exists')
describeConstraint('sla_policies_active_rank_key', 'rank', 'another active SLA policy has this rank')
describeConstraint('sla_policies_calendar_fk', 'calendarId', 'no calendar has this id')

export function toSlaPolicy(r: repo.SlaPolicyRow): SlaPolicy {
  return {
    id: r.id,
    name: r.name,
    calendarId: r.calendarId,
    targets: r.targets,
    warning: r.warning,
    conditions: r.conditions,
    rank: r.rank,
    active: r.active,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

type Writable = Pick<repo.SlaPolicyRow, 'targets' | 'calendarId'>

/** Rules across fields, checked on the policy as it will be stored (after a PATCH is merged). */
function assertCoherent(p: Writable): void {
  if (!hasAnyTarget(p.targets)) {
    throw invalid([{ in: 'body', field: 'targets', message: 'set at least one target (first response, next response or resolution) for some priority' }])
  }
  if (p.calendarId === null && needsCalendar(p.targets)) {
    throw invalid([{ in: 'body', field: 'calendarId', message: 'is required: some targets are in business time' }])
  }
}

const toWarning = (w: { percent?: number; minutesBefore?: number } | null | undefined): WarningThreshold | null | undefined =>
  w === undefined ? undefined : w === null ? null : w.percent !== undefined ? { percent: w.percent } : { minutesBefore: w.minutesBefore! }

export async function createSlaPolicy(deps: Deps, input: CreateSlaPolicy): Promise<SlaPolicy> {
  const row = { targets: input.targets, calendarId: input.calendarId ?? null }
  assertCoherent(row)
  const now = deps.clock.now()
  return toSlaPolicy(
    await invalidatingConfig(repo.insertSlaPolicy(deps.db, {
      ...row,
      name: input.name.trim(),
      warning: toWarning(input.warning) ?? null,
      conditions: input.conditions ?? {},
      rank: input.rank,
      createdAt: now,
      updatedAt: now,
    })),
  )
}

export async function getSlaPolicy(deps: Deps, id: string): Promise<SlaPolicy> {
  const row = await repo.findSlaPolicy(deps.db, id)
  if (!row) throw notFound('SLA policy', id)
  return toSlaPolicy(row)
}

export const listSlaPolicies = (deps: Deps, q: ListSlaPoliciesQuery): Promise<Page<SlaPolicy>> =>
  repo.listSlaPolicies(deps.db, { ...q, limit: q.limit ?? 50 }, toSlaPolicy)

export async function updateSlaPolicy(deps: Deps, id: string, version: number | undefined, input: UpdateSlaPolicy): Promise<SlaPolicy> {
  const { warning, name, ...rest } = input
  const patch: Partial<repo.SlaPolicyRow> = {
    ...rest,
    ...(name === undefined ? {} : { name: name.trim() }),
    ...(warning === undefined ? {} : { warning: toWarning(warning) }),
  }
  if (patch.targets === undefined && patch.calendarId === undefined) {
    return toSlaPolicy(await invalidatingConfig(repo.updateSlaPolicy(deps.db, id, version, patch, deps.clock.now())))
  }
  // The targets/calendar rule spans fields: check it against the stored row under a lock.
  const write = deps.db.transaction(async (tx) => {
    const row = await repo.findSlaPolicy(tx, id, true)
    if (!row) throw notFound('SLA policy', id)
    if (version !== undefined && version !== row.version) {
      throw new AppError('PRECONDITION_FAILED', `SLA policy ${id} is at version ${row.version}, not ${version}; fetch it again`)
    }
    assertCoherent({ ...row, ...patch })
    return toSlaPolicy(await repo.updateSlaPolicy(tx, id, row.version, patch, deps.clock.now()))
  })
  return invalidatingConfig(write)
}

/** Policies are deactivated, never deleted: tickets keep the policy their due times came from. */
export const deactivateSlaPolicy = (deps: Deps, id: string, version: number | undefined) =>
  updateSlaPolicy(deps, id, version, { active: false })

const isoOrUndefined = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())

/**
 * Which policy a ticket with these facts would get, why, and its due times if it started at `at`.
 * One query for the active policies, one for the winner's calendar (compiled once per version).
 */
export async function dryRun(deps: Deps, input: DryRunBody): Promise<DryRunResult> {
  const { at, ...facts } = input
  const startedAt = at === undefined ? deps.clock.now().getTime() : Date.parse(at)
  const { policy, trail } = selectPolicy(facts, await repo.findActiveSlaPolicies(deps.db))
  if (!policy) return { policy: null, trail, dueTimes: null }
  const calendar = policy.calendarId ? await findCalendar(deps.db, policy.calendarId) : undefined
  const due = computeDueTimes(policy, calendar ? compiledCalendar(calendar) : null, facts.priority, startedAt)
  return {
    policy: { id: policy.id, name: policy.name },
    trail,
    dueTimes: {
      startedAt: new Date(startedAt).toISOString(),
      firstResponseDueAt: isoOrUndefined(due.firstResponseDueAt),
      nextResponseDueAt: isoOrUndefined(due.nextResponseDueAt),
      resolutionDueAt: isoOrUndefined(due.resolutionDueAt),
      warnings: {
        firstResponseWarnAt: isoOrUndefined(due.warnings.firstResponseWarnAt),
        nextResponseWarnAt: isoOrUndefined(due.warnings.nextResponseWarnAt),
        resolutionWarnAt: isoOrUndefined(due.warnings.resolutionWarnAt),
      },
    },
  }
}
