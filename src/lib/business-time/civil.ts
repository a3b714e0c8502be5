/**
 * Proleptic Gregorian calendar arithmetic on "day numbers" (days since 1970-01-01),
 * hand-rolled so nothing depends on the server's local time zone.
 */

export const MINUTE_MS = 60_000
export const DAY_MS = 86_400_000

/** Day number (days since 1970-01-01) of a civil date. Month is 1..12. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const mp = month > 2 ? month - 3 : month + 9
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

export interface CivilDate {
  year: number
  month: number
  day: number
}

/** Civil date of a day number. */
export function civilFromDays(dayNumber: number): CivilDate {
  const z = dayNumber + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day }
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a day number; 1970-01-01 was a Thursday. */
export function isoWeekday(dayNumber: number): number {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/

/** Minutes since local midnight of `'HH:MM'` (`'24:00'` → 1440 when `allow24`), or `null` when malformed. */
export function parseHhMm(value: unknown, allow24: boolean): number | null {
  if (typeof value !== 'string') return null
  if (value === '24:00') return allow24 ? 1440 : null
  const m = HHMM.exec(value)
  if (!m) return null
  return Number(m[1]) * 60 + Number(m[2])
}

const YMD = /^(\d{4})-(\d{2})-(\d{2})$/

/** Parses a real `'YYYY-MM-DD'` date (rejects 2026-02-30), or `null`. */
export function parseYmd(value: unknown): CivilDate | null {
  if (typeof value !== 'string') return null
  const m = YMD.exec(value)
  if (!m) return null
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null
  return { year, month, day }
}
