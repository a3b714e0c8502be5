/**
 * Standard 5-field cron (minute hour day-of-month month day-of-week), evaluated on local wall-clock
 * time encoded as "wall ms" (see `business-time/zone.ts`). Mapping walls to instants, and so all DST
 * handling, is done by the caller (`recurrence.ts`).
 *
 * Syntax: lists `a,b`, ranges `a-b`, steps `*\/n`, `a-b/n` and `a/n` (= `a-<max>/n`), names JAN-DEC and
 * SUN-SAT (case-insensitive), day-of-week 0-7 with 0 and 7 both Sunday, and the macros @yearly,
 * @annually, @monthly, @weekly, @daily, @midnight, @hourly. Not supported: seconds or year fields,
 * wrap-around ranges (FRI-MON), Quartz extensions (`?`, `L`, `W`, `#`), @reboot.
 *
 * Day-of-month and day-of-week combine as in Vixie cron (and cronie): when either field starts with
 * `*` a day must match both; when both are restricted a day matches either (`0 9 1 * MON` = the 1st
 * of the month AND every Monday). `*\/2` starts with `*`, so it combines with AND, as in Vixie.
 */
import { civilFromDays, DAY_MS, daysFromCivil, MINUTE_MS } from '../business-time/civil.ts'

const HOUR_MS = 60 * MINUTE_MS

export interface CronIssue {
  message: string
}

interface FieldSpec {
  name: string
  min: number
  max: number
  names?: readonly string[]
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES },
]

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}

export interface CronRule {
  /** Sorted allowed values. */
  minutes: number[]
  hours: number[]
  /** Indexed by value: day-of-month 1..31, month 1..12, day-of-week 0..6 (Sunday 0). */
  daysOfMonth: boolean[]
  months: boolean[]
  daysOfWeek: boolean[]
  /** Vixie's DOM_STAR / DOW_STAR: the field's text starts with `*`. */
  domStar: boolean
  dowStar: boolean
}

function parseValue(text: string, spec: FieldSpec): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text)
    if (n < spec.min || n > spec.max) return `value ${text} is out of range ${spec.min}-${spec.max}`
    return n
  }
  const i = spec.names?.indexOf(text.toUpperCase() as never) ?? -1
  if (i >= 0) return spec.names === MONTH_NAMES ? i + 1 : i
  const names = spec.names ? ` or a name (${spec.names[0]}-${spec.names[spec.names.length - 1]})` : ''
  return `'${text}' is not a number${names}`
}

/** Parses one field into the set of its values, or a message naming the field and the culprit. */
function parseField(text: string, spec: FieldSpec): Set<number> | string {
  const values = new Set<number>()
  const fail = (why: string) => `${spec.name} field '${text}': ${why}`
  if (/[?#]|(^|,)L|\d[LW](,|$)/i.test(text)) {
    return fail("Quartz extensions ('?', 'L', 'W', '#') are not supported")
  }
  for (const item of text.split(',')) {
    const m = /^([^/-]+)(?:-([^/]+))?(?:\/(.*))?$/.exec(item)
    if (m === null) return fail(`'${item}' is not a value, range or step`)
    const [, first, second, stepText] = m as unknown as [string, string, string | undefined, string | undefined]
    let lo: number
    let hi: number
    if (first === '*') {
      if (second !== undefined) return fail(`'${item}' is not a value, range or step`)
      lo = spec.min
      hi = spec.max
    } else {
      const a = parseValue(first, spec)
      if (typeof a === 'string') return fail(a)
      lo = a
      hi = a
      if (second !== undefined) {
        const b = parseValue(second, spec)
        if (typeof b === 'string') return fail(b)
        if (b < a) return fail(`range ${item} is reversed (wrap-around ranges are not supported)`)
        hi = b
      } else if (stepText !== undefined) {
        hi = spec.max
      }
    }
    let step = 1
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) return fail(`step '${stepText}' must be a positive integer`)
      step = Number(stepText)
      if (step > spec.max - spec.min + 1) return fail(`step ${step} is larger than the field's range ${spec.min}-${spec.max}`)
    }
    for (let v = lo; v <= hi; v += step) values.add(v)
  }
  return values
}

const toMask = (values: Set<number>, size: number) => Array.from({ length: size }, (_, i) => values.has(i))
const sorted = (values: Set<number>) => [...values].sort((a, b) => a - b)

/** Parses a cron expression; on failure returns every problem found, one per field. */
export function parseCron(expression: string): CronRule | CronIssue[] {
  const trimmed = expression.trim()
  if (trimmed.startsWith('@')) {
    const expanded = MACROS[trimmed.toLowerCase()]
    if (expanded === undefined) return [{ message: `unknown macro '${trimmed}' (supported: ${Object.keys(MACROS).join(', ')})` }]
    return parseCron(expanded)
  }
  const parts = trimmed.split(/\s+/).filter((p) => p.length > 0)
  if (parts.length !== 5) {
    return [
      { message: `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}; seconds and year fields are not supported` },
    ]
  }
  const issues: CronIssue[] = []
  const sets = parts.map((p, i) => {
    const r = parseField(p, FIELDS[i]!)
    if (typeof r === 'string') issues.push({ message: r })
    return typeof r === 'string' ? new Set<number>() : r
  })
  if (issues.length > 0) return issues
  const [minutes, hours, dom, months, dow] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>]
  if (dow.delete(7)) dow.add(0)
  return {
    minutes: sorted(minutes),
    hours: sorted(hours),
    daysOfMonth: toMask(dom, 32),
    months: toMask(months, 13),
    daysOfWeek: toMask(dow, 7),
    domStar: parts[2]!.startsWith('*'),
    dowStar: parts[4]!.startsWith('*'),
  }
}

function dayMatches(rule: CronRule, dayNumber: number, dayOfMonth: number): boolean {
  const dom = rule.daysOfMonth[dayOfMonth] === true
  // 1970-01-01 was a Thursday (4 with Sunday = 0).
  const dow = rule.daysOfWeek[(((dayNumber + 4) % 7) + 7) % 7] === true
  return rule.domStar || rule.dowStar ? dom && dow : dom || dow
}

const firstAtLeast = (values: number[], v: number) => values.find((x) => x >= v)

/**
 * The first wall minute at or after `from` (wall ms) that the rule matches, or null when there is
 * none up to `limit`. Skips whole months, days and hours that cannot match, so a sparse rule costs
 * at most a few steps per candidate day.
 */
export function nextCronWall(rule: CronRule, from: number, limit: number): number | null {
  let w = Math.ceil(from / MINUTE_MS) * MINUTE_MS
  while (w <= limit) {
    const day = Math.floor(w / DAY_MS)
    const c = civilFromDays(day)
    if (!rule.months[c.month]) {
      w = daysFromCivil(c.month === 12 ? c.year + 1 : c.year, c.month === 12 ? 1 : c.month + 1, 1) * DAY_MS
      continue
    }
    if (!dayMatches(rule, day, c.day)) {
      w = (day + 1) * DAY_MS
      continue
    }
    const minuteOfDay = (w - day * DAY_MS) / MINUTE_MS
    const h = Math.floor(minuteOfDay / 60)
    const hour = firstAtLeast(rule.hours, h)
    if (hour === undefined) {
      w = (day + 1) * DAY_MS
      continue
    }
    if (hour > h) {
      w = day * DAY_MS + hour * HOUR_MS
      continue
    }
    const minute = firstAtLeast(rule.minutes, minuteOfDay % 60)
    if (minute === undefined) {
      w = day * DAY_MS + (h + 1) * HOUR_MS
      continue
    }
    return day * DAY_MS + h * HOUR_MS + minute * MINUTE_MS
  }
  return null
}
