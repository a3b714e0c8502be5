// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
// DST in both directions, five zones, with a 24x7 calendar (real seconds) and a 09:00–18:00 one
// (wall-clock hours kept). Expectations are written with explicit UTC offsets.
import t from 'tap'
import {
  addBusinessDays,
  addBusinessSeconds,
  businessSecondsBetween,
  compileCalendar,
  isBusinessTime,
  splitInterval,
} from '../../../src/lib/business-time/index.ts'

import { at, HOUR, nineToSix, twentyFourSeven } from './_fixtures.ts'

process.env.TZ = 'Pacific/Chatham'

// ---- fixtures (kept local: every test file runs in its own process)

interface ZoneCase {
  zone: string
  std: string // offset in winter
  dst: string // offset in summer
  spring: string // Sunday of the spring-forward transition
  fall: string // Sunday of the fall-back transition
  springFri: string
  springMon: string
  fallFri: string
  fallMon: string
  /** local hour at which clocks spring forward (the skipped hour starts there) */
  gapHour: number
}

const zones: ZoneCase[] = [
  // EU rules: transitions at 01:00 UTC on the last Sundays of March and October 2026
  { zone: 'Europe/Sofia', std: '+02:00', dst: '+03:00', spring: '2026-03-29', fall: '2026-10-25', springFri: '2026-03-27', springMon: '2026-03-30', fallFri: '2026-10-23', fallMon: '2026-10-26', gapHour: 3 },
  { zone: 'Europe/Bucharest', std: '+02:00', dst: '+03:00', spring: '2026-03-29', fall: '2026-10-25', springFri: '2026-03-27', springMon: '2026-03-30', fallFri: '2026-10-23', fallMon: '2026-10-26', gapHour: 3 },
  { zone: 'Europe/Kyiv', std: '+02:00', dst: '+03:00', spring: '2026-03-29', fall: '2026-10-25', springFri: '2026-03-27', springMon: '2026-03-30', fallFri: '2026-10-23', fallMon: '2026-10-26', gapHour: 3 },
  { zone: 'Europe/Zagreb', std: '+01:00', dst: '+02:00', spring: '2026-03-29', fall: '2026-10-25', springFri: '2026-03-27', springMon: '2026-03-30', fallFri: '2026-10-23', fallMon: '2026-10-26', gapHour: 2 },
  // US rules: 02:00 local on the second Sunday of March and the first Sunday of November
  { zone: 'America/New_York', std: '-05:00', dst: '-04:00', spring: '2026-03-08', fall: '2026-11-01', springFri: '2026-03-06', springMon: '2026-03-09', fallFri: '2026-10-30', fallMon: '2026-11-02', gapHour: 2 },
]

const hh = (h: number): string => String(h).padStart(2, '0')

for (const z of zones) {
  t.test(`${z.zone} 24x7 counts real seconds`, async (t) => {
    const cal = compileCalendar(twentyFourSeven(z.zone))
    const springDay = at(`${z.spring}T00:00:00${z.std}`)
    const fallDay = at(`${z.fall}T00:00:00${z.dst}`)
    // the local day of the transition is 23h / 25h long
    const springNext = at(`${addDay(z.spring)}T00:00:00${z.dst}`)
    const fallNext = at(`${addDay(z.fall)}T00:00:00${z.std}`)
    t.equal(businessSecondsBetween(cal, springDay, springNext), 23 * HOUR, 'spring-forward day is 23h')
    t.equal(businessSecondsBetween(cal, fallDay, fallNext), 25 * HOUR, 'fall-back day is 25h')
    // 24h of business time = 24 real hours, which ends at 01:00 / 23:00 local
    t.equal(addBusinessSeconds(cal, springDay, 24 * HOUR), at(`${addDay(z.spring)}T01:00:00${z.dst}`))
    t.equal(addBusinessSeconds(cal, fallDay, 24 * HOUR), at(`${z.fall}T23:00:00${z.std}`))
    t.equal(addBusinessSeconds(cal, springDay, 24 * HOUR), springDay + 24 * HOUR * 1000)
    t.equal(addBusinessSeconds(cal, fallDay, 24 * HOUR), fallDay + 24 * HOUR * 1000)
    // a day around the transition
    const sat = at(`${addDay(z.spring, -1)}T12:00:00${z.std}`)
    t.equal(addBusinessSeconds(cal, sat, 24 * HOUR), at(`${z.spring}T13:00:00${z.dst}`))
    t.equal(businessSecondsBetween(cal, sat, at(`${z.spring}T12:00:00${z.dst}`)), 23 * HOUR)
    // always open; one part
    t.equal(isBusinessTime(cal, at(`${z.spring}T${hh(z.gapHour)}:00:00${z.dst}`)), true)
    const parts = splitInterval(cal, sat, fallNext)
    t.equal(parts.length, 1)
    t.same(parts[0], { start: sat, end: fallNext, inHours: true, kind: 'business' })
    // business days end at local midnight
    t.equal(addBusinessDays(cal, sat, 1), springNext)
    t.equal(addBusinessDays(cal, at(`${addDay(z.fall, -1)}T12:00:00${z.dst}`), 1), fallNext)
  })

  t.test(`${z.zone} 09:00-18:00 keeps wall-clock hours`, async (t) => {
    const cal = compileCalendar(nineToSix(z.zone))
    t.equal(addBusinessSeconds(cal, at(`${z.springFri}T17:00:00${z.std}`), 2 * HOUR), at(`${z.springMon}T10:00:00${z.dst}`))
    t.equal(addBusinessSeconds(cal, at(`${z.fallFri}T17:00:00${z.dst}`), 2 * HOUR), at(`${z.fallMon}T10:00:00${z.std}`))
    t.equal(businessSecondsBetween(cal, at(`${z.springFri}T09:00:00${z.std}`), at(`${z.springMon}T18:00:00${z.dst}`)), 18 * HOUR)
    t.equal(businessSecondsBetween(cal, at(`${z.fallFri}T09:00:00${z.dst}`), at(`${z.fallMon}T18:00:00${z.std}`)), 18 * HOUR)
    t.equal(isBusinessTime(cal, at(`${z.springMon}T09:00:00${z.dst}`)), true)
    t.equal(isBusinessTime(cal, at(`${z.springMon}T08:59:59${z.dst}`)), false)
    t.equal(isBusinessTime(cal, at(`${z.fallMon}T17:59:59${z.std}`)), true)
    t.equal(isBusinessTime(cal, at(`${z.fallMon}T18:00:00${z.std}`)), false)
    // a whole week across each transition is still 5 × 9h
    const springMonBefore = addDay(z.springMon, -7)
    t.equal(businessSecondsBetween(cal, at(`${springMonBefore}T09:00:00${z.std}`), at(`${z.springMon}T09:00:00${z.dst}`)), 45 * HOUR)
    const fallMonBefore = addDay(z.fallMon, -7)
    t.equal(businessSecondsBetween(cal, at(`${fallMonBefore}T09:00:00${z.dst}`), at(`${z.fallMon}T09:00:00${z.std}`)), 45 * HOUR)
    t.equal(addBusinessDays(cal, at(`${z.springFri}T10:00:00${z.std}`), 1), at(`${z.springMon}T18:00:00${z.dst}`))
    t.equal(addBusinessDays(cal, at(`${z.fallFri}T10:00:00${z.dst}`), 1), at(`${z.fallMon}T18:00:00${z.std}`))
  })

  t.test(`${z.zone} a night interval over the transition has its real length`, async (t) => {
    // Sunday (gapHour-1):00 – (gapHour+3):00 is 4 wall-clock hours: 3 real hours in spring, 5 in autumn
    const cal = compileCalendar({
      timeZone: z.zone,
      weekly: [{ day: 7, start: `${hh(z.gapHour - 1)}:00`, end: `${hh(z.gapHour + 3)}:00` }],
    })
    t.equal(businessSecondsBetween(cal, at(`${z.spring}T00:00:00${z.std}`), at(`${z.spring}T12:00:00${z.dst}`)), 3 * HOUR)
    t.equal(businessSecondsBetween(cal, at(`${z.fall}T00:00:00${z.dst}`), at(`${z.fall}T12:00:00${z.std}`)), 5 * HOUR)
    t.equal(addBusinessSeconds(cal, at(`${z.spring}T00:00:00${z.std}`), 3 * HOUR), at(`${z.spring}T${hh(z.gapHour + 3)}:00:00${z.dst}`))
    t.equal(addBusinessSeconds(cal, at(`${z.fall}T00:00:00${z.dst}`), 5 * HOUR), at(`${z.fall}T${hh(z.gapHour + 3)}:00:00${z.std}`))
  })
}

t.test('New York: 02:00–04:00 on the spring-forward night is 1 real hour, 01:00–03:00 on the fall-back night 3', async (t) => {
  const spring = compileCalendar({ timeZone: 'America/New_York', weekly: [{ day: 7, start: '02:00', end: '04:00' }] })
  t.equal(businessSecondsBetween(spring, at('2026-03-08T00:00:00-05:00'), at('2026-03-09T00:00:00-04:00')), HOUR)
  t.equal(addBusinessSeconds(spring, at('2026-03-07T12:00:00-05:00'), 0), at('2026-03-08T03:00:00-04:00'), 'opens at the jump')
  t.equal(businessSecondsBetween(spring, at('2026-03-15T00:00:00-04:00'), at('2026-03-16T00:00:00-04:00')), 2 * HOUR, 'next Sunday')
  const fall = compileCalendar({ timeZone: 'America/New_York', weekly: [{ day: 7, start: '01:00', end: '03:00' }] })
  t.equal(businessSecondsBetween(fall, at('2026-11-01T00:00:00-04:00'), at('2026-11-02T00:00:00-05:00')), 3 * HOUR)
  t.equal(addBusinessSeconds(fall, at('2026-11-01T00:00:00-04:00'), 0), at('2026-11-01T01:00:00-04:00'), 'first 01:00')
  t.equal(addBusinessSeconds(fall, at('2026-11-01T00:00:00-04:00'), 3 * HOUR), at('2026-11-01T03:00:00-05:00'))
  // a boundary inside the skipped hour maps to the jump: 02:30–04:00 is 03:00–04:00 EDT
  const gap = compileCalendar({ timeZone: 'America/New_York', weekly: [{ day: 7, start: '02:30', end: '04:00' }] })
  t.equal(businessSecondsBetween(gap, at('2026-03-08T00:00:00-05:00'), at('2026-03-09T00:00:00-04:00')), HOUR)
  // an interval entirely inside the skipped hour does not exist that night
  const lost = compileCalendar({
    timeZone: 'America/New_York',
    weekly: [
      { day: 7, start: '02:10', end: '02:50' },
      { day: 1, start: '09:00', end: '10:00' },
    ],
  })
  t.equal(businessSecondsBetween(lost, at('2026-03-08T00:00:00-05:00'), at('2026-03-09T00:00:00-04:00')), 0)
  t.equal(addBusinessSeconds(lost, at('2026-03-08T00:00:00-05:00'), 60), at('2026-03-09T09:01:00-04:00'))
})

t.test('a zone with a midnight transition (America/Santiago) and a half-hour zone', async (t) => {
  // Chile: 2026-04-05 00:00 -03 → 2026-04-04 23:00 -04 (fall back at midnight); 24x7 still counts real time
  const cl = compileCalendar(twentyFourSeven('America/Santiago'))
  t.equal(businessSecondsBetween(cl, at('2026-04-03T00:00:00-03:00'), at('2026-04-06T00:00:00-04:00')), 73 * HOUR)
  const cl9 = compileCalendar(nineToSix('America/Santiago'))
  t.equal(businessSecondsBetween(cl9, at('2026-04-03T00:00:00-03:00'), at('2026-04-07T00:00:00-04:00')), 18 * HOUR)
  const nl = compileCalendar(nineToSix('America/St_Johns'))
  t.equal(addBusinessSeconds(nl, at('2026-03-06T17:30:00-03:30'), HOUR), at('2026-03-09T09:30:00-02:30'), 'NL springs forward Mar 8')
})

function addDay(ymd: string, n = 1): string {
  return new Date(Date.parse(`${ymd}T12:00:00Z`) + n * 86400000).toISOString().slice(0, 10)
}
