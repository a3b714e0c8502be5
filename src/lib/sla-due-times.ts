/**
 * SLA due and warning instants of one ticket under one policy. Pure: no I/O, no clock.
 *
 * Targets
 * - `business_minutes` / `business_hours`: `addBusinessSeconds(start, value × 60 | 3600)`. A start
 *   outside business hours counts from the next business start; a due time landing exactly on the
 *   end of a working interval stays there (Fri 17:00 + 1 business hour = Fri 18:00, not Mon 09:00).
 * - `business_days`: `addBusinessDays(start, value)`: the end of the value-th working day after the
 *   start's local day (the start day never counts).
 * - `calendar_minutes`: plain elapsed time, `start + value × 60 s`; no calendar is needed.
 *
 * Warnings (`warning` of the policy; none when it is absent)
 * - `{ percent: p }`: when p % of the target's duration has elapsed, measured in the target's own
 *   time: business seconds for business targets (for `business_days` the duration is the business
 *   seconds from start to due), so `warnAt = addBusinessSeconds(start, ⌊d × p / 100⌋)`; elapsed
 *   seconds for `calendar_minutes`.
 * - `{ minutesBefore: m }`: m minutes before the due time in the target's own time: for business
 *   targets the instant after which exactly m × 60 business seconds remain,
 *   `addBusinessSeconds(start, max(0, d − m × 60))`, so `businessSecondsBetween(warnAt, dueAt) = m × 60`
 *   whenever m × 60 < d (a warning never falls into a night: it fires while someone can act). When that
 *   instant is the end of a working interval the warning fires then (e.g. Fri 18:00 for a Mon 10:00
 *   due time with 60 minutes before), the earlier of the two equivalent instants. A warning larger
 *   than the whole target fires at the (business) start. For `calendar_minutes`: `max(start, due − m)`.
 */
import {
  addBusinessDays,
  addBusinessSeconds,
  BusinessCalendar,
  type BusinessCalendarSpec,
  businessSecondsBetween,
  compileCalendar,
  type Instant,
} from './business-time/index.ts'
import type { Priority } from './sla-selection.ts'

export const TARGET_UNITS = ['business_minutes', 'business_hours', 'business_days', 'calendar_minutes'] as const
export type TargetUnit = (typeof TARGET_UNITS)[number]
export const TARGET_KINDS = ['firstResponse', 'nextResponse', 'resolution'] as const
export type TargetKind = (typeof TARGET_KINDS)[number]

export interface Target {
  value: number
  unit: TargetUnit
}
export type PriorityTargets = Partial<Record<TargetKind, Target>>
export type PolicyTargets = Partial<Record<Priority, PriorityTargets>>
export type WarningThreshold = { percent: number; minutesBefore?: undefined } | { minutesBefore: number; percent?: undefined }

export interface DuePolicy {
  targets: PolicyTargets
  warning?: WarningThreshold | null
}

export interface DueTimes {
  firstResponseDueAt?: number
  nextResponseDueAt?: number
  resolutionDueAt?: number
  warnings: { firstResponseWarnAt?: number; nextResponseWarnAt?: number; resolutionWarnAt?: number }
}

/** True when a policy's targets can be computed without a calendar. */
export const needsCalendar = (targets: PolicyTargets): boolean =>
  Object.values(targets).some((t) => t && Object.values(t).some((x) => x && x.unit !== 'calendar_minutes'))

/** Whether a policy has at least one target at all. */
export const hasAnyTarget = (targets: PolicyTargets): boolean =>
  Object.values(targets).some((t) => t && Object.values(t).some((x) => x !== undefined))

const MINUTE = 60
const HOUR = 3600

function due(cal: BusinessCalendar | null, start: number, t: Target): { dueAt: number; warnAt: (w: WarningThreshold) => number } {
  if (t.unit === 'calendar_minutes') {
    const seconds = t.value * MINUTE
    const dueAt = start + seconds * 1000
    return {
      dueAt,
      warnAt: (w) =>
        w.percent !== undefined ? start + Math.floor((seconds * w.percent) / 100) * 1000 : Math.max(start, dueAt - w.minutesBefore * MINUTE * 1000),
    }
  }
  if (!cal) throw new RangeError(`a ${t.unit} target needs a business calendar`)
  let dueAt: number
  let seconds: number
  if (t.unit === 'business_days') {
    dueAt = addBusinessDays(cal, start, t.value)
    seconds = businessSecondsBetween(cal, start, dueAt)
  } else {
    seconds = t.value * (t.unit === 'business_hours' ? HOUR : MINUTE)
    dueAt = addBusinessSeconds(cal, start, seconds)
  }
  return {
    dueAt,
    warnAt: (w) =>
      addBusinessSeconds(
        cal,
        start,
        w.percent !== undefined ? Math.floor((seconds * w.percent) / 100) : Math.max(0, seconds - w.minutesBefore * MINUTE),
      ),
  }
}

/**
 * Due and warning instants (epoch ms) of the targets the policy sets for `priority`; a target the
 * policy does not set is absent. `calendar` may be null when every target is in calendar minutes.
 */
export function computeDueTimes(
  policy: DuePolicy,
  calendar: BusinessCalendarSpec | BusinessCalendar | null,
  priority: Priority,
  startedAt: Instant,
): DueTimes {
  const start = typeof startedAt === 'number' ? startedAt : startedAt.getTime()
  const targets = policy.targets[priority] ?? {}
  const cal = calendar === null || calendar instanceof BusinessCalendar ? calendar : compileCalendar(calendar)
  const out: DueTimes = { warnings: {} }
  for (const kind of TARGET_KINDS) {
    const t = targets[kind]
    if (!t) continue
    const d = due(cal, start, t)
    out[`${kind}DueAt`] = d.dueAt
    if (policy.warning) out.warnings[`${kind}WarnAt`] = d.warnAt(policy.warning)
  }
  return out
}
