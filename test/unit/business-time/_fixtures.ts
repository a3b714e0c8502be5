// Calendars and instant helpers shared by the business-time tests.
import type { BusinessCalendarSpec, IsoWeekday } from '../../../src/lib/business-time/index.ts'

/** Parses an ISO instant WITH an explicit offset (never local time). */
export const at = (iso: string): number => {
  const t = Date.parse(iso)
  if (!/(Z|[+-]\d\d:\d\d)$/.test(iso) || Number.isNaN(t)) throw new Error(`bad fixture instant ${iso}`)
  return t
}

export const WEEKDAYS: IsoWeekday[] = [1, 2, 3, 4, 5]

export const ALL_DAYS: IsoWeekday[] = [1, 2, 3, 4, 5, 6, 7]

export function nineToSix(timeZone: string): BusinessCalendarSpec {
  return { timeZone, weekly: WEEKDAYS.map((day) => ({ day, start: '09:00', end: '18:00' })) }
}

export function twentyFourSeven(timeZone: string): BusinessCalendarSpec {
  return { timeZone, weekly: ALL_DAYS.map((day) => ({ day, start: '00:00', end: '24:00' })) }
}

/** Sofia office: Mon–Fri 09–18, Jan 1 + Dec 25 every year, 2026-03-03 dated, short Dec 24, extra Saturday. */
export const sofiaOffice: BusinessCalendarSpec = {
  ...nineToSix('Europe/Sofia'),
  holidays: [{ date: '2026-03-03', name: 'Liberation Day' }],
  recurringHolidays: [
    { month: 1, day: 1, name: "New Year's Day" },
    { month: 12, day: 25, name: 'Christmas' },
  ],
  overrides: [
    { date: '2026-12-24', intervals: [{ start: '09:00', end: '13:00' }], name: 'Christmas Eve short day' },
    { date: '2026-06-13', intervals: [{ start: '10:00', end: '14:00' }], name: 'make-up Saturday' },
    { date: '2026-07-01', intervals: [], name: 'company day off' },
  ],
}

/** Split shifts in Bucharest: Mon–Fri 08:00–12:00 and 13:00–17:00. */
export const bucharestSplit: BusinessCalendarSpec = {
  timeZone: 'Europe/Bucharest',
  weekly: WEEKDAYS.flatMap((day) => [
    { day, start: '08:00', end: '12:00' },
    { day, start: '13:00', end: '17:00' },
  ]),
}

/** New York support desk: split weekdays, a Saturday morning, US holidays, a short day. */
export const newYorkDesk: BusinessCalendarSpec = {
  timeZone: 'America/New_York',
  weekly: [
    ...WEEKDAYS.flatMap((day) => [
      { day, start: '08:00', end: '12:00' },
      { day, start: '12:30', end: '17:30' },
    ]),
    { day: 6, start: '10:00', end: '14:00' },
  ],
  recurringHolidays: [
    { month: 7, day: 4 },
    { month: 12, day: 25 },
  ],
  holidays: [{ date: '2026-11-26' }, { date: '2025-11-27' }],
  overrides: [{ date: '2026-11-27', intervals: [{ start: '08:00', end: '12:00' }] }],
}

/** Zagreb night desk: Sun–Thu 20:00–24:00 and Mon–Fri 00:00–01:30 + 09:00–17:00 (boundaries away from DST gaps). */
export const zagrebNight: BusinessCalendarSpec = {
  timeZone: 'Europe/Zagreb',
  weekly: [
    ...([7, 1, 2, 3, 4] as IsoWeekday[]).map((day) => ({ day, start: '20:00', end: '24:00' })),
    ...WEEKDAYS.flatMap((day) => [
      { day, start: '00:00', end: '01:30' },
      { day, start: '09:00', end: '17:00' },
    ]),
  ],
  recurringHolidays: [{ month: 5, day: 1 }],
}

export const kyiv247 = twentyFourSeven('Europe/Kyiv')

export const iso = (t: number): string => new Date(t).toISOString()
export const HOUR = 3600
