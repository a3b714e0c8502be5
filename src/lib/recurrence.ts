/**
 * Schedules of recurring tickets (pure, no I/O): a cron expression or an RFC 5545 RRULE evaluated on
 * wall-clock time in an IANA zone. The parsers (`recurrence/cron.ts`, `recurrence/rrule.ts`) produce
 * local wall times; this module maps them to instants and applies bounds, COUNT and catch-up.
 *
 * Semantics, stated once:
 * - Wall-clock: "09:00" stays 09:00 local on both sides of a DST change.
 * - A local time skipped by spring-forward happens ONCE, at the first valid instant after the gap
 *   (America/New_York 02:30 on 2026-03-08 → 03:00 EDT). Several skipped times of one night collapse
 *   into that single instant (`*\/15 2 * * *` fires once at 03:00 that night). RFC 5545 §3.3.10 would
 *   drop such an RRULE instance; we keep it so a daily ticket never silently disappears.
 * - A local time repeated by fall-back happens ONCE, at its first occurrence (01:30 EDT, not 01:30 EST).
 * - `startsAt` / `endsAt` are inclusive bounds. Each is either an ISO instant with an offset
 *   (`2026-03-02T07:00:00Z`) or a local date-time without one (`2026-03-02T09:00`), read in `timeZone`.
 *   For an RRULE `startsAt` is required: it is DTSTART, read as the local wall time it shows in `timeZone`.
 * - Occurrences are computed for years 1970..2200; nothing is returned beyond.
 * - Instants are `Date`s; local-time `Date` methods are never used (the server's TZ does not matter).
 */
import { daysInMonth } from './business-time/civil.ts'
import { isKnownTimeZone, wallMs, wallToInstant, zoneFormatter } from './business-time/zone.ts'
import { MAX_YEAR, MIN_YEAR } from './business-time/validate.ts'
import { type CronRule, nextCronWall, parseCron } from './recurrence/cron.ts'
import { parseRRule, type RRule, rruleWalls } from './recurrence/rrule.ts'

export type ScheduleKind = 'cron' | 'rrule'
export type CatchUpPolicy = 'each' | 'latest'

export interface Schedule {
  kind: ScheduleKind
  expression: string
  timeZone: string
  startsAt?: string | null
  endsAt?: string | null
}

export interface ScheduleIssue {
  field: 'kind' | 'expression' | 'timeZone' | 'startsAt' | 'endsAt'
  message: string
}

/** Most occurrences `nextOccurrences` returns (the API's `?count=` maximum). */
export const MAX_NEXT_COUNT = 100
/** Most occurrences `occurrencesBetween` and `dueOccurrences` return. */
export const MAX_LIMIT = 10_000

export class InvalidScheduleError extends Error {
  constructor(readonly issues: ScheduleIssue[]) {
    super(`invalid schedule: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`)
    this.name = 'InvalidScheduleError'
  }
}

const MIN_INSTANT = Date.UTC(MIN_YEAR, 0, 1)
const HORIZON_WALL = Date.UTC(MAX_YEAR, 11, 31, 23, 59, 59)

interface Compiled {
  fmt: Intl.DateTimeFormat
  cron: CronRule | null
  rrule: RRule | null
  /** First wall time and instant allowed (-Infinity when unbounded). */
  startWall: number
  startInstant: number
  /** Last instant allowed: the earliest of endsAt and UNTIL. */
  endInstant: number
}

interface Bound {
  /** Wall ms when given as local time, else the wall the instant shows in the zone. */
  wall: number
  instant: number
}

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?$/
const OFFSET_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i

function parseBound(value: string, fmt: Intl.DateTimeFormat): Bound | string {
  const shape = "must be an ISO date-time, either local to timeZone ('2026-03-02T09:00') or with an offset ('2026-03-02T07:00:00Z')"
  const local = LOCAL_RE.exec(value)
  if (local !== null) {
    const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(local[i] ?? 0)) as [number, number, number, number, number, number]
    const wall = Date.UTC(year, month - 1, day, hour, minute, second)
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return `${value}: not a real date and time`
    if (year < MIN_YEAR || year > MAX_YEAR) return `year must be between ${MIN_YEAR} and ${MAX_YEAR}`
    return { wall, instant: wallToInstant(fmt, wall) }
  }
  const instant = OFFSET_RE.test(value) ? Date.parse(value) : Number.NaN
  if (Number.isNaN(instant)) return shape
  if (instant < MIN_INSTANT || instant > HORIZON_WALL) return `year must be between ${MIN_YEAR} and ${MAX_YEAR}`
  return { wall: wallMs(fmt, instant), instant }
}

function compile(s: Schedule): { compiled: Compiled | null; issues: ScheduleIssue[] } {
  const issues: ScheduleIssue[] = []
  const add = (field: ScheduleIssue['field'], message: string) => issues.push({ field, message })
  if (s.kind !== 'cron' && s.kind !== 'rrule') add('kind', "must be 'cron' or 'rrule'")
  const zoneOk = typeof s.timeZone === 'string' && isKnownTimeZone(s.timeZone)
  if (!zoneOk) add('timeZone', `unknown IANA time zone '${String(s.timeZone)}'`)
  if (typeof s.expression !== 'string' || s.expression.trim() === '') add('expression', 'must not be empty')
  if (issues.length > 0) return { compiled: null, issues }

  let cron: CronRule | null = null
  let rrule: RRule | null = null
  if (s.kind === 'cron') {
    const r = parseCron(s.expression)
    if (Array.isArray(r)) for (const i of r) add('expression', i.message)
    else cron = r
  } else {
    const r = parseRRule(s.expression)
    if (Array.isArray(r)) for (const m of r) add('expression', m)
    else rrule = r
  }

  const fmt = zoneFormatter(s.timeZone)
  const bound = (field: 'startsAt' | 'endsAt'): Bound | null => {
    const v = s[field]
    if (v === undefined || v === null) return null
    const b = typeof v === 'string' ? parseBound(v, fmt) : 'must be a string'
    if (typeof b === 'string') add(field, b)
    return typeof b === 'string' ? null : b
  }
  const start = bound('startsAt')
  const end = bound('endsAt')
  if (s.kind === 'rrule' && (s.startsAt === undefined || s.startsAt === null)) add('startsAt', 'is required for an RRULE (it is the DTSTART)')
  if (start !== null && end !== null && end.instant < start.instant) add('endsAt', `must not be before startsAt (${s.startsAt})`)

  let endInstant = end?.instant ?? Number.POSITIVE_INFINITY
  if (rrule?.until) {
    const untilInstant = rrule.until.kind === 'instant' ? rrule.until.at : wallToInstant(fmt, rrule.until.wall)
    if (start !== null && untilInstant < start.instant) add('expression', `UNTIL is before startsAt (${s.startsAt})`)
    endInstant = Math.min(endInstant, untilInstant)
  }
  if (issues.length > 0) return { compiled: null, issues }

  const compiled: Compiled = {
    fmt,
    cron,
    rrule,
    startWall: start?.wall ?? Number.NEGATIVE_INFINITY,
    startInstant: start?.instant ?? Number.NEGATIVE_INFINITY,
    endInstant,
  }
  if (instants(compiled, Math.max(MIN_INSTANT, compiled.startInstant) - 1).next().done) {
    const within = start !== null || end !== null ? ' between startsAt and endsAt' : ''
    add('expression', `never occurs${within} (e.g. a day that does not exist in the chosen months)`)
    return { compiled: null, issues }
  }
  return { compiled, issues }
}

/**
 * Every problem of a schedule, each with the field it concerns and a precise message; empty when it
 * is valid. A valid schedule has at least one occurrence.
 */
export function validateSchedule(s: Schedule): ScheduleIssue[] {
  return compile(s).issues
}

function compileOrThrow(s: Schedule): Compiled {
  const { compiled, issues } = compile(s)
  if (compiled === null) throw new InvalidScheduleError(issues)
  return compiled
}

function* walls(c: Compiled, fromWall: number): Generator<number> {
  if (c.rrule !== null) {
    yield* rruleWalls(c.rrule, c.startWall, fromWall, HORIZON_WALL)
    return
  }
  for (let w = nextCronWall(c.cron!, fromWall, HORIZON_WALL); w !== null; w = nextCronWall(c.cron!, w + 1, HORIZON_WALL)) yield w
}

/**
 * Occurrence instants strictly after `after`, ascending, without duplicates. Starts walking walls at
 * the wall time of `after`: an earlier wall maps to an instant ≤ `after`, because the wall → instant
 * mapping (`wallToInstant`) is monotonic. With COUNT the walk starts at DTSTART, to count.
 */
function* instants(c: Compiled, after: number): Generator<number> {
  const count = c.rrule?.count ?? null
  const fromWall = count !== null ? c.startWall : Math.max(c.startWall, wallMs(c.fmt, Math.min(Math.max(after, MIN_INSTANT), HORIZON_WALL)))
  let last = Number.NEGATIVE_INFINITY
  let seen = 0
  for (const w of walls(c, fromWall)) {
    const t = wallToInstant(c.fmt, w)
    // Walls inside one DST gap collapse onto the same instant: it happens once.
    if (t <= last || t < c.startInstant) continue
    last = t
    if (t > c.endInstant) return
    if (count !== null && ++seen > count) return
    if (t > after) yield t
  }
}

function checkCount(name: string, n: number, max: number): void {
  if (!Number.isInteger(n) || n < 0 || n > max) throw new RangeError(`${name} must be an integer in 0..${max}, got ${n}`)
}

/** The next `count` (≤ 100) occurrences strictly after `after`. Throws InvalidScheduleError. */
export function nextOccurrences(s: Schedule, after: Date, count: number): Date[] {
  checkCount('count', count, MAX_NEXT_COUNT)
  const out: Date[] = []
  if (count === 0) return out
  for (const t of instants(compileOrThrow(s), after.getTime())) {
    out.push(new Date(t))
    if (out.length === count) break
  }
  return out
}

/** Occurrences in (from, to] — from exclusive, to inclusive — the first `limit` (≤ 10,000) of them. */
export function occurrencesBetween(s: Schedule, from: Date, to: Date, limit: number): Date[] {
  checkCount('limit', limit, MAX_LIMIT)
  const out: Date[] = []
  if (limit === 0) return out
  for (const t of instants(compileOrThrow(s), from.getTime())) {
    if (t > to.getTime()) break
    out.push(new Date(t))
    if (out.length === limit) break
  }
  return out
}

/** The last occurrence in (from, to]. Looks back through windows growing ×4 from one day, so a job
 * catching up after a long outage does not walk every occurrence since the outage (except with
 * COUNT, which must be counted from DTSTART anyway and is at most 10,000).
 */
function lastOccurrence(c: Compiled, from: number, to: number): number | null {
  for (let span = 86_400_000; ; span *= 4) {
    const lo = Math.max(from, to - span)
    let found: number | null = null
    for (const t of instants(c, lo)) {
      if (t > to) break
      found = t
    }
    if (found !== null || lo === from) return found
  }
}

/**
 * What a job run at `now` must create: the occurrences in (lastProcessedAt, now], ascending.
 * - `each`: every one of them, paged: the OLDEST `cap` (≥ 1) ones. The caller stores the last
 *   occurrence it created as the new `lastProcessedAt` (in the same transaction as the tickets)
 *   and the next run continues from there, so nothing is ever dropped, however long the outage.
 *   When fewer than `cap` come back the caller is caught up and may store `now` instead.
 * - `latest`: only the most recent one; the caller stores `now`.
 * A rerun with the stored `lastProcessedAt` returns nothing new.
 *
 * First run (`lastProcessedAt` null): the window opens at the template's `startsAt` (inclusive), not
 * at the epoch — so an occurrence exactly at `startsAt` is created. A schedule without `startsAt`
 * (cron only) has nothing missed on its first run; the API should default `startsAt` to the
 * template's creation instant so that an occurrence before the first job run is not lost.
 * A clock that went backwards (`now` ≤ `lastProcessedAt`) yields nothing.
 */
export function dueOccurrences(s: Schedule, lastProcessedAt: Date | null, now: Date, policy: CatchUpPolicy, cap: number): Date[] {
  checkCount('cap', cap, MAX_LIMIT)
  if (cap === 0) return []
  const c = compileOrThrow(s)
  const to = now.getTime()
  const from = lastProcessedAt !== null ? lastProcessedAt.getTime() : Number.isFinite(c.startInstant) ? c.startInstant - 1 : to
  if (to <= from) return []
  if (policy === 'latest') {
    const last = lastOccurrence(c, from, to)
    return last === null ? [] : [new Date(last)]
  }
  const out: Date[] = []
  for (const t of instants(c, from)) {
    if (t > to) break
    out.push(new Date(t))
    if (out.length === cap) break
  }
  return out
}
