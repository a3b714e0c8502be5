/**
 * Compiled business calendar: the fast core used by SLA clocks and after-hours pricing. Pure, no I/O.
 *
 * Conventions
 * - Instants are epoch milliseconds (UTC). Inputs may be `number` or `Date`; outputs are always
 *   epoch-ms `number`s. Supported instants: years 1900..2300.
 * - Durations are integer SECONDS (`businessSecondsBetween` truncates a sub-second remainder).
 * - Business intervals are half-open: start inclusive, end exclusive.
 * - Local wall-clock boundaries are turned into instants with {@link wallToInstant}: a boundary in a
 *   spring-forward gap becomes the transition instant, a repeated one (fall-back) its first
 *   occurrence. So an interval keeps its real length on DST nights (02:00–04:00 on New York's
 *   spring-forward night is 1 real hour; 01:00–03:00 on its fall-back night is 3), and a 24x7
 *   calendar counts real elapsed seconds. Nothing uses the server's local time zone.
 * - A day's effective intervals: the override for that date if any (wins over holidays), else none
 *   on a dated/recurring holiday, else the weekly intervals of its ISO weekday.
 *
 * Design
 * The local timeline is cut into chunks of 64 local days, built lazily and cached on the compiled
 * calendar. A chunk holds its working intervals as absolute UTC ms (sorted, touching intervals of a
 * day merged) plus a prefix sum of business ms. A query is a binary search inside one chunk; long
 * durations skip whole chunks by their totals, so cost grows with the weeks spanned (1/64 days),
 * never with minutes. Intl is only called while building a chunk (~2 calls per day).
 */
import { civilFromDays, DAY_MS, daysFromCivil, isoWeekday, MINUTE_MS, parseHhMm, parseYmd } from './civil.ts'
import type { BusinessCalendarSpec, Instant, SplitKind, SplitPart, ValidationIssue } from './types.ts'
import { validateCalendarSpec } from './validate.ts'
import { offsetAt, wallToInstant, zoneFormatter } from './zone.ts'

const CHUNK_DAYS = 64
/** Searches for business time give up after this many days without any (a fully closed calendar). */
const MAX_SEARCH_DAYS = 50 * 366
export const MIN_INSTANT = Date.UTC(1900, 0, 1)
export const MAX_INSTANT = Date.UTC(2300, 0, 1)

const KIND_AFTER_HOURS = 0
const KIND_WEEKEND = 1
const KIND_HOLIDAY = 2
const KIND_NAMES: readonly SplitKind[] = ['after-hours', 'weekend', 'holiday']

/** Thrown by {@link compileCalendar} for an invalid spec; `issues` is what `validateCalendarSpec` returned. */
export class InvalidCalendarError extends Error {
  readonly issues: ValidationIssue[]
  constructor(issues: ValidationIssue[]) {
    super(`invalid business calendar: ${issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; ')}`)
    this.name = 'InvalidCalendarError'
    this.issues = issues
  }
}

/** Minutes since local midnight: [start, end), end up to 1440. Flattened pairs. */
type MinuteIntervals = readonly number[]

interface Chunk {
  readonly index: number
  readonly firstDay: number
  /** interval i is [starts[i], ends[i]) in epoch ms */
  readonly starts: Float64Array
  readonly ends: Float64Array
  /** cum[i] = business ms of intervals 0..i-1; length n+1 */
  readonly cum: Float64Array
  readonly total: number
  /** intervals of local day firstDay+d are dayFirst[d] .. dayFirst[d+1]-1 */
  readonly dayFirst: Int32Array
  /** kind of the non-business time of each day */
  readonly dayKind: Uint8Array
  readonly workingDays: number
  /** lazily computed instants of local midnight (NaN = not yet); length CHUNK_DAYS+1 */
  dayStarts: Float64Array | null
}

function toMs(t: Instant): number {
  const ms = typeof t === 'number' ? t : t.getTime()
  if (!(ms >= MIN_INSTANT && ms <= MAX_INSTANT)) {
    throw new RangeError(`instant out of the supported range (years 1900..2300): ${String(ms)}`)
  }
  return ms
}

function checkSeconds(seconds: number): void {
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new RangeError(`duration must be a non-negative integer number of seconds: ${String(seconds)}`)
  }
}

/** First index i with arr[i] > x (arr sorted ascending); arr.length when none. */
function upperBound(arr: Float64Array, x: number): number {
  let lo = 0
  let hi = arr.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((arr[mid] as number) > x) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** First index j in [lo, hi) with arr[j] >= x. */
function lowerBound(arr: Float64Array, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((arr[mid] as number) >= x) hi = mid
    else lo = mid + 1
  }
  return lo
}

function toMinuteIntervals(list: ReadonlyArray<{ start: string; end: string }>): number[] {
  const pairs: Array<[number, number]> = list.map((iv) => [parseHhMm(iv.start, false) ?? 0, parseHhMm(iv.end, true) ?? 0])
  pairs.sort((a, b) => a[0] - b[0])
  const out: number[] = []
  for (const [s, e] of pairs) {
    const n = out.length
    if (n > 0 && s <= (out[n - 1] as number)) out[n - 1] = Math.max(out[n - 1] as number, e)
    else out.push(s, e)
  }
  return out
}

/**
 * A compiled, immutable business calendar. Compile once with {@link compileCalendar} and reuse:
 * per-day working intervals are cached inside (memory grows with the span of dates queried,
 * about 3 KB per 64 days).
 */
export class BusinessCalendar {
  readonly timeZone: string
  /** A deep copy of the spec this calendar was compiled from. */
  readonly spec: BusinessCalendarSpec
  private readonly fmt: Intl.DateTimeFormat
  private readonly weekly: MinuteIntervals[]
  private readonly holidayDays: Set<number>
  private readonly recurring: Set<number>
  private readonly overrides: Map<number, MinuteIntervals>
  private readonly chunks = new Map<number, Chunk>()
  // results of seek(), kept in fields so the hot path allocates nothing
  private seekChunk!: Chunk
  private seekIndex = 0

  constructor(spec: BusinessCalendarSpec) {
    const issues = validateCalendarSpec(spec)
    if (issues.length > 0) throw new InvalidCalendarError(issues)
    this.spec = JSON.parse(JSON.stringify(spec)) as BusinessCalendarSpec
    this.timeZone = spec.timeZone
    this.fmt = zoneFormatter(spec.timeZone)
    this.weekly = []
    for (let d = 0; d <= 7; d++) this.weekly.push(toMinuteIntervals(spec.weekly.filter((w) => w.day === d)))
    this.holidayDays = new Set()
    for (const h of spec.holidays ?? []) {
      const c = parseYmd(h.date)
      if (c !== null) this.holidayDays.add(daysFromCivil(c.year, c.month, c.day))
    }
    this.recurring = new Set((spec.recurringHolidays ?? []).map((h) => h.month * 32 + h.day))
    this.overrides = new Map()
    for (const o of spec.overrides ?? []) {
      const c = parseYmd(o.date)
      if (c !== null) this.overrides.set(daysFromCivil(c.year, c.month, c.day), toMinuteIntervals(o.intervals))
    }
  }

  // ---------------------------------------------------------------- chunk cache

  private chunk(index: number): Chunk {
    let c = this.chunks.get(index)
    if (c === undefined) {
      c = this.buildChunk(index)
      this.chunks.set(index, c)
    }
    return c
  }

  private buildChunk(index: number): Chunk {
    const firstDay = index * CHUNK_DAYS
    const starts: number[] = []
    const ends: number[] = []
    const dayFirst = new Int32Array(CHUNK_DAYS + 1)
    const dayKind = new Uint8Array(CHUNK_DAYS)
    let workingDays = 0
    for (let d = 0; d < CHUNK_DAYS; d++) {
      const day = firstDay + d
      dayFirst[d] = starts.length
      let minutes: MinuteIntervals
      const override = this.overrides.get(day)
      if (override !== undefined) {
        minutes = override
        dayKind[d] = override.length > 0 ? KIND_AFTER_HOURS : KIND_HOLIDAY
      } else {
        const civil = civilFromDays(day)
        if (this.holidayDays.has(day) || this.recurring.has(civil.month * 32 + civil.day)) {
          minutes = []
          dayKind[d] = KIND_HOLIDAY
        } else {
          minutes = this.weekly[isoWeekday(day)] ?? []
          dayKind[d] = minutes.length > 0 ? KIND_AFTER_HOURS : KIND_WEEKEND
        }
      }
      if (minutes.length === 0) continue
      const midnight = day * DAY_MS
      // Fast path: one offset for the whole day when it is the same a day before and a day after.
      const before = offsetAt(this.fmt, midnight - DAY_MS)
      const constant = before === offsetAt(this.fmt, midnight + 2 * DAY_MS)
      const first = starts.length
      for (let k = 0; k < minutes.length; k += 2) {
        const ws = midnight + (minutes[k] as number) * MINUTE_MS
        const we = midnight + (minutes[k + 1] as number) * MINUTE_MS
        const s = constant ? ws - before : wallToInstant(this.fmt, ws)
        const e = constant ? we - before : wallToInstant(this.fmt, we)
        if (e <= s) continue // fully inside a DST gap
        const n = starts.length
        if (n > first && s <= (ends[n - 1] as number)) ends[n - 1] = Math.max(ends[n - 1] as number, e)
        else {
          starts.push(s)
          ends.push(e)
        }
      }
      if (starts.length > first) workingDays++
    }
    dayFirst[CHUNK_DAYS] = starts.length
    const n = starts.length
    const cum = new Float64Array(n + 1)
    for (let i = 0; i < n; i++) cum[i + 1] = (cum[i] as number) + (ends[i] as number) - (starts[i] as number)
    return {
      index,
      firstDay,
      starts: Float64Array.from(starts),
      ends: Float64Array.from(ends),
      cum,
      total: cum[n] as number,
      dayFirst,
      dayKind,
      workingDays,
      dayStarts: null,
    }
  }

  private chunkOfDay(day: number): Chunk {
    return this.chunk(Math.floor(day / CHUNK_DAYS))
  }

  /** Instant of local midnight starting local day `day` (cached). */
  private dayStart(day: number): number {
    const c = this.chunkOfDay(day)
    if (c.dayStarts === null) c.dayStarts = new Float64Array(CHUNK_DAYS + 1).fill(Number.NaN)
    const d = day - c.firstDay
    let v = c.dayStarts[d] as number
    if (Number.isNaN(v)) {
      v = wallToInstant(this.fmt, day * DAY_MS)
      c.dayStarts[d] = v
    }
    return v
  }

  /** Local day number containing instant t (days since 1970-01-01 in the calendar's zone). */
  private localDayOf(t: number): number {
    let day = Math.floor(t / DAY_MS) - 2
    while (this.dayStart(day + 1) <= t) day++
    return day
  }

  /** Finds the first working interval whose end is after t; sets seekChunk/seekIndex. */
  private seek(t: number): void {
    const startDay = Math.floor(t / DAY_MS) - 1
    let c = this.chunk(Math.floor(startDay / CHUNK_DAYS))
    let i = upperBound(c.ends, t)
    while (i === c.ends.length) {
      c = this.nextChunk(c, startDay)
      i = upperBound(c.ends, t)
    }
    this.seekChunk = c
    this.seekIndex = i
  }

  /** The chunk after `c`; `sinceDay` is where the search for business time started (loop guard). */
  private nextChunk(c: Chunk, sinceDay: number): Chunk {
    if (c.firstDay + CHUNK_DAYS - sinceDay > MAX_SEARCH_DAYS) {
      throw new RangeError('no business time found within 50 years (calendar effectively closed)')
    }
    if ((c.firstDay + CHUNK_DAYS) * DAY_MS > MAX_INSTANT) {
      throw new RangeError('result beyond the supported range (year 2300)')
    }
    return this.chunk(c.index + 1)
  }

  // ---------------------------------------------------------------- queries

  /** True when `instant` is inside a working interval (start inclusive, end exclusive). */
  isBusinessTime(instant: Instant): boolean {
    const t = toMs(instant)
    this.seek(t)
    return (this.seekChunk.starts[this.seekIndex] as number) <= t
  }

  /** `instant` itself when inside business time, else the start of the next working interval. */
  nextBusinessStart(instant: Instant): number {
    const t = toMs(instant)
    this.seek(t)
    return Math.max(t, this.seekChunk.starts[this.seekIndex] as number)
  }

  /**
   * Due instant: `from` plus `seconds` of business time.
   * - If `from` is outside business time, counting starts at the next business start.
   * - `seconds === 0` returns `nextBusinessStart(from)` (`from` itself when inside business time), so the
   *   result of this function is always inside business time or exactly at an interval end.
   * - A result landing exactly at an interval end stays there (Fri 09:00 + 9h = Fri 18:00, not Mon 09:00).
   */
  addBusinessSeconds(from: Instant, seconds: number): number {
    const t = toMs(from)
    checkSeconds(seconds)
    this.seek(t)
    let c = this.seekChunk
    const i = this.seekIndex
    const s = c.starts[i] as number
    if (seconds === 0) return Math.max(t, s)
    let target = (c.cum[i] as number) + (t > s ? t - s : 0) + seconds * 1000
    // The first chunk has business time (seek found an interval in it); skip whole chunks by their totals.
    let lo = i + 1
    let lastBusinessDay = c.firstDay
    while (target > c.total) {
      target -= c.total
      c = this.nextChunk(c, lastBusinessDay)
      if (c.total > 0) lastBusinessDay = c.firstDay
      lo = 1
    }
    const cum = c.cum
    // first interval j whose cumulative end cum[j+1] reaches the target (so an exact end stays an end)
    const j = lowerBound(cum, target, lo, cum.length) - 1
    return (c.starts[j] as number) + (target - (cum[j] as number))
  }

  /** Business seconds in [a, b) (0 when b <= a); a sub-second remainder is truncated. */
  businessSecondsBetween(a: Instant, b: Instant): number {
    const ta = toMs(a)
    const tb = toMs(b)
    if (tb <= ta) return 0
    this.seek(ta)
    const ca = this.seekChunk
    const ia = this.seekIndex
    const sa = ca.starts[ia] as number
    const posA = (ca.cum[ia] as number) + (ta > sa ? ta - sa : 0)
    this.seek(tb)
    const cb = this.seekChunk
    const ib = this.seekIndex
    const sb = cb.starts[ib] as number
    let ms = (cb.cum[ib] as number) + (tb > sb ? tb - sb : 0) - posA
    for (let k = ca.index; k < cb.index; k++) ms += this.chunk(k).total
    return Math.floor(ms / 1000)
  }

  /**
   * Cuts [a, b) into contiguous parts (adjacent parts of the same kind merged) whose lengths sum to
   * b - a; the `inHours` parts sum to the business time of [a, b). Empty when b <= a.
   * Non-business kinds follow the local day the time belongs to: `holiday` (dated/recurring holiday,
   * or a day closed by an override with no intervals), `weekend` (no weekly intervals on that weekday),
   * `after-hours` (a working day outside its intervals).
   */
  splitInterval(a: Instant, b: Instant): SplitPart[] {
    const ta = toMs(a)
    const tb = toMs(b)
    const parts: SplitPart[] = []
    if (tb <= ta) return parts
    const push = (start: number, end: number, kind: SplitKind): void => {
      const last = parts[parts.length - 1]
      if (last !== undefined && last.kind === kind && last.end === start) last.end = end
      else parts.push({ start, end, inHours: kind === 'business', kind })
    }
    let day = this.localDayOf(ta)
    let cur = ta
    while (cur < tb) {
      const c = this.chunkOfDay(day)
      const d = day - c.firstDay
      const kind = KIND_NAMES[c.dayKind[d] as number] as SplitKind
      const last = c.dayFirst[d + 1] as number
      for (let i = c.dayFirst[d] as number; i < last && cur < tb; i++) {
        const s = c.starts[i] as number
        const e = c.ends[i] as number
        if (e <= cur) continue
        if (s > cur) {
          const gapEnd = Math.min(s, tb)
          push(cur, gapEnd, kind)
          cur = gapEnd
        }
        if (cur < tb) {
          const end = Math.min(e, tb)
          push(cur, end, 'business')
          cur = end
        }
      }
      const segEnd = Math.min(this.dayStart(day + 1), tb)
      if (cur < segEnd) {
        push(cur, segEnd, kind)
        cur = segEnd
      }
      day++
    }
    return parts
  }

  /**
   * "Within N business days": due at the END of the Nth working day after the local day of `from`.
   * - A working day is a local date with at least one working interval (after holidays/overrides).
   * - The request day itself never counts, whether or not `from` is inside business hours, and
   *   whether or not it is a working day. The result is that day's LAST interval end.
   *   E.g. Mon 10:00 + 2 → Wed 18:00; Sat + 2 → Tue 18:00; Fri 20:00 + 1 → Mon 18:00.
   * - n = 0 means "same business day": the end of the request day's last interval when the request
   *   day is a working day and `from` is before that end; otherwise the end of the next working day.
   * `n` must be a non-negative integer.
   */
  addBusinessDays(from: Instant, n: number): number {
    const t = toMs(from)
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer: ${String(n)}`)
    const day0 = this.localDayOf(t)
    let remaining = n
    if (n === 0) {
      const c = this.chunkOfDay(day0)
      const d = day0 - c.firstDay
      const lastIdx = (c.dayFirst[d + 1] as number) - 1
      if (lastIdx >= (c.dayFirst[d] as number) && t < (c.ends[lastIdx] as number)) return c.ends[lastIdx] as number
      remaining = 1
    }
    let day = day0 + 1
    for (;;) {
      if (day - day0 > MAX_SEARCH_DAYS) throw new RangeError('no working day found within 50 years')
      // Same bound as addBusinessSeconds: never answer an instant outside the supported range.
      if (day * DAY_MS > MAX_INSTANT) throw new RangeError('result beyond the supported range (year 2300)')
      const c = this.chunkOfDay(day)
      const d = day - c.firstDay
      if (d === 0 && c.workingDays < remaining) {
        remaining -= c.workingDays
        day += CHUNK_DAYS
        continue
      }
      const firstIdx = c.dayFirst[d] as number
      const nextIdx = c.dayFirst[d + 1] as number
      if (nextIdx > firstIdx) {
        remaining--
        if (remaining === 0) return c.ends[nextIdx - 1] as number
      }
      day++
    }
  }
}

/** Validates and compiles a spec (throws {@link InvalidCalendarError} when invalid). */
export function compileCalendar(spec: BusinessCalendarSpec): BusinessCalendar {
  return new BusinessCalendar(spec)
}

/** See {@link BusinessCalendar.addBusinessSeconds}. */
export function addBusinessSeconds(cal: BusinessCalendar, from: Instant, seconds: number): number {
  return cal.addBusinessSeconds(from, seconds)
}

/** See {@link BusinessCalendar.businessSecondsBetween}. */
export function businessSecondsBetween(cal: BusinessCalendar, a: Instant, b: Instant): number {
  return cal.businessSecondsBetween(a, b)
}

/** See {@link BusinessCalendar.isBusinessTime}. */
export function isBusinessTime(cal: BusinessCalendar, instant: Instant): boolean {
  return cal.isBusinessTime(instant)
}

/** See {@link BusinessCalendar.nextBusinessStart}. */
export function nextBusinessStart(cal: BusinessCalendar, instant: Instant): number {
  return cal.nextBusinessStart(instant)
}

/** See {@link BusinessCalendar.splitInterval}. */
export function splitInterval(cal: BusinessCalendar, a: Instant, b: Instant): SplitPart[] {
  return cal.splitInterval(a, b)
}

/** See {@link BusinessCalendar.addBusinessDays}. */
export function addBusinessDays(cal: BusinessCalendar, from: Instant, n: number): number {
  return cal.addBusinessDays(from, n)
}
