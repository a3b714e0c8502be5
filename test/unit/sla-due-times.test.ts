// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
// Hand-computed due times at fixed instants. Europe/Sofia is +02:00 in winter, +03:00 in summer.
import t from 'tap'
import { type BusinessCalendarSpec, businessSecondsBetween, compileCalendar, type IsoWeekday } from '../../src/lib/business-time/index.ts'
import { computeDueTimes, type DuePolicy, hasAnyTarget, needsCalendar } from '../../src/lib/sla-due-times.ts'

process.env.TZ = 'America/Los_Angeles'

const at = (iso: string): number => {
  if (!/(Z|[+-]\d\d:\d\d)$/.test(iso)) throw new Error(`bad fixture instant ${iso}`)
  return Date.parse(iso)
}
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())
const isoAll = (d: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(d).map(([k, v]) => [k, typeof v === 'number' ? iso(v) : isoAll(v as Record<string, unknown>)]))

const sofia: BusinessCalendarSpec = {
  timeZone: 'Europe/Sofia',
  weekly: ([1, 2, 3, 4, 5] as IsoWeekday[]).map((day) => ({ day, start: '09:00', end: '18:00' })),
  holidays: [{ date: '2026-03-03', name: 'Liberation Day' }],
}
const sofia247: BusinessCalendarSpec = {
  timeZone: 'Europe/Sofia',
  weekly: ([1, 2, 3, 4, 5, 6, 7] as IsoWeekday[]).map((day) => ({ day, start: '00:00', end: '24:00' })),
}

const FRIDAY_1759 = at('2026-01-16T17:59:00+02:00')

t.test('Friday 17:59 in Sofia: business minutes, hours, days and calendar minutes', async (t) => {
  const policy: DuePolicy = {
    targets: {
      high: {
        firstResponse: { value: 30, unit: 'business_minutes' },
        nextResponse: { value: 4, unit: 'business_hours' },
        resolution: { value: 2, unit: 'business_days' },
      },
      urgent: { firstResponse: { value: 60, unit: 'calendar_minutes' } },
    },
    warning: { percent: 50 },
  }
  t.same(isoAll({ ...computeDueTimes(policy, sofia, 'high', FRIDAY_1759) }), {
    // 1 minute on Friday, 29 on Monday from 09:00.
    firstResponseDueAt: '2026-01-19T07:29:00.000Z',
    // 1 minute on Friday, 3 h 59 on Monday.
    nextResponseDueAt: '2026-01-19T10:59:00.000Z',
    // the end of the second working day after Friday: Tuesday 18:00.
    resolutionDueAt: '2026-01-20T16:00:00.000Z',
    warnings: {
      // 900 business seconds: 60 on Friday, 840 on Monday → 09:14.
      firstResponseWarnAt: '2026-01-19T07:14:00.000Z',
      // 2 h: 1 minute Friday, 1 h 59 Monday → 10:59 local.
      nextResponseWarnAt: '2026-01-19T08:59:00.000Z',
      // half of 60 s + 2 × 9 h = 32 430 s: Friday's minute, then Monday 09:00 + 8 h 59 m 30 s.
      resolutionWarnAt: '2026-01-19T15:59:30.000Z',
    },
  })
  t.same(isoAll({ ...computeDueTimes(policy, sofia, 'urgent', FRIDAY_1759) }), {
    firstResponseDueAt: '2026-01-16T16:59:00.000Z',
    warnings: { firstResponseWarnAt: '2026-01-16T16:29:00.000Z' },
  })
  t.same(computeDueTimes(policy, sofia, 'low', FRIDAY_1759), { warnings: {} }, 'no targets for the priority → nothing due')
  t.same(computeDueTimes({ targets: policy.targets }, sofia, 'high', FRIDAY_1759).warnings, {}, 'no warning threshold → no warnings')
})

t.test('minutesBefore is measured in business time', async (t) => {
  const policy = (minutesBefore: number): DuePolicy => ({
    targets: { normal: { firstResponse: { value: 30, unit: 'business_minutes' }, resolution: { value: 60, unit: 'calendar_minutes' } } },
    warning: { minutesBefore },
  })
  const cal = compileCalendar(sofia)
  const ten = computeDueTimes(policy(10), cal, 'normal', FRIDAY_1759)
  t.equal(iso(ten.warnings.firstResponseWarnAt), '2026-01-19T07:19:00.000Z', 'Monday 09:19, 10 business minutes before 09:29')
  t.equal(businessSecondsBetween(cal, ten.warnings.firstResponseWarnAt!, ten.firstResponseDueAt!), 600)
  t.equal(iso(ten.warnings.resolutionWarnAt), '2026-01-16T16:49:00.000Z', 'calendar target: plain subtraction')
  // 29 minutes before Monday 09:29 is the end of Friday's working day (the earlier equivalent instant).
  const end = computeDueTimes(policy(29), cal, 'normal', FRIDAY_1759)
  t.equal(iso(end.warnings.firstResponseWarnAt), '2026-01-16T16:00:00.000Z')
  t.equal(businessSecondsBetween(cal, end.warnings.firstResponseWarnAt!, end.firstResponseDueAt!), 29 * 60)
  // A warning longer than the target fires at the start (business start for business targets).
  const all = computeDueTimes(policy(500), cal, 'normal', FRIDAY_1759)
  t.equal(all.warnings.firstResponseWarnAt, FRIDAY_1759)
  t.equal(all.warnings.resolutionWarnAt, FRIDAY_1759)
  const saturday = computeDueTimes(policy(500), cal, 'normal', at('2026-01-17T11:00:00+02:00'))
  t.equal(iso(saturday.warnings.firstResponseWarnAt), '2026-01-19T07:00:00.000Z', 'Monday 09:00')
})

t.test('a holiday is skipped', async (t) => {
  const policy: DuePolicy = {
    targets: { normal: { firstResponse: { value: 2, unit: 'business_hours' }, resolution: { value: 1, unit: 'business_days' } } },
  }
  const d = computeDueTimes(policy, sofia, 'normal', at('2026-03-02T17:00:00+02:00'))
  t.equal(iso(d.firstResponseDueAt), '2026-03-04T08:00:00.000Z', 'Mon 1 h, Tue holiday, Wed 09:00 + 1 h')
  t.equal(iso(d.resolutionDueAt), '2026-03-04T16:00:00.000Z', 'the next working day after Monday is Wednesday')
})

t.test('DST night (Sofia springs forward 2026-03-29 03:00 → 04:00) on a 24x7 calendar', async (t) => {
  const policy: DuePolicy = {
    targets: {
      urgent: { firstResponse: { value: 2, unit: 'business_hours' }, nextResponse: { value: 120, unit: 'calendar_minutes' }, resolution: { value: 1, unit: 'business_days' } },
    },
    warning: { percent: 50 },
  }
  const night = computeDueTimes(policy, sofia247, 'urgent', at('2026-03-29T02:30:00+02:00'))
  t.equal(iso(night.firstResponseDueAt), '2026-03-29T02:30:00.000Z', '05:30 summer time: two real hours')
  t.equal(night.firstResponseDueAt, night.nextResponseDueAt, 'a 24x7 calendar counts real time, like calendar minutes')
  t.equal(iso(night.resolutionDueAt), '2026-03-30T21:00:00.000Z', 'the end of Monday (the next day) in summer time')
  const sat = computeDueTimes(policy, sofia247, 'urgent', at('2026-03-28T12:00:00+02:00'))
  t.equal(iso(sat.resolutionDueAt), '2026-03-29T21:00:00.000Z', 'end of the 23-hour Sunday')
  // 12 h of Saturday + 23 h of Sunday = 35 h; half is 17.5 real hours after the start.
  t.equal(iso(sat.warnings.resolutionWarnAt), '2026-03-29T03:30:00.000Z')
})

t.test('helpers and misuse', async (t) => {
  t.equal(needsCalendar({ low: { resolution: { value: 5, unit: 'calendar_minutes' } } }), false)
  t.equal(needsCalendar({ low: { resolution: { value: 5, unit: 'calendar_minutes' } }, high: { firstResponse: { value: 1, unit: 'business_days' } } }), true)
  t.equal(hasAnyTarget({}), false)
  t.equal(hasAnyTarget({ low: {} }), false)
  t.equal(hasAnyTarget({ low: { nextResponse: { value: 1, unit: 'business_minutes' } } }), true)
  t.throws(() => computeDueTimes({ targets: { low: { resolution: { value: 1, unit: 'business_hours' } } } }, null, 'low', 0), RangeError)
  t.same(computeDueTimes({ targets: { low: { resolution: { value: 1, unit: 'calendar_minutes' } } } }, null, 'low', new Date(0)), {
    resolutionDueAt: 60_000,
    warnings: {},
  })
})
