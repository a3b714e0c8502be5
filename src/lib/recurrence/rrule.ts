/**
 * A focused RFC 5545 RRULE evaluator for the subset recurring tickets need, on local wall-clock time
 * ("wall ms", see `business-time/zone.ts`); DST is handled by the caller mapping walls to instants.
 *
 * Supported: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY, INTERVAL, COUNT, UNTIL, BYMONTH, BYMONTHDAY (negative
 * counts from the month's end), BYDAY (with ordinals like 1MO or -1FR for MONTHLY and YEARLY; within
 * the month when BYMONTH is given, else within the year, as RFC 5545 says), BYHOUR, BYMINUTE, WKST.
 * Rejected with a message: BYSETPOS, BYWEEKNO, BYYEARDAY, BYSECOND, FREQ below DAILY.
 *
 * Why not the `rrule` package: it computes in UTC or in the server's zone and its TZID support is
 * known to shift wall times across DST; the subset here is small enough to evaluate exactly.
 *
 * Choices, stated once:
 * - DTSTART is `startsAt`; it only supplies defaults (time of day, weekday, day of month, month) and
 *   the INTERVAL anchor. It is NOT an occurrence by itself unless it matches the rule (as python-dateutil
 *   and rrule.js do), so "starts 1 January, every Monday at 09:00" does not fire on 1 January.
 * - Invalid dates are skipped, as RFC 5545 §3.3.10 requires: "monthly on the 31st" has no occurrence
 *   in April, "yearly on 29 February" only fires in leap years.
 * - Seconds come from DTSTART (BYSECOND is not supported).
 */
import { civilFromDays, DAY_MS, daysFromCivil, daysInMonth, isLeapYear, isoWeekday, MINUTE_MS } from '../business-time/civil.ts'

export type Frequency = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY'

/** An ISO weekday (1 = Monday … 7 = Sunday) with an optional ordinal (0 = every such weekday). */
export interface WeekdayNum {
  weekday: number
  n: number
}

export type Until = { kind: 'instant'; at: number } | { kind: 'local'; wall: number }

export interface RRule {
  freq: Frequency
  interval: number
  count: number | null
  until: Until | null
  byMonth: number[] | null
  byMonthDay: number[] | null
  byDay: WeekdayNum[] | null
  byHour: number[] | null
  byMinute: number[] | null
  /** Week start, ISO weekday. */
  wkst: number
}

export const MAX_COUNT = 10_000
export const MAX_INTERVAL = 1000

const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU']
const FREQUENCIES: readonly string[] = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']
const SUPPORTED = ['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYMONTH', 'BYMONTHDAY', 'BYDAY', 'BYHOUR', 'BYMINUTE', 'WKST']
const UNSUPPORTED = ['BYSETPOS', 'BYWEEKNO', 'BYYEARDAY', 'BYSECOND']

function intList(name: string, value: string, min: number, max: number, issues: string[], allowNegative = false): number[] | null {
  const out: number[] = []
  for (const item of value.split(',')) {
    const n = /^[+-]?\d{1,4}$/.test(item) ? Number(item) : Number.NaN
    const ok = Number.isInteger(n) && Math.abs(n) >= min && Math.abs(n) <= max && (allowNegative || n >= 0) && !(allowNegative && n === 0)
    if (!ok) {
      const range = allowNegative ? `${min}..${max} or -${max}..-${min}` : `${min}..${max}`
      issues.push(`${name}: '${item}' must be an integer in ${range}`)
      return null
    }
    if (!out.includes(n)) out.push(n)
  }
  return out.sort((a, b) => a - b)
}

function positiveInt(name: string, value: string, max: number, issues: string[]): number | null {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > max) {
    issues.push(`${name}: '${value}' must be an integer in 1..${max}`)
    return null
  }
  return Number(value)
}

function parseUntil(value: string, issues: string[]): Until | null {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value)
  const bad = () => {
    issues.push(`UNTIL: '${value}' must be a date YYYYMMDD, a local date-time YYYYMMDDTHHMMSS or a UTC date-time YYYYMMDDTHHMMSSZ`)
    return null
  }
  if (m === null) return bad()
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number]
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return bad()
  // A bare date ends the recurrence with that whole local day.
  const wall = m[4] === undefined ? Date.UTC(year, month - 1, day, 23, 59, 59) : Date.UTC(year, month - 1, day, hour, minute, second)
  return m[7] === 'Z' ? { kind: 'instant', at: wall } : { kind: 'local', wall }
}

function parseByDay(value: string, issues: string[]): WeekdayNum[] | null {
  const out: WeekdayNum[] = []
  for (const item of value.split(',')) {
    const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(item)
    const n = m?.[1] === undefined ? 0 : Number(m[1])
    if (m === null || (m[1] !== undefined && (n === 0 || Math.abs(n) > 53))) {
      issues.push(`BYDAY: '${item}' must be a weekday MO..SU, optionally with an ordinal 1..53 or -53..-1 (e.g. 1MO, -1FR)`)
      return null
    }
    out.push({ weekday: WEEKDAYS.indexOf(m[2]!) + 1, n })
  }
  return out
}

/** Parses an RRULE (optionally prefixed `RRULE:`); returns the rule or the list of problems. */
export function parseRRule(expression: string): RRule | string[] {
  const issues: string[] = []
  const text = expression.trim().replace(/^RRULE:/i, '')
  if (/DTSTART/i.test(text) || /[\r\n]/.test(text)) return ['only the RRULE value belongs here; DTSTART is given as startsAt']
  const parts = new Map<string, string>()
  for (const part of text.split(';')) {
    const eq = part.indexOf('=')
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toUpperCase()
    const value = eq < 0 ? '' : part.slice(eq + 1).trim().toUpperCase()
    if (UNSUPPORTED.includes(name)) issues.push(`${name} is not supported (supported parts: ${SUPPORTED.join(', ')})`)
    else if (!SUPPORTED.includes(name)) issues.push(`unknown RRULE part '${name}' (supported parts: ${SUPPORTED.join(', ')})`)
    else if (parts.has(name)) issues.push(`${name} is given twice`)
    else if (value === '') issues.push(`${name} has no value`)
    else parts.set(name, value)
  }
  const freqText = parts.get('FREQ')
  if (freqText === undefined) issues.push('FREQ is required (DAILY, WEEKLY, MONTHLY or YEARLY)')
  else if (!FREQUENCIES.includes(freqText)) {
    const sub = ['SECONDLY', 'MINUTELY', 'HOURLY'].includes(freqText)
    issues.push(sub ? `FREQ=${freqText} is not supported (use FREQ=DAILY with BYHOUR/BYMINUTE, or a cron expression)` : `FREQ: '${freqText}' must be DAILY, WEEKLY, MONTHLY or YEARLY`)
  }
  const get = <T>(name: string, f: (v: string) => T | null): T | null => {
    const v = parts.get(name)
    return v === undefined ? null : f(v)
  }
  const interval = get('INTERVAL', (v) => positiveInt('INTERVAL', v, MAX_INTERVAL, issues)) ?? 1
  const count = get('COUNT', (v) => positiveInt('COUNT', v, MAX_COUNT, issues))
  const until = get('UNTIL', (v) => parseUntil(v, issues))
  const byMonth = get('BYMONTH', (v) => intList('BYMONTH', v, 1, 12, issues))
  const byMonthDay = get('BYMONTHDAY', (v) => intList('BYMONTHDAY', v, 1, 31, issues, true))
  const byDay = get('BYDAY', (v) => parseByDay(v, issues))
  const byHour = get('BYHOUR', (v) => intList('BYHOUR', v, 0, 23, issues))
  const byMinute = get('BYMINUTE', (v) => intList('BYMINUTE', v, 0, 59, issues))
  const wkstText = parts.get('WKST')
  if (wkstText !== undefined && !WEEKDAYS.includes(wkstText)) issues.push(`WKST: '${wkstText}' must be a weekday MO..SU`)
  if (parts.has('COUNT') && parts.has('UNTIL')) issues.push('COUNT and UNTIL must not both be given (RFC 5545)')
  const freq = freqText as Frequency
  if (byDay?.some((d) => d.n !== 0) && (freq === 'DAILY' || freq === 'WEEKLY')) {
    issues.push(`BYDAY: ordinals (e.g. 1MO) are only allowed with FREQ=MONTHLY or YEARLY, not ${freq}`)
  }
  if (byDay?.some((d) => Math.abs(d.n) > 5) && (freq === 'MONTHLY' || (freq === 'YEARLY' && byMonth !== null))) {
    issues.push('BYDAY: an ordinal within a month must be 1..5 or -5..-1')
  }
  if (byMonthDay !== null && freq === 'WEEKLY') issues.push('BYMONTHDAY is not allowed with FREQ=WEEKLY (RFC 5545)')
  if (issues.length > 0) return issues
  return {
    freq,
    interval,
    count,
    until,
    byMonth,
    byMonthDay,
    byDay,
    byHour,
    byMinute,
    wkst: wkstText === undefined ? 1 : WEEKDAYS.indexOf(wkstText) + 1,
  }
}

/** Day numbers of BYMONTHDAY values in the month starting at day `first` with `dim` days. */
const resolveMonthDays = (byMonthDay: number[], first: number, dim: number) =>
  byMonthDay.map((n) => (n > 0 ? n : dim + n + 1)).filter((d) => d >= 1 && d <= dim).map((d) => first + d - 1)

/** BYDAY match of a day, with ordinals counted within [lo, hi] (a month or a year). */
function byDayMatches(byDay: WeekdayNum[], day: number, lo: number, hi: number): boolean {
  const wd = isoWeekday(day)
  return byDay.some(
    (d) => d.weekday === wd && (d.n === 0 || (d.n > 0 ? Math.floor((day - lo) / 7) + 1 === d.n : Math.floor((hi - day) / 7) + 1 === -d.n)),
  )
}

const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i)

/** Rule plus DTSTART, precomputed for expansion. */
interface Anchor {
  rule: RRule
  day: number
  month: number
  dayOfMonth: number
  times: number[]
}

/** The candidate days of one month (MONTHLY, or YEARLY with BYMONTH). */
function daysOfMonth(a: Anchor, year: number, month: number): number[] {
  const { byMonthDay, byDay } = a.rule
  const first = daysFromCivil(year, month, 1)
  const dim = daysInMonth(year, month)
  const last = first + dim - 1
  if (byMonthDay !== null) return resolveMonthDays(byMonthDay, first, dim).filter((d) => byDay === null || byDayMatches(byDay, d, first, last))
  if (byDay !== null) return range(first, last).filter((d) => byDayMatches(byDay, d, first, last))
  return a.dayOfMonth <= dim ? [first + a.dayOfMonth - 1] : []
}

function daysOfYear(a: Anchor, year: number): number[] {
  const { byMonth, byMonthDay, byDay } = a.rule
  if (byMonth !== null) return byMonth.flatMap((m) => daysOfMonth(a, year, m))
  const first = daysFromCivil(year, 1, 1)
  const last = first + (isLeapYear(year) ? 365 : 364)
  if (byMonthDay !== null) {
    return range(1, 12)
      .flatMap((m) => resolveMonthDays(byMonthDay, daysFromCivil(year, m, 1), daysInMonth(year, m)))
      .filter((d) => byDay === null || byDayMatches(byDay, d, first, last))
  }
  if (byDay !== null) return range(first, last).filter((d) => byDayMatches(byDay, d, first, last))
  return a.dayOfMonth <= daysInMonth(year, a.month) ? [daysFromCivil(year, a.month, a.dayOfMonth)] : []
}

/** Limits that apply to DAILY and WEEKLY candidates (they only filter, never expand). */
function passesLimits(rule: RRule, day: number): boolean {
  const c = civilFromDays(day)
  if (rule.byMonth !== null && !rule.byMonth.includes(c.month)) return false
  if (rule.byMonthDay !== null && !resolveMonthDays(rule.byMonthDay, day - c.day + 1, daysInMonth(c.year, c.month)).includes(day)) return false
  return rule.byDay === null || rule.byDay.some((d) => d.weekday === isoWeekday(day))
}

const weekStart = (day: number, wkst: number) => day - ((isoWeekday(day) - wkst + 7) % 7)
const monthIndex = (day: number) => {
  const c = civilFromDays(day)
  return c.year * 12 + c.month - 1
}

/**
 * Walls (ascending) of the rule's occurrences at or after DTSTART, beginning with the period
 * (day, week, month or year) that contains `fromWall` — earlier periods are jumped over, not
 * enumerated — and stopping after `limitWall`. COUNT and UNTIL are applied by the caller, on instants.
 */
export function* rruleWalls(rule: RRule, startWall: number, fromWall: number, limitWall: number): Generator<number> {
  const day0 = Math.floor(startWall / DAY_MS)
  const c0 = civilFromDays(day0)
  const msOfDay = startWall - day0 * DAY_MS
  const second = msOfDay % MINUTE_MS
  const hours = rule.byHour ?? [Math.floor(msOfDay / 3_600_000)]
  const minutes = rule.byMinute ?? [Math.floor(msOfDay / MINUTE_MS) % 60]
  const times = hours.flatMap((h) => minutes.map((m) => h * 3_600_000 + m * MINUTE_MS + second))
  const a: Anchor = { rule, day: day0, month: c0.month, dayOfMonth: c0.day, times }
  const fromDay = Math.floor(Math.max(fromWall, startWall) / DAY_MS)
  const limitDay = Math.floor(limitWall / DAY_MS)
  const { interval: n } = rule
  // Each frequency: the index of the first period to expand, and (start day, candidate days) of period k.
  let k: number
  let period: (k: number) => [number, number[]]
  switch (rule.freq) {
    case 'DAILY':
      k = Math.floor((fromDay - day0) / n)
      period = (k) => {
        const d = day0 + k * n
        return [d, passesLimits(rule, d) ? [d] : []]
      }
      break
    case 'WEEKLY': {
      const base = weekStart(day0, rule.wkst)
      const weekdays = rule.byDay?.map((d) => d.weekday) ?? [isoWeekday(day0)]
      k = Math.floor((weekStart(fromDay, rule.wkst) - base) / (7 * n))
      period = (k) => {
        const ws = base + 7 * k * n
        return [ws, range(ws, ws + 6).filter((d) => weekdays.includes(isoWeekday(d)) && passesLimits(rule, d))]
      }
      break
    }
    case 'MONTHLY': {
      const base = monthIndex(day0)
      k = Math.floor((monthIndex(fromDay) - base) / n)
      period = (k) => {
        const mi = base + k * n
        const year = Math.floor(mi / 12)
        const month = (mi % 12) + 1
        const days = rule.byMonth === null || rule.byMonth.includes(month) ? daysOfMonth(a, year, month) : []
        return [daysFromCivil(year, month, 1), days]
      }
      break
    }
    case 'YEARLY':
      k = Math.floor((civilFromDays(fromDay).year - c0.year) / n)
      period = (k) => {
        const year = c0.year + k * n
        return [daysFromCivil(year, 1, 1), daysOfYear(a, year)]
      }
      break
  }
  for (k = Math.max(0, k); ; k++) {
    const [start, days] = period(k)
    if (start > limitDay) return
    for (const d of [...new Set(days)].sort((x, y) => x - y)) {
      for (const t of a.times) {
        const wall = d * DAY_MS + t
        if (wall > limitWall) return
        if (wall >= startWall) yield wall
      }
    }
  }
}
