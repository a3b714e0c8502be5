/**
 * Public types of the business-time core.
 *
 * Instants: every operation accepts an {@link Instant} (epoch milliseconds `number`
 * or a `Date`) and returns epoch milliseconds (`number`). Durations are integer SECONDS.
 */

/** Epoch milliseconds (UTC) or a Date. Results are always epoch milliseconds. */
export type Instant = number | Date

/** ISO weekday, 1 = Monday … 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7

/** A local wall-clock interval of one day, `'HH:MM'`; `end` may be `'24:00'`. Start inclusive, end exclusive. */
export interface TimeInterval {
  start: string
  end: string
}

export interface WeeklyInterval extends TimeInterval {
  day: IsoWeekday
}

/** A dated holiday, `date` is a local calendar date `'YYYY-MM-DD'` (year 1970..2200). */
export interface DatedHoliday {
  date: string
  name?: string
}

/** A holiday on the same month/day every year (Feb 29 only applies in leap years). */
export interface RecurringHoliday {
  month: number
  day: number
  name?: string
}

/**
 * Replaces the working intervals of one local date: a short day, or an extra working day.
 * `intervals: []` closes the day. An override wins over holidays and the weekly schedule.
 */
export interface DateOverride {
  date: string
  intervals: TimeInterval[]
  name?: string
}

/** The JSON-serialisable calendar definition (stored as jsonb, received from the API). */
export interface BusinessCalendarSpec {
  /** IANA time zone, e.g. `'Europe/Sofia'`. */
  timeZone: string
  weekly: WeeklyInterval[]
  holidays?: DatedHoliday[]
  recurringHolidays?: RecurringHoliday[]
  overrides?: DateOverride[]
}

/** One problem found by `validateCalendarSpec`; `path` is a JSON-pointer-like field path, e.g. `/weekly/2/end`. */
export interface ValidationIssue {
  path: string
  message: string
}

/**
 * Kind of a part of an interval:
 * - `business`: inside a working interval;
 * - `after-hours`: a working day (weekly intervals, or an override with intervals) outside its intervals;
 * - `weekend`: a day without weekly intervals that is neither a holiday nor an override day;
 * - `holiday`: a dated or recurring holiday (wins over weekend), or a day closed by an override with `intervals: []`.
 */
export type SplitKind = 'business' | 'after-hours' | 'weekend' | 'holiday'

export interface SplitPart {
  /** epoch ms, inclusive */
  start: number
  /** epoch ms, exclusive */
  end: number
  inHours: boolean
  kind: SplitKind
}
