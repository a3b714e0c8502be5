/**
 * Business-time core (pure, no I/O): SLA due times, business-time spans and after-hours splitting
 * over a JSON business calendar in any IANA zone. Instants are epoch milliseconds (`number`; `Date`
 * accepted as input), durations integer seconds. See `calendar.ts` for the semantics.
 */
export {
  addBusinessDays,
  addBusinessSeconds,
  BusinessCalendar,
  businessSecondsBetween,
  compileCalendar,
  InvalidCalendarError,
  isBusinessTime,
  MAX_INSTANT,
  MIN_INSTANT,
  nextBusinessStart,
  splitInterval,
} from './calendar.ts'
export { NaiveBusinessCalendar } from './naive.ts'
export type {
  BusinessCalendarSpec,
  DatedHoliday,
  DateOverride,
  Instant,
  IsoWeekday,
  RecurringHoliday,
  SplitKind,
  SplitPart,
  TimeInterval,
  ValidationIssue,
  WeeklyInterval,
} from './types.ts'
export { MAX_YEAR, MIN_YEAR, validateCalendarSpec } from './validate.ts'
