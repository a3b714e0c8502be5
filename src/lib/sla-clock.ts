/**
 * SLA clocks of one ticket. Pure: no I/O, no clock; every function takes `now` (epoch ms).
 *
 * A clock measures how much of a target (first response, next response, resolution) has been
 * used. It keeps `consumedSeconds` — time consumed BEFORE `runningSince` — and, while running,
 * the instant it last (re)started. Consumed time is measured in the target's own time: business
 * seconds on the policy's calendar, or elapsed seconds for `calendar_minutes` targets.
 *
 * - Pausing (the ticket enters a `pending` state: waiting on the customer) folds the running
 *   segment into `consumedSeconds`; due and warning instants are unknown while paused (null).
 * - Resuming starts a new segment: `dueAt = advance(now, target − consumed)`.
 * - Re-targeting (priority, queue, type or policy changed) keeps the consumed time and applies
 *   the new target to the total: `dueAt = advance(runningSince, newTarget − consumed)`. When the
 *   new target is already used up before the current segment began, the exact crossing instant
 *   lies in an earlier segment; the clock then reports `runningSince` (it was overdue already).
 *   A change of calendar folds the running segment first, measured on the old calendar.
 * - `business_days` targets are converted to business seconds when the clock starts (the
 *   business seconds from the start to the end of the n-th working day after it), so pauses and
 *   re-targeting work on one unit; a later resume does not snap to the end of a day.
 * - Meeting the target (a reply, a resolution) freezes the clock; it was breached when it was met
 *   after `dueAt`. Stopping ends a clock that no longer applies (ticket closed, target removed).
 *
 * Warnings and breaches are recorded by the scheduler at most once per (clock, due instant):
 * `warnedForDueAt` / `breachedForDueAt` hold the due instant they were recorded for, so a
 * conditional update (`… where breached_for_due_at is distinct from due_at`) fires once, and a
 * new due instant (resume, re-target, next-response re-armed) can fire again.
 */
import {
  addBusinessDays,
  addBusinessSeconds,
  type BusinessCalendar,
  businessSecondsBetween,
} from './business-time/index.ts'
import type { DuePolicy, Target, TargetKind, WarningThreshold } from './sla-due-times.ts'
import type { Priority } from './sla-selection.ts'

export const CLOCK_KINDS = ['first_response', 'next_response', 'resolution'] as const
export type ClockKind = (typeof CLOCK_KINDS)[number]
export const CLOCK_STATUSES = ['running', 'paused', 'met', 'stopped'] as const
export type ClockStatus = (typeof CLOCK_STATUSES)[number]
export type Measure = 'business' | 'calendar'

export const TARGET_OF: Record<ClockKind, TargetKind> = {
  first_response: 'firstResponse',
  next_response: 'nextResponse',
  resolution: 'resolution',
}

/** What a clock is measured against: total seconds and the consumed seconds at which it warns. */
export interface ClockTarget {
  measure: Measure
  targetSeconds: number
  warnSeconds: number | null
}

export interface SlaClock extends ClockTarget {
  kind: ClockKind
  status: ClockStatus
  consumedSeconds: number
  runningSince: number | null
  dueAt: number | null
  warnAt: number | null
  metAt: number | null
  warnedForDueAt: number | null
  breachedForDueAt: number | null
}

const MINUTE = 60
const HOUR = 3600

function needCal(cal: BusinessCalendar | null): BusinessCalendar {
  if (!cal) throw new RangeError('a business-time clock needs a business calendar')
  return cal
}

/** Seconds of the clock's own time between two instants. */
export function elapsed(measure: Measure, cal: BusinessCalendar | null, from: number, to: number): number {
  if (to <= from) return 0
  return measure === 'calendar' ? Math.floor((to - from) / 1000) : businessSecondsBetween(needCal(cal), from, to)
}

/** The instant `seconds` of the clock's own time after `from`. */
export function advance(measure: Measure, cal: BusinessCalendar | null, from: number, seconds: number): number {
  return measure === 'calendar' ? from + seconds * 1000 : addBusinessSeconds(needCal(cal), from, seconds)
}

function warnSecondsOf(total: number, w: WarningThreshold | null | undefined): number | null {
  if (!w) return null
  return w.percent !== undefined ? Math.floor((total * w.percent) / 100) : Math.max(0, total - w.minutesBefore * MINUTE)
}

function targetSeconds(t: Target, cal: BusinessCalendar | null, start: number): number {
  switch (t.unit) {
    case 'calendar_minutes':
    case 'business_minutes':
      return t.value * MINUTE
    case 'business_hours':
      return t.value * HOUR
    case 'business_days': {
      const c = needCal(cal)
      return businessSecondsBetween(c, start, addBusinessDays(c, start, t.value))
    }
  }
}

/** The target a policy sets for this clock at this priority, or null when it sets none. */
export function clockTarget(policy: DuePolicy, priority: Priority, kind: ClockKind, cal: BusinessCalendar | null, start: number): ClockTarget | null {
  const t = policy.targets[priority]?.[TARGET_OF[kind]]
  if (!t) return null
  const total = targetSeconds(t, cal, start)
  return { measure: t.unit === 'calendar_minutes' ? 'calendar' : 'business', targetSeconds: total, warnSeconds: warnSecondsOf(total, policy.warning) }
}

/** Due and warning instants of a running clock from its segment start and consumed time. */
function schedule(c: SlaClock, cal: BusinessCalendar | null): SlaClock {
  if (c.status !== 'running' || c.runningSince === null) return { ...c, dueAt: c.status === 'paused' ? null : c.dueAt, warnAt: c.status === 'paused' ? null : c.warnAt }
  const at = (total: number) => (total >= c.consumedSeconds ? advance(c.measure, cal, c.runningSince!, total - c.consumedSeconds) : c.runningSince!)
  return { ...c, dueAt: at(c.targetSeconds), warnAt: c.warnSeconds === null ? null : at(c.warnSeconds) }
}

export function startClock(kind: ClockKind, target: ClockTarget, cal: BusinessCalendar | null, now: number, paused = false): SlaClock {
  return schedule(
    {
      kind,
      ...target,
      status: paused ? 'paused' : 'running',
      consumedSeconds: 0,
      runningSince: paused ? null : now,
      dueAt: null,
      warnAt: null,
      metAt: null,
      warnedForDueAt: null,
      breachedForDueAt: null,
    },
    cal,
  )
}

/** Consumed seconds as of `now`, the running segment included. */
export const consumedAt = (c: SlaClock, cal: BusinessCalendar | null, now: number): number =>
  c.consumedSeconds + (c.status === 'running' && c.runningSince !== null ? elapsed(c.measure, cal, c.runningSince, now) : 0)

const fold = (c: SlaClock, cal: BusinessCalendar | null, now: number): SlaClock => ({ ...c, consumedSeconds: consumedAt(c, cal, now), runningSince: null })

export function pauseClock(c: SlaClock, cal: BusinessCalendar | null, now: number): SlaClock {
  if (c.status !== 'running') return c
  return { ...fold(c, cal, now), status: 'paused', dueAt: null, warnAt: null }
}

export function resumeClock(c: SlaClock, cal: BusinessCalendar | null, now: number): SlaClock {
  if (c.status !== 'paused') return c
  return schedule({ ...c, status: 'running', runningSince: now }, cal)
}

/** The target was met at `now` (a reply, a resolution). */
export function meetClock(c: SlaClock, cal: BusinessCalendar | null, now: number): SlaClock {
  if (c.status !== 'running' && c.status !== 'paused') return c
  return { ...fold(c, cal, now), status: 'met', metAt: now }
}

/** The clock no longer applies (ticket closed, target removed): it ends without being met. */
export function stopClock(c: SlaClock, cal: BusinessCalendar | null, now: number): SlaClock {
  if (c.status !== 'running' && c.status !== 'paused') return c
  return { ...fold(c, cal, now), status: 'stopped', dueAt: c.status === 'running' ? c.dueAt : null, warnAt: null }
}

/**
 * A met or stopped clock measures again from where it was (a resolved ticket reopened, a policy
 * applying again), under `target` when given (consumed time carries over, as in re-targeting).
 */
export function reopenClock(c: SlaClock, cal: BusinessCalendar | null, now: number, paused = false, target?: ClockTarget): SlaClock {
  if (c.status === 'running' || c.status === 'paused') return c
  return schedule({ ...c, ...target, status: paused ? 'paused' : 'running', runningSince: paused ? null : now, metAt: null }, cal)
}

/**
 * A new target for a clock (priority, queue, type or policy changed); consumed time carries over.
 * `oldCal` measured the running segment so far; when the calendar changes the segment is folded
 * on it and a new one starts at `now` on `newCal`.
 */
export function retargetClock(c: SlaClock, target: ClockTarget, oldCal: BusinessCalendar | null, newCal: BusinessCalendar | null, now: number): SlaClock {
  const base = oldCal !== newCal || c.measure !== target.measure ? { ...fold(c, oldCal, now), runningSince: c.status === 'running' ? now : null } : c
  const next = { ...base, ...target }
  return c.status === 'running' || c.status === 'paused' ? schedule(next, newCal) : next
}

/** Whether a clock missed its target: met late, or still running past its due instant. */
export function isBreached(c: SlaClock, now: number): boolean {
  if (c.dueAt === null) return false
  if (c.status === 'met') return c.metAt !== null && c.metAt > c.dueAt
  return c.status === 'running' && now > c.dueAt
}

/**
 * The earliest instant at which the scheduler has something to record for this ticket: a pending
 * warning or due instant of a running clock (one already recorded for the current due instant
 * does not count). Null when no clock runs.
 */
export function nextSlaEventAt(clocks: readonly SlaClock[]): number | null {
  let next: number | null = null
  const consider = (t: number | null) => {
    if (t !== null && (next === null || t < next)) next = t
  }
  for (const c of clocks) {
    if (c.status !== 'running' || c.dueAt === null) continue
    if (c.warnAt !== null && c.warnedForDueAt !== c.dueAt) consider(c.warnAt)
    if (c.breachedForDueAt !== c.dueAt) consider(c.dueAt)
  }
  return next
}

/** The earliest due instant among running clocks (the "next due" sort key). */
export function nextDueAt(clocks: readonly SlaClock[]): number | null {
  const due = clocks.filter((c) => c.status === 'running' && c.dueAt !== null).map((c) => c.dueAt!)
  return due.length ? Math.min(...due) : null
}
