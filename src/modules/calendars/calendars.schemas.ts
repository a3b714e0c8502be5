import { type Static, Type } from 'typebox'
import type { IsoWeekday } from '../../lib/business-time/index.ts'
import { Body, DateTime, ListOf, Name, PageQuery, PatchBody, ShortText, TimeZone, Uuid } from '../../lib/schemas.ts'

/**
 * The shapes of a business-calendar spec. Types and unknown fields are checked here; the rules
 * (real dates, end after start, no overlaps, year range) are `validateCalendarSpec`'s, in the service,
 * so they are stated once.
 */
const HhMm = Type.String({ pattern: '^\\d\\d:\\d\\d$', description: "local time 'HH:MM'; '24:00' only as an end" })
const Ymd = (o: object = {}) => Type.String({ pattern: '^\\d{4}-\\d\\d-\\d\\d$', description: "local date 'YYYY-MM-DD'", ...o })
const Label = Type.Optional(ShortText())

export const TimeInterval = Type.Object({ start: HhMm, end: HhMm }, { additionalProperties: false })
export const WeeklyInterval = Type.Object(
  { day: Type.Unsafe<IsoWeekday>(Type.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday, 1 = Monday … 7 = Sunday' })), start: HhMm, end: HhMm },
  { additionalProperties: false },
)
export const DatedHoliday = Type.Object({ date: Ymd(), name: Label }, { additionalProperties: false })
export const RecurringHoliday = Type.Object(
  { month: Type.Integer({ minimum: 1, maximum: 12 }), day: Type.Integer({ minimum: 1, maximum: 31 }), name: Label },
  { additionalProperties: false },
)
const Intervals = Type.Array(TimeInterval, { maxItems: 24, description: 'working intervals of the day; [] closes it' })
export const DateOverride = Type.Object({ date: Ymd(), intervals: Intervals, name: Label }, { additionalProperties: false })

const specFields = {
  timeZone: TimeZone(),
  weekly: Type.Array(WeeklyInterval, { minItems: 1, maxItems: 100 }),
  holidays: Type.Optional(Type.Array(DatedHoliday, { maxItems: 2000 })),
  recurringHolidays: Type.Optional(Type.Array(RecurringHoliday, { maxItems: 366 })),
  overrides: Type.Optional(Type.Array(DateOverride, { maxItems: 2000 })),
}

export const Calendar = Type.Object({
  id: Uuid(),
  name: Type.String(),
  timeZone: Type.String(),
  weekly: Type.Array(WeeklyInterval),
  holidays: Type.Array(DatedHoliday),
  recurringHolidays: Type.Array(RecurringHoliday),
  overrides: Type.Array(DateOverride),
  active: Type.Boolean(),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type Calendar = Static<typeof Calendar>

export const CreateCalendar = Body({ name: Name(), ...specFields })
export type CreateCalendar = Static<typeof CreateCalendar>
export const UpdateCalendar = PatchBody(Type.Object({ name: Name(), ...specFields, active: Type.Boolean() }))
export type UpdateCalendar = Static<typeof UpdateCalendar>

export const AddHoliday = Body({ date: Ymd(), name: Label })
export type AddHoliday = Static<typeof AddHoliday>
export const PutOverride = Body({ intervals: Intervals, name: Label })
export type PutOverride = Static<typeof PutOverride>
export const DateParams = Type.Object({ id: Uuid(), date: Ymd() }, { additionalProperties: false })

export const ListCalendarsQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of the name' })),
    active: Type.Optional(Type.Boolean()),
    timeZone: Type.Optional(Type.String({ maxLength: 64, description: 'calendars in this time zone' })),
  },
  { additionalProperties: false },
)
export type ListCalendarsQuery = Static<typeof ListCalendarsQuery>
export const CalendarList = ListOf(Calendar)

export const BusinessTimeQuery = Type.Object(
  { from: DateTime(), to: DateTime() },
  { additionalProperties: false },
)
export const BusinessTime = Type.Object({ from: DateTime(), to: DateTime(), businessSeconds: Type.Integer() })
export type BusinessTime = Static<typeof BusinessTime>

export const DueQuery = Type.Object(
  {
    from: DateTime(),
    seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 * 365 * 86_400, description: 'business seconds to add' })),
    businessDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: 'business days to add (see addBusinessDays)' })),
  },
  { additionalProperties: false },
)
export type DueQuery = Static<typeof DueQuery>
export const Due = Type.Object({ from: DateTime(), dueAt: DateTime() })
export type Due = Static<typeof Due>
