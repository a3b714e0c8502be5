// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
// Hand-computed expectations at fixed instants (Europe/Sofia is +02:00 in winter, +03:00 in summer).
import t from 'tap'
import {
  addBusinessDays,
  addBusinessSeconds,
  businessSecondsBetween,
  compileCalendar,
  isBusinessTime,
  nextBusinessStart,
  splitInterval,
  type SplitKind,
} from '../../../src/lib/business-time/index.ts'

import { at, iso, HOUR, sofiaOffice, bucharestSplit, newYorkDesk } from './_fixtures.ts'

process.env.TZ = 'Pacific/Chatham'

// ---- fixtures (kept local: every test file runs in its own process)

const sofia = compileCalendar(sofiaOffice)
const split = compileCalendar(bucharestSplit)

t.test('the process runs in an odd TZ; nothing depends on it', async (t) => {
  t.equal(new Date(at('2026-01-15T00:00:00Z')).getTimezoneOffset(), -825, 'Pacific/Chatham is +13:45 in January')
})

t.test('edges of a working day', async (t) => {
  const add = (from: string, s: number): string => iso(addBusinessSeconds(sofia, at(from), s))
  t.equal(add('2026-03-06T17:59:59+02:00', 1), iso(at('2026-03-06T18:00:00+02:00')), 'Fri 17:59:59 + 1s = Fri 18:00:00')
  t.equal(add('2026-03-06T18:00:00+02:00', 1), iso(at('2026-03-09T09:00:01+02:00')), 'Fri 18:00:00 + 1s = Mon 09:00:01')
  t.equal(add('2026-03-06T09:00:00+02:00', 9 * HOUR), iso(at('2026-03-06T18:00:00+02:00')), 'Fri 09:00 + 9h = Fri 18:00')
  t.equal(add('2026-03-06T09:00:00+02:00', 9 * HOUR + 1), iso(at('2026-03-09T09:00:01+02:00')))
  t.equal(add('2026-03-07T23:30:00+02:00', 30 * 60), iso(at('2026-03-09T09:30:00+02:00')), 'Saturday night')
  t.equal(add('2026-03-09T08:59:59.500+02:00', 60), iso(at('2026-03-09T09:01:00+02:00')), 'before opening')
  t.equal(add('2026-03-09T12:00:00.250+02:00', 60), iso(at('2026-03-09T12:01:00.250+02:00')), 'keeps milliseconds')
  t.equal(add('2026-03-02T17:00:00+02:00', 2 * HOUR), iso(at('2026-03-04T10:00:00+02:00')), 'over a dated holiday (Tue 03-03)')
  t.equal(add('2026-03-03T10:00:00+02:00', HOUR), iso(at('2026-03-04T10:00:00+02:00')), 'starting on a holiday')
  t.equal(add('2026-12-31T17:00:00+02:00', 2 * HOUR), iso(at('2027-01-04T10:00:00+02:00')), 'recurring Jan 1 + weekend')
  t.equal(add('2026-12-24T12:00:00+02:00', 2 * HOUR), iso(at('2026-12-28T10:00:00+02:00')), 'short day, Dec 25, weekend')
  t.equal(add('2026-06-12T17:00:00+03:00', 2 * HOUR), iso(at('2026-06-13T11:00:00+03:00')), 'extra working Saturday')
  t.equal(add('2026-06-30T17:00:00+03:00', 2 * HOUR), iso(at('2026-07-02T10:00:00+03:00')), 'override closes Wed 07-01')
  t.equal(add('2026-03-06T09:00:00+02:00', 5 * 9 * HOUR), iso(at('2026-03-12T18:00:00+02:00')), 'a business week')
})

t.test('adding zero', async (t) => {
  const inside = at('2026-03-09T10:00:00+02:00')
  t.equal(addBusinessSeconds(sofia, inside, 0), inside, 'inside: from itself')
  t.equal(addBusinessSeconds(sofia, at('2026-03-07T12:00:00+02:00'), 0), at('2026-03-09T09:00:00+02:00'), 'outside: next start')
  t.equal(addBusinessSeconds(sofia, at('2026-03-06T18:00:00+02:00'), 0), at('2026-03-09T09:00:00+02:00'), 'at an end: next start')
  t.equal(addBusinessSeconds(sofia, new Date(inside), 0), inside, 'accepts a Date')
})

t.test('invalid arguments', async (t) => {
  const from = at('2026-03-09T10:00:00+02:00')
  t.throws(() => addBusinessSeconds(sofia, from, -1), RangeError)
  t.throws(() => addBusinessSeconds(sofia, from, 1.5), RangeError)
  t.throws(() => addBusinessSeconds(sofia, Number.NaN, 1), RangeError)
  t.throws(() => addBusinessSeconds(sofia, at('2400-01-01T00:00:00Z'), 1), RangeError)
  t.throws(() => addBusinessDays(sofia, from, -1), RangeError)
  // Like addBusinessSeconds, a result past the supported range is refused, not answered (was 2319 here).
  t.throws(() => addBusinessDays(sofia, at('2299-12-01T00:00:00Z'), 5000), { name: 'RangeError', message: /supported range/ })
  t.throws(() => addBusinessSeconds(sofia, at('2299-12-01T00:00:00Z'), 5000 * 9 * HOUR), RangeError)
})

t.test('isBusinessTime and nextBusinessStart', async (t) => {
  t.equal(isBusinessTime(sofia, at('2026-03-09T09:00:00+02:00')), true, 'start inclusive')
  t.equal(isBusinessTime(sofia, at('2026-03-09T17:59:59.999+02:00')), true)
  t.equal(isBusinessTime(sofia, at('2026-03-09T18:00:00+02:00')), false, 'end exclusive')
  t.equal(isBusinessTime(sofia, at('2026-03-09T08:59:59.999+02:00')), false)
  t.equal(isBusinessTime(sofia, at('2026-03-03T12:00:00+02:00')), false, 'dated holiday')
  t.equal(isBusinessTime(sofia, at('2026-12-25T12:00:00+02:00')), false, 'recurring holiday')
  t.equal(isBusinessTime(sofia, at('2027-01-01T12:00:00+02:00')), false, 'recurring holiday, next year')
  t.equal(isBusinessTime(sofia, at('2026-12-24T12:59:00+02:00')), true, 'short day')
  t.equal(isBusinessTime(sofia, at('2026-12-24T13:00:00+02:00')), false, 'short day ended')
  t.equal(isBusinessTime(sofia, at('2026-06-13T10:00:00+03:00')), true, 'extra Saturday')
  t.equal(isBusinessTime(sofia, at('2026-06-20T10:00:00+03:00')), false, 'ordinary Saturday')
  const inside = at('2026-03-09T12:34:56.789+02:00')
  t.equal(nextBusinessStart(sofia, inside), inside)
  t.equal(nextBusinessStart(sofia, at('2026-03-06T18:00:00+02:00')), at('2026-03-09T09:00:00+02:00'))
  t.equal(nextBusinessStart(sofia, at('2026-12-24T14:00:00+02:00')), at('2026-12-28T09:00:00+02:00'))
})

t.test('split shifts', async (t) => {
  t.equal(addBusinessSeconds(split, at('2026-03-09T11:30:00+02:00'), HOUR), at('2026-03-09T13:30:00+02:00'))
  t.equal(addBusinessSeconds(split, at('2026-03-09T11:30:00+02:00'), 30 * 60), at('2026-03-09T12:00:00+02:00'), 'stays at lunch')
  t.equal(addBusinessSeconds(split, at('2026-03-09T12:15:00+02:00'), 60), at('2026-03-09T13:01:00+02:00'))
  t.equal(isBusinessTime(split, at('2026-03-09T12:30:00+02:00')), false)
  t.equal(businessSecondsBetween(split, at('2026-03-09T11:00:00+02:00'), at('2026-03-09T14:00:00+02:00')), 2 * HOUR)
  t.equal(addBusinessDays(split, at('2026-03-09T10:00:00+02:00'), 1), at('2026-03-10T17:00:00+02:00'), 'day ends 17:00')
})

t.test('businessSecondsBetween', async (t) => {
  const between = (a: string, b: string): number => businessSecondsBetween(sofia, at(a), at(b))
  t.equal(between('2026-03-09T10:00:00+02:00', '2026-03-09T09:00:00+02:00'), 0, 'b < a')
  t.equal(between('2026-03-09T10:00:00+02:00', '2026-03-09T10:00:00+02:00'), 0, 'b = a')
  t.equal(between('2026-03-06T17:00:00+02:00', '2026-03-09T10:00:00+02:00'), 2 * HOUR, 'over a weekend')
  t.equal(between('2026-03-09T10:00:00+02:00', '2026-03-09T10:00:01.999+02:00'), 1, 'truncates sub-seconds')
  // 2026: 261 weekdays (Jan 1 and Dec 31 are Thursdays); weekday holidays Jan 1 (Thu), Mar 3 (Tue),
  // Dec 25 (Fri) → 258 × 9h = 2322h; Dec 24 short day 4h (−5h); make-up Saturday Jun 13 (+4h);
  // Jul 1 (Wed) closed by override (−9h) → 2312h.
  t.equal(between('2026-01-01T00:00:00+02:00', '2027-01-01T00:00:00+02:00'), 2312 * HOUR, 'a full year')
  t.equal(
    addBusinessSeconds(sofia, at('2026-01-01T00:00:00+02:00'), 2312 * HOUR),
    at('2026-12-31T18:00:00+02:00'),
    'a full year of business time ends on the last working day',
  )
  // ten years: from and back
  const from = at('2026-05-05T11:11:00+03:00')
  const tenYears = 10 * 2300 * HOUR
  t.equal(businessSecondsBetween(sofia, from, addBusinessSeconds(sofia, from, tenYears)), tenYears)
})

t.test('business days', async (t) => {
  const days = (from: string, n: number): string => iso(addBusinessDays(sofia, at(from), n))
  t.equal(days('2026-03-09T10:00:00+02:00', 2), iso(at('2026-03-11T18:00:00+02:00')), 'Mon 10:00 + 2 = Wed 18:00')
  t.equal(days('2026-03-09T07:00:00+02:00', 2), iso(at('2026-03-11T18:00:00+02:00')), 'before hours: same')
  t.equal(days('2026-03-09T20:00:00+02:00', 2), iso(at('2026-03-11T18:00:00+02:00')), 'after hours: same')
  t.equal(days('2026-03-07T10:00:00+02:00', 2), iso(at('2026-03-10T18:00:00+02:00')), 'Sat + 2 = Tue 18:00')
  t.equal(days('2026-03-06T20:00:00+02:00', 1), iso(at('2026-03-09T18:00:00+02:00')), 'Fri evening + 1 = Mon')
  t.equal(days('2026-03-02T10:00:00+02:00', 2), iso(at('2026-03-05T18:00:00+02:00')), 'skips the Tue 03-03 holiday')
  t.equal(days('2026-12-24T10:00:00+02:00', 2), iso(at('2026-12-29T18:00:00+02:00')), 'over Dec 25 and a weekend')
  t.equal(days('2026-12-23T10:00:00+02:00', 1), iso(at('2026-12-24T13:00:00+02:00')), 'short day ends at 13:00')
  t.equal(days('2026-06-12T10:00:00+03:00', 1), iso(at('2026-06-13T14:00:00+03:00')), 'extra Saturday counts')
  t.equal(days('2026-03-09T10:00:00+02:00', 0), iso(at('2026-03-09T18:00:00+02:00')), 'n=0: same day')
  t.equal(days('2026-03-09T19:00:00+02:00', 0), iso(at('2026-03-10T18:00:00+02:00')), 'n=0 after hours: next day')
  t.equal(days('2026-03-07T10:00:00+02:00', 0), iso(at('2026-03-09T18:00:00+02:00')), 'n=0 on a weekend')
  // 2026 working days: 258 non-holiday weekdays (Dec 24 included) + Sat Jun 13 − Wed Jul 1 = 258.
  t.equal(days('2025-12-31T10:00:00+02:00', 258), iso(at('2026-12-31T18:00:00+02:00')), 'a year of working days')
  t.equal(days('2025-12-31T10:00:00+02:00', 259), iso(at('2027-01-04T18:00:00+02:00')))
})

t.test('splitInterval kinds', async (t) => {
  const kinds = (a: string, b: string): Array<[string, string, SplitKind, boolean]> =>
    splitInterval(sofia, at(a), at(b)).map((p) => [iso(p.start), iso(p.end), p.kind, p.inHours])
  t.same(kinds('2026-03-07T12:00:00+02:00', '2026-03-07T14:00:00+02:00'), [
    [iso(at('2026-03-07T12:00:00+02:00')), iso(at('2026-03-07T14:00:00+02:00')), 'weekend', false],
  ])
  t.same(kinds('2026-03-10T20:00:00+02:00', '2026-03-10T21:00:00+02:00'), [
    [iso(at('2026-03-10T20:00:00+02:00')), iso(at('2026-03-10T21:00:00+02:00')), 'after-hours', false],
  ])
  t.same(kinds('2026-12-25T10:00:00+02:00', '2026-12-25T11:00:00+02:00')[0]?.[2], 'holiday', 'Dec 25')
  t.same(kinds('2027-12-25T10:00:00+02:00', '2027-12-25T11:00:00+02:00')[0]?.[2], 'holiday', 'holiday wins over weekend')
  t.same(kinds('2026-07-01T10:00:00+03:00', '2026-07-01T11:00:00+03:00')[0]?.[2], 'holiday', 'day closed by override')
  t.same(kinds('2026-06-13T08:00:00+03:00', '2026-06-13T09:00:00+03:00')[0]?.[2], 'after-hours', 'extra Saturday')
  t.same(kinds('2026-12-24T12:00:00+02:00', '2026-12-28T10:00:00+02:00'), [
    [iso(at('2026-12-24T12:00:00+02:00')), iso(at('2026-12-24T13:00:00+02:00')), 'business', true],
    [iso(at('2026-12-24T13:00:00+02:00')), iso(at('2026-12-25T00:00:00+02:00')), 'after-hours', false],
    [iso(at('2026-12-25T00:00:00+02:00')), iso(at('2026-12-26T00:00:00+02:00')), 'holiday', false],
    [iso(at('2026-12-26T00:00:00+02:00')), iso(at('2026-12-28T00:00:00+02:00')), 'weekend', false],
    [iso(at('2026-12-28T00:00:00+02:00')), iso(at('2026-12-28T09:00:00+02:00')), 'after-hours', false],
    [iso(at('2026-12-28T09:00:00+02:00')), iso(at('2026-12-28T10:00:00+02:00')), 'business', true],
  ])
  t.same(splitInterval(sofia, at('2026-03-09T10:00:00+02:00'), at('2026-03-09T10:00:00+02:00')), [], 'empty')
  const ny = compileCalendar(newYorkDesk)
  t.same(
    splitInterval(ny, at('2026-07-03T17:00:00-04:00'), at('2026-07-04T11:00:00-04:00')).map((p) => p.kind),
    ['business', 'after-hours', 'holiday'],
    'July 4th on a Saturday with weekly hours is a holiday',
  )
})
