/**
 * Time-zone offset computation with Intl only (never local-time Date methods), so results do not
 * depend on the server's TZ. These functions are used while building per-day caches, not per query.
 */
import { DAY_MS } from './civil.ts'

const formatters = new Map<string, Intl.DateTimeFormat>()

/** True when `Intl` knows the time zone (IANA names, `UTC`, `Etc/…`). */
export function isKnownTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0) return false
  try {
    Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions()
    return true
  } catch {
    return false
  }
}

/** One shared formatter per zone (creating formatters is expensive). */
export function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(timeZone, f)
  }
  return f
}

/**
 * Local wall-clock fields of an instant, encoded as if they were UTC ("wall ms"), whole seconds.
 * Supported years are 1900..2300 (checked by callers).
 */
export function wallMs(fmt: Intl.DateTimeFormat, t: number): number {
  let year = 0
  let month = 1
  let day = 1
  let hour = 0
  let minute = 0
  let second = 0
  for (const p of fmt.formatToParts(t)) {
    switch (p.type) {
      case 'year':
        year = Number(p.value)
        break
      case 'month':
        month = Number(p.value)
        break
      case 'day':
        day = Number(p.value)
        break
      case 'hour':
        hour = Number(p.value)
        break
      case 'minute':
        minute = Number(p.value)
        break
      case 'second':
        second = Number(p.value)
        break
      default:
        break
    }
  }
  return Date.UTC(year, month - 1, day, hour, minute, second)
}

/** UTC offset (ms, local minus UTC) in effect at instant `t`. */
export function offsetAt(fmt: Intl.DateTimeFormat, t: number): number {
  return wallMs(fmt, t) - Math.floor(t / 1000) * 1000
}

/**
 * The instant at which a local wall-clock time `wall` (wall ms, whole seconds) happens, defined as
 * the EARLIEST instant whose wall clock reads `wall` or later:
 * - an ordinary time maps to its unique instant;
 * - a repeated time (fall-back) maps to its first occurrence;
 * - a skipped time (spring-forward gap) maps to the transition instant (e.g. New York 02:30 on
 *   2026-03-08 → 03:00 EDT).
 * The mapping is monotonic, so intervals of consecutive days never overlap.
 * Like Temporal, it assumes at most one transition within ±1 day of `wall`.
 */
export function wallToInstant(fmt: Intl.DateTimeFormat, wall: number): number {
  const before = offsetAt(fmt, wall - DAY_MS)
  const after = offsetAt(fmt, wall + DAY_MS)
  if (before === after) return wall - before
  let best = Number.POSITIVE_INFINITY
  for (const o of [before, after]) {
    const t = wall - o
    if (offsetAt(fmt, t) === o && t < best) best = t
  }
  if (best !== Number.POSITIVE_INFINITY) return best
  // In a gap: the wall clock jumps over `wall` between `lo` and `hi`; find the first second at/after it.
  let lo = wall - Math.max(before, after)
  let hi = wall - Math.min(before, after)
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000
    if (mid + offsetAt(fmt, mid) >= wall) hi = mid
    else lo = mid
  }
  return hi
}
