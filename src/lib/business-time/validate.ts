/**
 * Structural and semantic validation of a {@link BusinessCalendarSpec} coming from the API / jsonb.
 */
import { daysInMonth, parseHhMm, parseYmd } from './civil.ts'
import type { ValidationIssue } from './types.ts'
import { isKnownTimeZone } from './zone.ts'

export const MIN_YEAR = 1970
export const MAX_YEAR = 2200

const WEEKDAY_NAMES = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

interface CheckedInterval {
  start: number
  end: number
  path: string
}

/** Validates start/end of one interval object; returns it when both are fine and end > start. */
function checkInterval(v: unknown, path: string, issues: ValidationIssue[]): CheckedInterval | null {
  if (!isRecord(v)) {
    issues.push({ path, message: 'must be an object with start and end' })
    return null
  }
  const start = parseHhMm(v['start'], false)
  const end = parseHhMm(v['end'], true)
  if (start === null) issues.push({ path: `${path}/start`, message: "must be a time 'HH:MM' between 00:00 and 23:59" })
  if (end === null) issues.push({ path: `${path}/end`, message: "must be a time 'HH:MM' between 00:01 and 24:00" })
  if (start === null || end === null) return null
  if (end <= start) {
    issues.push({ path: `${path}/end`, message: `must be after start (${String(v['start'])}); empty or inverted interval` })
    return null
  }
  return { start, end, path }
}

/** Reports overlapping intervals within one day (touching intervals, e.g. 09:00-12:00 + 12:00-18:00, are fine). */
function checkOverlaps(list: CheckedInterval[], where: string, issues: ValidationIssue[]): void {
  const sorted = [...list].sort((a, b) => a.start - b.start || a.end - b.end)
  let prev: CheckedInterval | undefined
  for (const cur of sorted) {
    if (prev !== undefined && cur.start < prev.end) {
      issues.push({ path: cur.path, message: `overlaps ${prev.path} on ${where}` })
    }
    if (prev === undefined || cur.end > prev.end) prev = cur
  }
}

function checkDate(v: unknown, path: string, issues: ValidationIssue[]): string | null {
  const d = parseYmd(v)
  if (d === null) {
    issues.push({ path, message: "must be a real calendar date 'YYYY-MM-DD'" })
    return null
  }
  if (d.year < MIN_YEAR || d.year > MAX_YEAR) {
    issues.push({ path, message: `year must be between ${MIN_YEAR} and ${MAX_YEAR}` })
    return null
  }
  return v as string
}

function checkName(v: Record<string, unknown>, path: string, issues: ValidationIssue[]): void {
  if (v['name'] !== undefined && typeof v['name'] !== 'string') {
    issues.push({ path: `${path}/name`, message: 'must be a string' })
  }
}

function optionalArray(spec: Record<string, unknown>, key: string, issues: ValidationIssue[]): unknown[] {
  const v = spec[key]
  if (v === undefined) return []
  if (!Array.isArray(v)) {
    issues.push({ path: `/${key}`, message: 'must be an array' })
    return []
  }
  return v
}

/**
 * Validates a calendar spec. Returns an empty array when valid, else one issue per problem with a
 * field path such as `/weekly/2/end` or `/overrides/0/intervals/1/start`.
 *
 * Checks: known time zone (via Intl), `'HH:MM'` times (`'24:00'` only as an end), end > start,
 * no overlapping intervals on the same weekday or override date, real dates (no 2026-02-30),
 * years 1970..2200, valid recurring month/day (Feb 29 allowed), no duplicate override dates,
 * and at least one weekly working interval.
 */
export function validateCalendarSpec(spec: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  if (!isRecord(spec)) return [{ path: '', message: 'calendar must be an object' }]

  const tz = spec['timeZone']
  if (typeof tz !== 'string' || tz.length === 0) {
    issues.push({ path: '/timeZone', message: 'must be an IANA time zone name' })
  } else if (!isKnownTimeZone(tz)) {
    issues.push({ path: '/timeZone', message: `unknown time zone '${tz}'` })
  }

  const weekly = spec['weekly']
  if (!Array.isArray(weekly)) {
    issues.push({ path: '/weekly', message: 'must be an array of { day, start, end }' })
  } else {
    const byDay = new Map<number, CheckedInterval[]>()
    weekly.forEach((w: unknown, i) => {
      const path = `/weekly/${i}`
      const checked = checkInterval(w, path, issues)
      if (!isRecord(w)) return
      const day = w['day']
      if (typeof day !== 'number' || !Number.isInteger(day) || day < 1 || day > 7) {
        issues.push({ path: `${path}/day`, message: 'must be an ISO weekday 1 (Mon) .. 7 (Sun)' })
        return
      }
      if (checked !== null) {
        const list = byDay.get(day) ?? []
        list.push(checked)
        byDay.set(day, list)
      }
    })
    for (const [day, list] of byDay) checkOverlaps(list, WEEKDAY_NAMES[day] ?? String(day), issues)
    if (weekly.length === 0) issues.push({ path: '/weekly', message: 'must contain at least one working interval' })
  }

  optionalArray(spec, 'holidays', issues).forEach((h: unknown, i) => {
    const path = `/holidays/${i}`
    if (!isRecord(h)) {
      issues.push({ path, message: 'must be an object with date' })
      return
    }
    checkDate(h['date'], `${path}/date`, issues)
    checkName(h, path, issues)
  })

  optionalArray(spec, 'recurringHolidays', issues).forEach((h: unknown, i) => {
    const path = `/recurringHolidays/${i}`
    if (!isRecord(h)) {
      issues.push({ path, message: 'must be an object with month and day' })
      return
    }
    const month = h['month']
    const day = h['day']
    const monthOk = typeof month === 'number' && Number.isInteger(month) && month >= 1 && month <= 12
    if (!monthOk) issues.push({ path: `${path}/month`, message: 'must be an integer 1..12' })
    const maxDay = monthOk ? daysInMonth(2000, month) : 31
    if (typeof day !== 'number' || !Number.isInteger(day) || day < 1 || day > maxDay) {
      issues.push({ path: `${path}/day`, message: `must be an integer 1..${maxDay}` })
    }
    checkName(h, path, issues)
  })

  const seen = new Map<string, number>()
  optionalArray(spec, 'overrides', issues).forEach((o: unknown, i) => {
    const path = `/overrides/${i}`
    if (!isRecord(o)) {
      issues.push({ path, message: 'must be an object with date and intervals' })
      return
    }
    const date = checkDate(o['date'], `${path}/date`, issues)
    if (date !== null) {
      const first = seen.get(date)
      if (first !== undefined) {
        issues.push({ path: `${path}/date`, message: `duplicate override date ${date} (also /overrides/${first})` })
      } else {
        seen.set(date, i)
      }
    }
    const intervals = o['intervals']
    if (!Array.isArray(intervals)) {
      issues.push({ path: `${path}/intervals`, message: 'must be an array ([] closes the day)' })
    } else {
      const list: CheckedInterval[] = []
      intervals.forEach((iv: unknown, j) => {
        const checked = checkInterval(iv, `${path}/intervals/${j}`, issues)
        if (checked !== null) list.push(checked)
      })
      checkOverlaps(list, typeof date === 'string' ? date : 'the override date', issues)
    }
    checkName(o, path, issues)
  })

  return issues
}
