// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
// fast-check properties over several calendars/zones, including a naive minute-stepping reference.
import fc from 'fast-check'
import t from 'tap'
import {
  type BusinessCalendar,
  type BusinessCalendarSpec,
  compileCalendar,
  NaiveBusinessCalendar,
} from '../../../src/lib/business-time/index.ts'

import { at, nineToSix, sofiaOffice, bucharestSplit, newYorkDesk, zagrebNight, kyiv247 } from './_fixtures.ts'

process.env.TZ = 'Pacific/Chatham'

// ---- fixtures (kept local: every test file runs in its own process)

const specs: BusinessCalendarSpec[] = [
  sofiaOffice,
  bucharestSplit,
  newYorkDesk,
  zagrebNight,
  kyiv247,
  nineToSix('America/New_York'),
]
const compiled = specs.map((s) => compileCalendar(s))
const naive = specs.map((s) => new NaiveBusinessCalendar(s))

const MIN = 60_000
const HOUR_S = 3600
const RANGE_START = at('2025-09-01T00:00:00Z')
const RANGE_END = at('2027-06-01T00:00:00Z')
// DST transitions of the zones above (±3 days around them are sampled more often)
const TRANSITIONS = [
  '2025-10-26T01:00:00Z',
  '2025-11-02T06:00:00Z',
  '2026-03-08T07:00:00Z',
  '2026-03-29T01:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-11-01T06:00:00Z',
  '2027-03-14T07:00:00Z',
  '2027-03-28T01:00:00Z',
].map(at)

const calIndex = fc.integer({ min: 0, max: specs.length - 1 })
/** Any millisecond in the range, biased towards DST transitions. */
const instant = fc.oneof(
  fc.integer({ min: RANGE_START, max: RANGE_END }),
  fc
    .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }))
    .map(([tr, d]) => tr + d),
)
const minuteInstant = instant.map((x) => Math.floor(x / MIN) * MIN)
/** Durations in seconds: mostly up to 2 weeks of business time, sometimes years. */
const seconds = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 200 * HOUR_S }), weight: 6 },
  { arbitrary: fc.integer({ min: 0, max: 60 }), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 5000 * HOUR_S }), weight: 1 },
)

const RUNS = 300
const cal = (i: number): BusinessCalendar => compiled[i] as BusinessCalendar

t.test('businessSecondsBetween(from, add(from, d)) === d', async (t) => {
  fc.assert(
    fc.property(calIndex, instant, seconds, (i, from, d) => {
      const c = cal(i)
      return c.businessSecondsBetween(from, c.addBusinessSeconds(from, d)) === d
    }),
    { numRuns: RUNS },
  )
  t.pass('holds')
})

t.test('add is monotonic in d and never before from', async (t) => {
  fc.assert(
    fc.property(calIndex, instant, seconds, seconds, (i, from, d1, d2) => {
      const c = cal(i)
      const [lo, hi] = d1 <= d2 ? [d1, d2] : [d2, d1]
      const a = c.addBusinessSeconds(from, lo)
      const b = c.addBusinessSeconds(from, hi)
      return from <= a && a <= b && (lo === hi || a < b)
    }),
    { numRuns: RUNS },
  )
  t.pass('holds')
})

t.test('the result of add is inside business time or exactly at an interval end', async (t) => {
  fc.assert(
    fc.property(calIndex, instant, seconds, (i, from, d) => {
      const c = cal(i)
      const r = c.addBusinessSeconds(from, d)
      if (d === 0) return c.isBusinessTime(r) && r === c.nextBusinessStart(from)
      return c.isBusinessTime(r) || (c.isBusinessTime(r - 1) && !c.isBusinessTime(r))
    }),
    { numRuns: RUNS },
  )
  t.pass('holds')
})

t.test('nextBusinessStart is the first business instant at or after t', async (t) => {
  fc.assert(
    fc.property(calIndex, instant, (i, x) => {
      const c = cal(i)
      const n = c.nextBusinessStart(x)
      return (
        n >= x &&
        c.isBusinessTime(n) &&
        c.businessSecondsBetween(x, n) === 0 &&
        (n === x) === c.isBusinessTime(x) &&
        (n === x || !c.isBusinessTime(n - 1) || n - 1 < x)
      )
    }),
    { numRuns: RUNS },
  )
  t.pass('holds')
})

t.test('split parts are contiguous, sum to b - a, and in-hours parts sum to the business time', async (t) => {
  const span = fc.integer({ min: 0, max: 20 * 86_400_000 })
  fc.assert(
    fc.property(calIndex, instant, span, (i, a, len) => {
      const c = cal(i)
      const b = a + len
      const parts = c.splitInterval(a, b)
      if (len === 0) return parts.length === 0
      let cur = a
      let inHoursMs = 0
      for (const [k, p] of parts.entries()) {
        if (p.start !== cur || p.end <= p.start) return false
        if (p.inHours !== (p.kind === 'business')) return false
        if (k > 0 && parts[k - 1]?.kind === p.kind) return false // merged
        // every part agrees with isBusinessTime at its start and last millisecond
        if (c.isBusinessTime(p.start) !== p.inHours || c.isBusinessTime(p.end - 1) !== p.inHours) return false
        if (p.inHours) inHoursMs += p.end - p.start
        cur = p.end
      }
      return cur === b && Math.floor(inHoursMs / 1000) === c.businessSecondsBetween(a, b)
    }),
    { numRuns: RUNS },
  )
  t.pass('holds')
})

t.test('between is additive', async (t) => {
  fc.assert(
    fc.property(calIndex, instant, instant, instant, (i, x, y, z) => {
      const c = cal(i)
      const [a, b, d] = [x, y, z].map((v) => Math.floor(v / 1000) * 1000).sort((p, q) => p - q) as [number, number, number]
      return c.businessSecondsBetween(a, d) === c.businessSecondsBetween(a, b) + c.businessSecondsBetween(b, d)
    }),
    { numRuns: RUNS },
  )
  t.pass('holds')
})

t.test('business days: increasing in n (n=0 may equal n=1), each result ends a working interval', async (t) => {
  fc.assert(
    fc.property(calIndex, instant, fc.integer({ min: 0, max: 40 }), (i, from, n) => {
      const c = cal(i)
      const r = c.addBusinessDays(from, n)
      const r1 = c.addBusinessDays(from, n + 1)
      // n = 0 on a non-working day / after hours is the next working day, the same as n = 1
      return r > from && (n === 0 ? r1 >= r : r1 > r) && c.isBusinessTime(r - 1)
    }),
    { numRuns: RUNS },
  )
  t.pass('holds')
})

t.test('agrees with the naive minute-stepping reference (minute-aligned inputs)', async (t) => {
  fc.assert(
    fc.property(calIndex, minuteInstant, fc.integer({ min: 0, max: 600 }), (i, from, minutes) => {
      const fast = cal(i).addBusinessSeconds(from, minutes * 60)
      const slow = (naive[i] as NaiveBusinessCalendar).addBusinessSeconds(from, minutes * 60)
      return fast === slow
    }),
    { numRuns: 200 },
  )
  fc.assert(
    fc.property(calIndex, minuteInstant, fc.integer({ min: 0, max: 2 * 24 * 60 }), (i, a, minutes) => {
      const b = a + minutes * MIN
      const n = naive[i] as NaiveBusinessCalendar
      return (
        cal(i).businessSecondsBetween(a, b) === n.businessSecondsBetween(a, b) &&
        cal(i).isBusinessTime(a) === n.isBusinessTime(a)
      )
    }),
    { numRuns: 200 },
  )
  t.pass('holds')
})
