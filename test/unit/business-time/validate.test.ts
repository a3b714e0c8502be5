// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import t from 'tap'
import {
  type BusinessCalendarSpec,
  compileCalendar,
  InvalidCalendarError,
  validateCalendarSpec,
} from '../../../src/lib/business-time/index.ts'

import { sofiaOffice, bucharestSplit, newYorkDesk, zagrebNight, kyiv247 } from './_fixtures.ts'

process.env.TZ = 'Pacific/Chatham'

// ---- fixtures (kept local: every test file runs in its own process)

const paths = (spec: unknown): string[] => validateCalendarSpec(spec).map((i) => i.path)

t.test('valid specs have no issues', async (t) => {
  for (const spec of [sofiaOffice, bucharestSplit, newYorkDesk, zagrebNight, kyiv247]) {
    t.same(validateCalendarSpec(spec), [], spec.timeZone)
  }
  t.same(validateCalendarSpec({ timeZone: 'UTC', weekly: [{ day: 1, start: '00:00', end: '24:00' }] }), [])
})

t.test('time zone', async (t) => {
  t.same(paths({ ...sofiaOffice, timeZone: 'Europe/Atlantis' }), ['/timeZone'])
  t.same(paths({ ...sofiaOffice, timeZone: '' }), ['/timeZone'])
  t.same(paths({ ...sofiaOffice, timeZone: 42 }), ['/timeZone'])
  t.match(validateCalendarSpec({ ...sofiaOffice, timeZone: 'Mars/Olympus' })[0]?.message, /unknown time zone/)
})

t.test('weekly intervals', async (t) => {
  const base = (weekly: unknown[]): unknown => ({ timeZone: 'Europe/Sofia', weekly })
  t.same(paths(base([{ day: 1, start: '9:00', end: '18:00' }])), ['/weekly/0/start'])
  t.same(paths(base([{ day: 1, start: '09:00', end: '18:60' }])), ['/weekly/0/end'])
  t.same(paths(base([{ day: 1, start: '24:00', end: '24:00' }])), ['/weekly/0/start'])
  t.same(paths(base([{ day: 1, start: '09:00', end: '25:00' }])), ['/weekly/0/end'])
  t.same(paths(base([{ day: 1, start: '18:00', end: '09:00' }])), ['/weekly/0/end'], 'inverted')
  t.same(paths(base([{ day: 1, start: '09:00', end: '09:00' }])), ['/weekly/0/end'], 'empty')
  t.same(paths(base([{ day: 8, start: '09:00', end: '10:00' }])), ['/weekly/0/day'])
  t.same(paths(base([{ day: 0, start: '09:00', end: '10:00' }])), ['/weekly/0/day'])
  t.same(paths(base([])), ['/weekly'], 'needs at least one interval')
  t.same(paths({ timeZone: 'UTC' }), ['/weekly'])
  t.same(paths(base(['x'])), ['/weekly/0'])
  // overlaps on the same day are reported at the later interval; touching intervals are fine
  t.same(
    paths(
      base([
        { day: 2, start: '09:00', end: '12:00' },
        { day: 3, start: '10:00', end: '11:00' },
        { day: 2, start: '12:00', end: '18:00' },
        { day: 2, start: '17:00', end: '19:00' },
      ]),
    ),
    ['/weekly/3'],
  )
  t.same(
    paths(
      base([
        { day: 5, start: '08:00', end: '20:00' },
        { day: 5, start: '09:00', end: '10:00' },
      ]),
    ),
    ['/weekly/1'],
  )
  const issue = validateCalendarSpec(
    base([
      { day: 1, start: '09:00', end: '12:00' },
      { day: 1, start: '11:00', end: '13:00' },
    ]),
  )[0]
  t.match(issue, { path: '/weekly/1', message: /overlaps \/weekly\/0 on Mon/ })
})

t.test('dates', async (t) => {
  const base = { timeZone: 'Europe/Sofia', weekly: [{ day: 1, start: '09:00', end: '18:00' }] }
  t.same(paths({ ...base, holidays: [{ date: '2026-02-30' }] }), ['/holidays/0/date'], 'impossible date')
  t.same(paths({ ...base, holidays: [{ date: '2025-02-29' }] }), ['/holidays/0/date'], 'not a leap year')
  t.same(paths({ ...base, holidays: [{ date: '2028-02-29' }] }), [], 'leap year')
  t.same(paths({ ...base, holidays: [{ date: '2026-13-01' }] }), ['/holidays/0/date'])
  t.same(paths({ ...base, holidays: [{ date: '26-01-01' }] }), ['/holidays/0/date'])
  t.same(paths({ ...base, holidays: [{ date: '1969-12-31' }] }), ['/holidays/0/date'], 'year < 1970')
  t.same(paths({ ...base, holidays: [{ date: '2201-01-01' }] }), ['/holidays/0/date'], 'year > 2200')
  t.same(paths({ ...base, holidays: [{ date: '2200-12-31' }, { date: '1970-01-01' }] }), [])
  t.same(paths({ ...base, holidays: [{ date: '2026-01-01', name: 7 }] }), ['/holidays/0/name'])
  t.same(paths({ ...base, holidays: {} }), ['/holidays'])
  t.same(paths({ ...base, recurringHolidays: [{ month: 2, day: 29 }] }), [], 'Feb 29 recurring is allowed')
  t.same(paths({ ...base, recurringHolidays: [{ month: 2, day: 30 }] }), ['/recurringHolidays/0/day'])
  t.same(paths({ ...base, recurringHolidays: [{ month: 4, day: 31 }] }), ['/recurringHolidays/0/day'])
  t.same(paths({ ...base, recurringHolidays: [{ month: 13, day: 1 }] }), ['/recurringHolidays/0/month'])
})

t.test('overrides', async (t) => {
  const base = { timeZone: 'Europe/Sofia', weekly: [{ day: 1, start: '09:00', end: '18:00' }] }
  t.same(
    paths({
      ...base,
      overrides: [
        { date: '2026-12-24', intervals: [{ start: '09:00', end: '13:00' }] },
        { date: '2026-12-31', intervals: [] },
        { date: '2026-12-24', intervals: [] },
      ],
    }),
    ['/overrides/2/date'],
    'duplicate date',
  )
  t.same(
    paths({
      ...base,
      overrides: [
        {
          date: '2026-12-24',
          intervals: [
            { start: '09:00', end: '13:00' },
            { start: '12:00', end: '14:00' },
            { start: '15:00', end: '14:00' },
          ],
        },
      ],
    }),
    ['/overrides/0/intervals/2/end', '/overrides/0/intervals/1'],
  )
  t.same(paths({ ...base, overrides: [{ date: '2026-02-30', intervals: [] }] }), ['/overrides/0/date'])
  t.same(paths({ ...base, overrides: [{ date: '2026-02-03' }] }), ['/overrides/0/intervals'])
})

t.test('not an object', async (t) => {
  t.same(paths(null), [''])
  t.same(paths([]), [''])
})

t.test('compileCalendar throws on an invalid spec', async (t) => {
  const bad = { timeZone: 'Nowhere/Land', weekly: [{ day: 1, start: '18:00', end: '09:00' }] } as unknown as BusinessCalendarSpec
  t.throws(() => compileCalendar(bad), InvalidCalendarError)
  try {
    compileCalendar(bad)
  } catch (e) {
    t.ok(e instanceof InvalidCalendarError)
    if (e instanceof InvalidCalendarError) t.same(e.issues.map((i) => i.path).sort(), ['/timeZone', '/weekly/0/end'])
  }
})
