/**
 * A deliberately naive reference implementation (minute stepping, one Intl call per minute) used by
 * the property tests and the benchmark baseline. Independent of the fast core's caches: membership
 * is "the wall clock shows a time inside one of that local date's intervals".
 * Only valid for minute-aligned instants and whole-minute durations, and for calendars whose
 * interval boundaries are not inside a DST gap/overlap (true for the usual 00:00/09:00/18:00/24:00).
 */
import { parseHhMm } from './civil.ts'
import type { BusinessCalendarSpec, Instant } from './types.ts'
import { validateCalendarSpec } from './validate.ts'
import { zoneFormatter } from './zone.ts'

const MINUTE = 60_000

export class NaiveBusinessCalendar {
  private readonly fmt: Intl.DateTimeFormat
  /** ISO weekday → [start, end) minute pairs */
  private readonly weekly: Array<Array<[number, number]>>
  private readonly holidays: Set<string>
  private readonly recurring: Set<string>
  private readonly overrides: Map<string, Array<[number, number]>>

  constructor(spec: BusinessCalendarSpec) {
    if (validateCalendarSpec(spec).length > 0) throw new Error('invalid calendar')
    const minutes = (iv: { start: string; end: string }): [number, number] => [
      parseHhMm(iv.start, false) ?? 0,
      parseHhMm(iv.end, true) ?? 0,
    ]
    this.fmt = zoneFormatter(spec.timeZone)
    this.weekly = [0, 1, 2, 3, 4, 5, 6, 7].map((d) => spec.weekly.filter((w) => w.day === d).map(minutes))
    this.holidays = new Set((spec.holidays ?? []).map((h) => h.date))
    this.recurring = new Set((spec.recurringHolidays ?? []).map((h) => `${h.month}-${h.day}`))
    this.overrides = new Map((spec.overrides ?? []).map((o) => [o.date, o.intervals.map(minutes)]))
  }

  isBusinessTime(instant: Instant): boolean {
    const t = typeof instant === 'number' ? instant : instant.getTime()
    let y = 0
    let mo = 0
    let d = 0
    let minute = 0
    for (const p of this.fmt.formatToParts(t)) {
      if (p.type === 'year') y = Number(p.value)
      else if (p.type === 'month') mo = Number(p.value)
      else if (p.type === 'day') d = Number(p.value)
      else if (p.type === 'hour') minute += Number(p.value) * 60
      else if (p.type === 'minute') minute += Number(p.value)
    }
    const date = `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`
    let intervals = this.overrides.get(date)
    if (intervals === undefined) {
      if (this.holidays.has(date) || this.recurring.has(`${mo}-${d}`)) return false
      const dow = new Date(Date.UTC(y, mo - 1, d)).getUTCDay()
      intervals = this.weekly[dow === 0 ? 7 : dow] ?? []
    }
    return intervals.some(([s, e]) => s <= minute && minute < e)
  }

  /** Same contract as the fast `addBusinessSeconds`, by stepping minute by minute. */
  addBusinessSeconds(from: Instant, seconds: number): number {
    let t = typeof from === 'number' ? from : from.getTime()
    if (t % MINUTE !== 0 || seconds % 60 !== 0) throw new RangeError('naive: minute-aligned inputs only')
    if (seconds === 0) {
      while (!this.isBusinessTime(t)) t += MINUTE
      return t
    }
    let remaining = seconds / 60
    while (remaining > 0) {
      if (this.isBusinessTime(t)) remaining--
      t += MINUTE
    }
    return t
  }

  businessSecondsBetween(a: Instant, b: Instant): number {
    const ta = typeof a === 'number' ? a : a.getTime()
    const tb = typeof b === 'number' ? b : b.getTime()
    if (ta % MINUTE !== 0 || tb % MINUTE !== 0) throw new RangeError('naive: minute-aligned inputs only')
    let n = 0
    for (let t = ta; t < tb; t += MINUTE) if (this.isBusinessTime(t)) n++
    return n * 60
  }
}
