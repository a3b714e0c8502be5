// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
// Recurring-ticket schedules at fixed instants (expectations in UTC), DST in both directions, catch-up,
// validation messages, and fast-check properties with a minute-stepping cron reference.
import fc from 'fast-check'
import t from 'tap'
import { wallMs, zoneFormatter } from '../../src/lib/business-time/zone.ts'
import {
  dueOccurrences,
  InvalidScheduleError,
  nextOccurrences,
  occurrencesBetween,
  type Schedule,
  type ScheduleIssue,
  validateSchedule,
} from '../../src/lib/recurrence.ts'
import { type CronRule, parseCron } from '../../src/lib/recurrence/cron.ts'

// The server's zone must not matter: run under an exotic one.
process.env.TZ = 'Pacific/Chatham'

const SOFIA = 'Europe/Sofia'
const NEW_YORK = 'America/New_York'

/** Parses an ISO instant WITH an explicit offset (never local time). */
const at = (iso: string): Date => {
  const d = new Date(iso)
  if (!/(Z|[+-]\d\d:\d\d)$/.test(iso) || Number.isNaN(d.getTime())) throw new Error(`bad fixture instant ${iso}`)
  return d
}
const iso = (ds: Date[]) => ds.map((d) => d.toISOString().replace(':00.000Z', 'Z'))
const cron = (expression: string, timeZone = 'UTC', extra: Partial<Schedule> = {}): Schedule => ({ kind: 'cron', expression, timeZone, ...extra })
const rrule = (expression: string, startsAt: string, timeZone = 'UTC', extra: Partial<Schedule> = {}): Schedule => ({
  kind: 'rrule',
  expression,
  timeZone,
  startsAt,
  ...extra,
})

t.test('weekly Monday 09:00 Europe/Sofia keeps 09:00 local across both 2026 transitions', async (t) => {
  for (const s of [cron('0 9 * * MON', SOFIA), rrule('FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0', '2026-01-01T00:00', SOFIA)]) {
    t.same(iso(nextOccurrences(s, at('2026-03-20T00:00Z'), 3)), ['2026-03-23T07:00Z', '2026-03-30T06:00Z', '2026-04-06T06:00Z'], `${s.kind} spring`)
    t.same(iso(nextOccurrences(s, at('2026-10-16T00:00Z'), 3)), ['2026-10-19T06:00Z', '2026-10-26T07:00Z', '2026-11-02T07:00Z'], `${s.kind} autumn`)
  }
  const plain = rrule('FREQ=WEEKLY', '2026-03-23T09:00', SOFIA)
  t.same(iso(nextOccurrences(plain, at('2026-03-01T00:00Z'), 2)), ['2026-03-23T07:00Z', '2026-03-30T06:00Z'], 'weekday and time default from DTSTART')
  const fortnightly = rrule('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH', '2026-03-02T09:00', SOFIA)
  t.same(
    iso(nextOccurrences(fortnightly, at('2026-03-10T00:00Z'), 4)),
    ['2026-03-16T07:00Z', '2026-03-19T07:00Z', '2026-03-30T06:00Z', '2026-04-02T06:00Z'],
    'INTERVAL counts weeks from the week of DTSTART, also when evaluation starts later',
  )
})

t.test('daily 02:30 America/New_York: the skipped time runs once at 03:00 EDT on 2026-03-08', async (t) => {
  for (const s of [cron('30 2 * * *', NEW_YORK), rrule('FREQ=DAILY', '2026-03-01T02:30', NEW_YORK)]) {
    t.same(iso(nextOccurrences(s, at('2026-03-07T00:00Z'), 3)), ['2026-03-07T07:30Z', '2026-03-08T07:00Z', '2026-03-09T06:30Z'], s.kind)
    t.same(iso(nextOccurrences(s, at('2026-03-08T07:00Z'), 1)), ['2026-03-09T06:30Z'], `${s.kind}: strictly after`)
  }
  const gapTimes = cron('0,30 2-3 * * *', NEW_YORK)
  t.same(
    iso(occurrencesBetween(gapTimes, at('2026-03-08T00:00Z'), at('2026-03-08T12:00Z'), 10)),
    ['2026-03-08T07:00Z', '2026-03-08T07:30Z'],
    '02:00, 02:30 and 03:00 collapse onto 03:00 EDT: once',
  )
  const dailyCount = rrule('FREQ=DAILY;BYHOUR=2,3;BYMINUTE=0;COUNT=4', '2026-03-07T00:00', NEW_YORK)
  t.same(
    iso(nextOccurrences(dailyCount, at('2026-03-01T00:00Z'), 10)),
    ['2026-03-07T07:00Z', '2026-03-07T08:00Z', '2026-03-08T07:00Z', '2026-03-09T06:00Z'],
    'a collapsed pair counts once towards COUNT',
  )
})

t.test('daily 01:30 America/New_York: the repeated time runs once (EDT) on 2026-11-01', async (t) => {
  for (const s of [cron('30 1 * * *', NEW_YORK), rrule('FREQ=DAILY;BYHOUR=1;BYMINUTE=30', '2026-10-01T00:00', NEW_YORK)]) {
    t.same(iso(nextOccurrences(s, at('2026-10-31T00:00Z'), 3)), ['2026-10-31T05:30Z', '2026-11-01T05:30Z', '2026-11-02T06:30Z'], s.kind)
    t.same(iso(nextOccurrences(s, at('2026-11-01T05:30Z'), 1)), ['2026-11-02T06:30Z'], `${s.kind}: not again at 01:30 EST`)
    t.same(iso(nextOccurrences(s, at('2026-11-01T06:10Z'), 1)), ['2026-11-02T06:30Z'], `${s.kind}: from inside the repeated hour`)
  }
  t.same(
    iso(occurrencesBetween(cron('*/30 1 * * *', NEW_YORK), at('2026-11-01T04:00Z'), at('2026-11-01T12:00Z'), 10)),
    ['2026-11-01T05:00Z', '2026-11-01T05:30Z'],
    'every 30 minutes in hour 1: the second 01:xx hour adds nothing',
  )
})

t.test('monthly last Friday, and the 31st (skips short months, RFC 5545 §3.3.10)', async (t) => {
  const lastFriday = rrule('FREQ=MONTHLY;BYDAY=-1FR', '2026-01-01T10:00', SOFIA)
  t.same(
    iso(nextOccurrences(lastFriday, at('2026-01-01T00:00Z'), 6)),
    ['2026-01-30T08:00Z', '2026-02-27T08:00Z', '2026-03-27T08:00Z', '2026-04-24T07:00Z', '2026-05-29T07:00Z', '2026-06-26T07:00Z'],
  )
  t.same(
    iso(nextOccurrences(rrule('FREQ=MONTHLY;BYDAY=1MO,-1MO;BYHOUR=9;BYMINUTE=0', '2026-04-01T00:00'), at('2026-04-01T00:00Z'), 4)),
    ['2026-04-06T09:00Z', '2026-04-27T09:00Z', '2026-05-04T09:00Z', '2026-05-25T09:00Z'],
    'first and last Monday',
  )
  const expected31 = ['2026-01-31T08:00Z', '2026-03-31T07:00Z', '2026-05-31T07:00Z', '2026-07-31T07:00Z', '2026-08-31T07:00Z', '2026-10-31T08:00Z']
  t.same(iso(nextOccurrences(rrule('FREQ=MONTHLY;BYMONTHDAY=31', '2026-01-31T10:00', SOFIA), at('2026-01-01T00:00Z'), 6)), expected31)
  t.same(iso(nextOccurrences(rrule('FREQ=MONTHLY', '2026-01-31T10:00', SOFIA), at('2026-01-01T00:00Z'), 6)), expected31, 'day from DTSTART')
  t.same(iso(nextOccurrences(cron('0 10 31 * *', SOFIA), at('2026-01-01T00:00Z'), 6)), expected31, 'cron alike')
  t.same(
    iso(nextOccurrences(rrule('FREQ=MONTHLY;BYMONTHDAY=-1', '2026-01-31T10:00', SOFIA), at('2026-01-01T00:00Z'), 3)),
    ['2026-01-31T08:00Z', '2026-02-28T08:00Z', '2026-03-31T07:00Z'],
    'BYMONTHDAY=-1 is the way to say "last day of every month"',
  )
  t.same(
    iso(nextOccurrences(rrule('FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15;BYMONTH=1,2,4,7', '2026-01-01T08:00'), at('2026-01-01T00:00Z'), 4)),
    ['2026-01-15T08:00Z', '2026-04-15T08:00Z', '2026-07-15T08:00Z', '2027-01-15T08:00Z'],
    'BYMONTH limits a quarterly rule',
  )
})

t.test('yearly on 29 February: leap years only', async (t) => {
  const expected = ['2024-02-29T07:00Z', '2028-02-29T07:00Z', '2032-02-29T07:00Z']
  t.same(iso(nextOccurrences(rrule('FREQ=YEARLY', '2024-02-29T09:00', SOFIA), at('2024-01-01T00:00Z'), 3)), expected)
  t.same(iso(nextOccurrences(cron('0 9 29 2 *', SOFIA), at('2024-01-01T00:00Z'), 3)), expected, 'cron alike')
  t.same(
    iso(nextOccurrences(rrule('FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;BYHOUR=12;BYMINUTE=0', '2026-01-01T00:00', NEW_YORK), at('2026-01-01T00:00Z'), 2)),
    ['2026-11-26T17:00Z', '2027-11-25T17:00Z'],
    'fourth Thursday of November (ordinal within BYMONTH)',
  )
  t.same(
    iso(nextOccurrences(rrule('FREQ=YEARLY;BYDAY=1MO,-1FR', '2026-01-01T09:00'), at('2026-01-01T00:00Z'), 3)),
    ['2026-01-05T09:00Z', '2026-12-25T09:00Z', '2027-01-04T09:00Z'],
    'without BYMONTH, ordinals count within the year',
  )
})

t.test('COUNT and UNTIL', async (t) => {
  const count = rrule('FREQ=DAILY;COUNT=3', '2026-03-01T09:00', SOFIA)
  t.same(iso(nextOccurrences(count, at('2026-01-01T00:00Z'), 10)), ['2026-03-01T07:00Z', '2026-03-02T07:00Z', '2026-03-03T07:00Z'])
  t.same(iso(nextOccurrences(count, at('2026-03-02T07:00Z'), 10)), ['2026-03-03T07:00Z'], 'COUNT is counted from DTSTART, not from `after`')
  t.same(nextOccurrences(count, at('2026-03-03T07:00Z'), 10), [], 'exhausted')

  const local = rrule('FREQ=DAILY;UNTIL=20260305T090000', '2026-03-01T09:00', SOFIA)
  t.equal(nextOccurrences(local, at('2026-01-01T00:00Z'), 10).length, 5, 'local UNTIL is inclusive')
  const utc = rrule('FREQ=DAILY;UNTIL=20260305T065959Z', '2026-03-01T09:00', SOFIA)
  t.same(iso(nextOccurrences(utc, at('2026-01-01T00:00Z'), 10)).at(-1), '2026-03-04T07:00Z', 'UTC UNTIL one second before the 5th')
  const date = rrule('FREQ=DAILY;UNTIL=20260305', '2026-03-01T23:30', SOFIA)
  t.same(iso(nextOccurrences(date, at('2026-01-01T00:00Z'), 10)).at(-1), '2026-03-05T21:30Z', 'a date UNTIL includes its whole local day')
  const ends = rrule('FREQ=DAILY', '2026-03-01T09:00', SOFIA, { endsAt: '2026-03-02T09:00' })
  t.equal(nextOccurrences(ends, at('2026-01-01T00:00Z'), 10).length, 2, 'endsAt is inclusive too')
  const starts = cron('0 9 * * *', SOFIA, { startsAt: '2026-03-02T07:00:00Z', endsAt: '2026-03-03T09:00' })
  t.same(iso(nextOccurrences(starts, at('2026-01-01T00:00Z'), 10)), ['2026-03-02T07:00Z', '2026-03-03T07:00Z'], 'cron bounds, startsAt inclusive')
})

t.test('cron: */15 9-17 * * 1-5, names, macros, day-of-week 7', async (t) => {
  const office = cron('*/15 9-17 * * 1-5', SOFIA)
  t.same(
    iso(nextOccurrences(office, at('2026-03-27T15:40Z'), 3)),
    ['2026-03-27T15:45Z', '2026-03-30T06:00Z', '2026-03-30T06:15Z'],
    'Friday 17:45 EET, then Monday 09:00 EEST (over the DST weekend)',
  )
  const monday = occurrencesBetween(office, at('2026-03-29T21:00Z'), at('2026-03-30T21:00Z'), 100)
  t.equal(monday.length, 36)
  t.same(iso([monday[0]!, monday.at(-1)!]), ['2026-03-30T06:00Z', '2026-03-30T14:45Z'])
  t.same(iso(nextOccurrences(cron('0 9 * jan-mar mon-fri'), at('2026-03-31T10:00Z'), 1)), ['2027-01-01T09:00Z'], 'names, case-insensitive')
  t.same(iso(nextOccurrences(cron('0 12 * * 7'), at('2026-03-02T00:00Z'), 1)), ['2026-03-08T12:00Z'], '7 is Sunday')
  t.same(iso(nextOccurrences(cron('0 12 * * 5-7'), at('2026-03-02T00:00Z'), 3)), ['2026-03-06T12:00Z', '2026-03-07T12:00Z', '2026-03-08T12:00Z'])
  t.same(iso(nextOccurrences(cron('@daily', SOFIA), at('2026-03-02T00:00Z'), 1)), ['2026-03-02T22:00Z'], '@daily is local midnight')
  t.same(iso(nextOccurrences(cron('5/20 * * * *'), at('2026-03-02T00:00Z'), 4)), ['2026-03-02T00:05Z', '2026-03-02T00:25Z', '2026-03-02T00:45Z', '2026-03-02T01:05Z'])
})

t.test('cron day-of-month and day-of-week: OR when both are restricted, AND when one starts with * (Vixie)', async (t) => {
  t.same(
    iso(nextOccurrences(cron('0 9 13 * FRI'), at('2026-04-01T00:00Z'), 6)),
    ['2026-04-03T09:00Z', '2026-04-10T09:00Z', '2026-04-13T09:00Z', '2026-04-17T09:00Z', '2026-04-24T09:00Z', '2026-05-01T09:00Z'],
    'the 13th (a Monday) or any Friday',
  )
  t.same(
    iso(nextOccurrences(cron('0 9 */10 * FRI'), at('2026-01-01T00:00Z'), 3)),
    ['2026-05-01T09:00Z', '2026-07-31T09:00Z', '2026-08-21T09:00Z'],
    '*/10 starts with *: days 1, 11, 21, 31 that are Fridays',
  )
  t.same(iso(nextOccurrences(cron('0 9 * * FRI'), at('2026-04-01T00:00Z'), 1)), ['2026-04-03T09:00Z'])
})

t.test('occurrencesBetween: from exclusive, to inclusive, limited', async (t) => {
  const hourly = cron('0 * * * *')
  t.same(iso(occurrencesBetween(hourly, at('2026-03-02T01:00Z'), at('2026-03-02T03:00Z'), 10)), ['2026-03-02T02:00Z', '2026-03-02T03:00Z'])
  t.same(iso(occurrencesBetween(hourly, at('2026-03-02T01:00Z'), at('2026-03-02T09:00Z'), 2)), ['2026-03-02T02:00Z', '2026-03-02T03:00Z'])
  t.same(occurrencesBetween(hourly, at('2026-03-02T03:00Z'), at('2026-03-02T01:00Z'), 10), [], 'empty when to < from')
})

t.test('dueOccurrences: catch-up each vs latest, with a cap', async (t) => {
  const hourly = cron('0 * * * *')
  const last = at('2026-03-02T00:30Z')
  const now = at('2026-03-02T05:10Z')
  t.same(iso(dueOccurrences(hourly, last, now, 'each', 10)), ['2026-03-02T01:00Z', '2026-03-02T02:00Z', '2026-03-02T03:00Z', '2026-03-02T04:00Z', '2026-03-02T05:00Z'])
  const page1 = dueOccurrences(hourly, last, now, 'each', 3)
  t.same(iso(page1), ['2026-03-02T01:00Z', '2026-03-02T02:00Z', '2026-03-02T03:00Z'], 'the OLDEST `cap`: a page')
  t.same(iso(dueOccurrences(hourly, page1.at(-1)!, now, 'each', 3)), ['2026-03-02T04:00Z', '2026-03-02T05:00Z'], 'the next page continues after the last one created')
  t.same(iso(dueOccurrences(hourly, last, now, 'latest', 10)), ['2026-03-02T05:00Z'])
  t.same(dueOccurrences(hourly, now, now, 'each', 10), [], 'a rerun at the same tick creates nothing')
  t.same(dueOccurrences(hourly, now, at('2026-03-02T04:00Z'), 'each', 10), [], 'clock moved back')
  t.same(iso(dueOccurrences(hourly, at('2026-03-02T04:59:59Z'), at('2026-03-02T05:00Z'), 'each', 10)), ['2026-03-02T05:00Z'], 'now is inclusive')

  const daily = rrule('FREQ=DAILY;BYHOUR=9;BYMINUTE=0', '2023-01-01T00:00', SOFIA)
  t.same(
    iso(dueOccurrences(daily, at('2023-01-10T00:00Z'), at('2026-03-02T08:00Z'), 'each', 2)),
    ['2023-01-10T07:00Z', '2023-01-11T07:00Z'],
    'three years down: the oldest two first, nothing dropped',
  )
  let cursor: Date = at('2023-01-10T00:00Z')
  let pages = 0
  let total = 0
  for (let page = dueOccurrences(daily, cursor, at('2026-03-02T08:00Z'), 'each', 500); page.length; page = dueOccurrences(daily, cursor, at('2026-03-02T08:00Z'), 'each', 500)) {
    pages++
    total += page.length
    cursor = page.at(-1)!
  }
  t.equal(total, 1148, 'paging through three years yields every daily occurrence once (10 Jan 2023 … 2 Mar 2026)')
  t.equal(pages, 3)
  t.same(iso([cursor]), ['2026-03-02T07:00Z'])
  t.same(iso(dueOccurrences(daily, at('2023-01-10T00:00Z'), at('2026-03-02T06:00Z'), 'latest', 1)), ['2026-03-01T07:00Z'])
  const yearly = rrule('FREQ=YEARLY', '2024-02-29T09:00', SOFIA)
  t.same(iso(dueOccurrences(yearly, at('2024-03-01T00:00Z'), at('2035-01-01T00:00Z'), 'latest', 1)), ['2032-02-29T07:00Z'], 'sparse: looks back far enough')
  const counted = rrule('FREQ=DAILY;COUNT=5', '2026-03-01T09:00', SOFIA)
  t.same(iso(dueOccurrences(counted, null, at('2026-04-01T00:00Z'), 'latest', 1)), ['2026-03-05T07:00Z'])
})

t.test('dueOccurrences on the first run starts at startsAt, not at the epoch', async (t) => {
  const s = cron('0 9 * * *', 'UTC', { startsAt: '2026-03-02T09:00:00Z' })
  t.same(iso(dueOccurrences(s, null, at('2026-03-04T10:00Z'), 'each', 10)), ['2026-03-02T09:00Z', '2026-03-03T09:00Z', '2026-03-04T09:00Z'], 'startsAt itself included')
  t.same(iso(dueOccurrences(s, null, at('2026-03-04T10:00Z'), 'latest', 10)), ['2026-03-04T09:00Z'])
  t.same(dueOccurrences(s, null, at('2026-03-02T08:00Z'), 'each', 10), [], 'not started yet')
  t.same(dueOccurrences(cron('0 9 * * *'), null, at('2026-03-04T10:00Z'), 'each', 10), [], 'no startsAt: nothing was missed')
  const r = rrule('FREQ=WEEKLY;BYDAY=MO', '2026-03-02T09:00', SOFIA)
  t.same(iso(dueOccurrences(r, null, at('2026-03-10T00:00Z'), 'each', 10)), ['2026-03-02T07:00Z', '2026-03-09T07:00Z'])
})

t.test('invalid schedules: every problem, with its field and a precise message', async (t) => {
  const cases: Array<[string, Schedule, ScheduleIssue[]]> = [
    ['unknown zone', cron('0 9 * * *', 'Europe/Atlantis'), [{ field: 'timeZone', message: "unknown IANA time zone 'Europe/Atlantis'" }]],
    ['empty expression', cron('  '), [{ field: 'expression', message: 'must not be empty' }]],
    ['bad kind', { kind: 'ical' as never, expression: 'x', timeZone: 'UTC' }, [{ field: 'kind', message: "must be 'cron' or 'rrule'" }]],
    [
      'field count',
      cron('0 0 9 * * *'),
      [{ field: 'expression', message: 'expected 5 fields (minute hour day-of-month month day-of-week), got 6; seconds and year fields are not supported' }],
    ],
    [
      'several bad fields',
      cron('61 * * 13 FOO'),
      [
        { field: 'expression', message: "minute field '61': value 61 is out of range 0-59" },
        { field: 'expression', message: "month field '13': value 13 is out of range 1-12" },
        { field: 'expression', message: "day-of-week field 'FOO': 'FOO' is not a number or a name (SUN-SAT)" },
      ],
    ],
    ['reversed range', cron('0 17-9 * * *'), [{ field: 'expression', message: "hour field '17-9': range 17-9 is reversed (wrap-around ranges are not supported)" }]],
    ['step 0', cron('*/0 * * * *'), [{ field: 'expression', message: "minute field '*/0': step '0' must be a positive integer" }]],
    ['day-of-month 0', cron('0 9 0 * *'), [{ field: 'expression', message: "day-of-month field '0': value 0 is out of range 1-31" }]],
    ['Quartz', cron('0 9 ? * MON'), [{ field: 'expression', message: "day-of-month field '?': Quartz extensions ('?', 'L', 'W', '#') are not supported" }]],
    ['Quartz L', cron('0 9 L * *'), [{ field: 'expression', message: "day-of-month field 'L': Quartz extensions ('?', 'L', 'W', '#') are not supported" }]],
    ['macro', cron('@reboot'), [{ field: 'expression', message: "unknown macro '@reboot' (supported: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)" }]],
    ['never', cron('0 0 31 4 *'), [{ field: 'expression', message: 'never occurs (e.g. a day that does not exist in the chosen months)' }]],
    [
      'unsupported parts',
      rrule('FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO', '2026-01-01T09:00'),
      [{ field: 'expression', message: 'BYSETPOS is not supported (supported parts: FREQ, INTERVAL, COUNT, UNTIL, BYMONTH, BYMONTHDAY, BYDAY, BYHOUR, BYMINUTE, WKST)' }],
    ],
    ...['BYWEEKNO=1', 'BYYEARDAY=100', 'BYSECOND=0'].map((p): [string, Schedule, ScheduleIssue[]] => [
      p,
      rrule(`FREQ=YEARLY;${p}`, '2026-01-01T09:00'),
      [{ field: 'expression', message: `${p.split('=')[0]} is not supported (supported parts: FREQ, INTERVAL, COUNT, UNTIL, BYMONTH, BYMONTHDAY, BYDAY, BYHOUR, BYMINUTE, WKST)` }],
    ]),
    ['hourly', rrule('FREQ=HOURLY', '2026-01-01T09:00'), [{ field: 'expression', message: 'FREQ=HOURLY is not supported (use FREQ=DAILY with BYHOUR/BYMINUTE, or a cron expression)' }]],
    ['no FREQ', rrule('INTERVAL=2', '2026-01-01T09:00'), [{ field: 'expression', message: 'FREQ is required (DAILY, WEEKLY, MONTHLY or YEARLY)' }]],
    ['unknown part', rrule('FREQ=DAILY;FOO=1', '2026-01-01T09:00'), [{ field: 'expression', message: "unknown RRULE part 'FOO' (supported parts: FREQ, INTERVAL, COUNT, UNTIL, BYMONTH, BYMONTHDAY, BYDAY, BYHOUR, BYMINUTE, WKST)" }]],
    ['COUNT and UNTIL', rrule('FREQ=DAILY;COUNT=2;UNTIL=20270101', '2026-01-01T09:00'), [{ field: 'expression', message: 'COUNT and UNTIL must not both be given (RFC 5545)' }]],
    ['ordinal with WEEKLY', rrule('FREQ=WEEKLY;BYDAY=1MO', '2026-01-01T09:00'), [{ field: 'expression', message: 'BYDAY: ordinals (e.g. 1MO) are only allowed with FREQ=MONTHLY or YEARLY, not WEEKLY' }]],
    ['bad BYDAY', rrule('FREQ=MONTHLY;BYDAY=0MO', '2026-01-01T09:00'), [{ field: 'expression', message: "BYDAY: '0MO' must be a weekday MO..SU, optionally with an ordinal 1..53 or -53..-1 (e.g. 1MO, -1FR)" }]],
    ['BYMONTHDAY 0', rrule('FREQ=MONTHLY;BYMONTHDAY=0', '2026-01-01T09:00'), [{ field: 'expression', message: "BYMONTHDAY: '0' must be an integer in 1..31 or -31..-1" }]],
    ['BYHOUR 24', rrule('FREQ=DAILY;BYHOUR=24', '2026-01-01T09:00'), [{ field: 'expression', message: "BYHOUR: '24' must be an integer in 0..23" }]],
    ['BYMONTHDAY weekly', rrule('FREQ=WEEKLY;BYMONTHDAY=1', '2026-01-01T09:00'), [{ field: 'expression', message: 'BYMONTHDAY is not allowed with FREQ=WEEKLY (RFC 5545)' }]],
    ['DTSTART inside', rrule('DTSTART:20260101T090000\nRRULE:FREQ=DAILY', '2026-01-01T09:00'), [{ field: 'expression', message: 'only the RRULE value belongs here; DTSTART is given as startsAt' }]],
    ['UNTIL shape', rrule('FREQ=DAILY;UNTIL=2026-12-31', '2026-01-01T09:00'), [{ field: 'expression', message: "UNTIL: '2026-12-31' must be a date YYYYMMDD, a local date-time YYYYMMDDTHHMMSS or a UTC date-time YYYYMMDDTHHMMSSZ" }]],
    ['UNTIL before start', rrule('FREQ=DAILY;UNTIL=20251231', '2026-01-01T09:00'), [{ field: 'expression', message: 'UNTIL is before startsAt (2026-01-01T09:00)' }]],
    ['INTERVAL 0', rrule('FREQ=DAILY;INTERVAL=0', '2026-01-01T09:00'), [{ field: 'expression', message: "INTERVAL: '0' must be an integer in 1..1000" }]],
    ['RRULE without start', { kind: 'rrule', expression: 'FREQ=DAILY', timeZone: 'UTC' }, [{ field: 'startsAt', message: 'is required for an RRULE (it is the DTSTART)' }]],
    [
      'end before start',
      cron('0 9 * * *', SOFIA, { startsAt: '2026-03-02T09:00', endsAt: '2026-03-01T09:00' }),
      [{ field: 'endsAt', message: 'must not be before startsAt (2026-03-02T09:00)' }],
    ],
    [
      'bad startsAt',
      cron('0 9 * * *', SOFIA, { startsAt: '2026-02-30T09:00', endsAt: 'tomorrow' }),
      [
        { field: 'startsAt', message: '2026-02-30T09:00: not a real date and time' },
        { field: 'endsAt', message: "must be an ISO date-time, either local to timeZone ('2026-03-02T09:00') or with an offset ('2026-03-02T07:00:00Z')" },
      ],
    ],
    ['year range', cron('0 9 * * *', 'UTC', { startsAt: '1969-12-31T09:00' }), [{ field: 'startsAt', message: 'year must be between 1970 and 2200' }]],
    ['no occurrence in bounds', cron('0 9 * * *', 'UTC', { startsAt: '2026-03-02T09:01', endsAt: '2026-03-02T10:00' }), [{ field: 'expression', message: 'never occurs between startsAt and endsAt (e.g. a day that does not exist in the chosen months)' }]],
  ]
  for (const [name, s, expected] of cases) t.same(validateSchedule(s), expected, name)
  t.same(validateSchedule(rrule('RRULE:freq=monthly;byday=-1fr', '2026-01-01T09:00')), [], 'prefix and lower case are accepted')
  t.same(validateSchedule(cron('*/15 9-17 * * 1-5', SOFIA)), [])

  t.throws(() => nextOccurrences(cron('0 25 * * *'), at('2026-01-01T00:00Z'), 1), InvalidScheduleError)
  t.throws(() => nextOccurrences(cron('0 9 * * *'), at('2026-01-01T00:00Z'), 101), RangeError, 'count at most 100')
  t.throws(() => dueOccurrences(cron('0 9 * * *'), null, at('2026-01-01T00:00Z'), 'each', 1.5), RangeError)
  t.same(nextOccurrences(cron('0 9 * * *'), at('2026-01-01T00:00Z'), 0), [])
  t.equal(nextOccurrences(cron('* * * * *'), at('2026-01-01T00:00Z'), 100).length, 100)
})

// ---- properties

/** Zones with their 2026 DST transitions (and two zones without DST, at an ordinary instant). */
const TRANSITIONS: Array<[string, string]> = [
  [NEW_YORK, '2026-03-08T07:00Z'],
  [NEW_YORK, '2026-11-01T06:00Z'],
  [SOFIA, '2026-03-29T01:00Z'],
  [SOFIA, '2026-10-25T01:00Z'],
  ['Australia/Lord_Howe', '2026-04-04T15:00Z'],
  ['Australia/Lord_Howe', '2026-10-03T15:30Z'],
  ['America/Santiago', '2026-04-05T03:00Z'],
  ['America/Santiago', '2026-09-06T04:00Z'],
  ['UTC', '2026-06-15T12:00Z'],
  ['Asia/Kolkata', '2026-06-15T12:00Z'],
]
/** A zone and an instant from 20 hours before one of its transitions to 4 hours after. */
const zoneAndInstant = fc
  .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -20 * 3_600_000, max: 4 * 3_600_000 }))
  .map(([[zone, when], d]): [string, number] => [zone, at(when).getTime() + d])

const num = (lo: number, hi: number) => fc.integer({ min: lo, max: hi })
const cronField = (lo: number, hi: number) =>
  fc.oneof(
    fc.constant('*'),
    num(lo, hi).map(String),
    fc.tuple(num(lo, hi), num(lo, hi)).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    num(1, Math.min(30, hi - lo + 1)).map((s) => `*/${s}`),
    fc.tuple(num(lo, hi), num(lo, hi), num(1, 7)).map(([a, b, s]) => `${Math.min(a, b)}-${Math.max(a, b)}/${s}`),
    fc.tuple(num(lo, hi), num(lo, hi)).map(([a, b]) => `${a},${b}`),
  )
const cronExpr = fc
  .tuple(cronField(0, 59), cronField(0, 23), cronField(1, 31), fc.oneof(fc.constant('*'), cronField(1, 12)), cronField(0, 7))
  .map((f) => f.join(' '))
const rruleExpr = fc
  .record({
    freq: fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'),
    interval: num(1, 3),
    byHour: fc.option(fc.uniqueArray(num(0, 23), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    byMinute: fc.option(fc.uniqueArray(num(0, 59), { minLength: 1, maxLength: 2 }), { nil: undefined }),
    byDay: fc.option(fc.uniqueArray(fc.constantFrom('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU', '1MO', '-1FR', '2TU'), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    byMonthDay: fc.option(fc.uniqueArray(fc.constantFrom(1, 15, 28, 29, 30, 31, -1, -2), { minLength: 1, maxLength: 2 }), { nil: undefined }),
    byMonth: fc.option(fc.uniqueArray(num(1, 12), { minLength: 1, maxLength: 4 }), { nil: undefined }),
  })
  .map((r) => {
    const parts = [`FREQ=${r.freq}`, `INTERVAL=${r.interval}`]
    if (r.byHour) parts.push(`BYHOUR=${r.byHour.join(',')}`)
    if (r.byMinute) parts.push(`BYMINUTE=${r.byMinute.join(',')}`)
    if (r.byDay) parts.push(`BYDAY=${r.byDay.filter((d) => r.freq === 'MONTHLY' || r.freq === 'YEARLY' || !/\d/.test(d)).join(',') || 'MO'}`)
    if (r.byMonthDay && r.freq !== 'WEEKLY') parts.push(`BYMONTHDAY=${r.byMonthDay.join(',')}`)
    if (r.byMonth) parts.push(`BYMONTH=${r.byMonth.join(',')}`)
    return parts.join(';')
  })
const localStart = fc
  .tuple(num(2024, 2026), num(1, 12), num(1, 28), num(0, 23), fc.constantFrom(0, 15, 30))
  .map(([y, m, d, h, mi]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}`)
const expression = fc.oneof(
  cronExpr.map((e) => (zone: string) => cron(e, zone)),
  fc.tuple(rruleExpr, localStart).map(([e, s]) => (zone: string) => rrule(e, s, zone)),
)

t.test('property: ascending, strictly after `after`, and each occurrence is found first from just before it', async (t) => {
  fc.assert(
    fc.property(expression, zoneAndInstant, (make, [zone, after]) => {
      const s = make(zone)
      fc.pre(validateSchedule(s).length === 0)
      const next = nextOccurrences(s, new Date(after), 8).map((d) => d.getTime())
      let prev = after
      for (const o of next) {
        if (!(o > prev)) return false
        prev = o
        if (nextOccurrences(s, new Date(o - 1), 1)[0]?.getTime() !== o) return false
      }
      const span = next.length > 0 ? occurrencesBetween(s, new Date(after), new Date(next.at(-1)!), 100).map((d) => d.getTime()) : []
      return span.join() === next.join()
    }),
    { numRuns: 300 },
  )
  t.pass('held')
})

/**
 * Independent cron reference: steps every minute instant, reading the local wall clock. An instant
 * fires when its wall time matches and was not shown earlier (fall-back), or when it is the first
 * instant after a gap and a skipped wall time matched (spring-forward).
 */
function referenceCron(rule: CronRule, timeZone: string, from: number, to: number): number[] {
  const fmt = zoneFormatter(timeZone)
  const matches = (w: number) => {
    const d = new Date(w)
    const dom = rule.daysOfMonth[d.getUTCDate()] === true
    const dow = rule.daysOfWeek[d.getUTCDay()] === true
    const day = rule.domStar || rule.dowStar ? dom && dow : dom || dow
    return rule.minutes.includes(d.getUTCMinutes()) && rule.hours.includes(d.getUTCHours()) && rule.months[d.getUTCMonth() + 1] === true && day
  }
  const out: number[] = []
  const first = Math.floor(from / 60_000) * 60_000 + 60_000
  // Walls shown in the two hours before the window: a repeated wall time has fired already.
  const seen = new Set<number>()
  for (let t = first - 120 * 60_000; t < first; t += 60_000) seen.add(wallMs(fmt, t))
  let prevWall = wallMs(fmt, first - 60_000)
  for (let t = first; t <= to; t += 60_000) {
    const w = wallMs(fmt, t)
    let fires = matches(w) && !seen.has(w)
    for (let s = prevWall + 60_000; !fires && s < w; s += 60_000) fires = matches(s)
    if (fires) out.push(t)
    seen.add(w)
    prevWall = w
  }
  return out
}

t.test('property: cron agrees with a minute-stepping reference around DST transitions', async (t) => {
  fc.assert(
    fc.property(cronExpr, zoneAndInstant, (e, [zone, from]) => {
      const rule = parseCron(e)
      fc.pre(!Array.isArray(rule) && validateSchedule(cron(e, zone)).length === 0)
      const to = from + 86_400_000
      const got = occurrencesBetween(cron(e, zone), new Date(from), new Date(to), 10_000).map((d) => d.getTime())
      return got.join() === referenceCron(rule as CronRule, zone, from, to).join()
    }),
    { numRuns: 80 },
  )
  t.pass('held')
})
