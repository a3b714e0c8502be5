// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
// SLA clocks at fixed instants. Europe/Sofia is +02:00 in winter, +03:00 in summer (from 2026-03-29 04:00).
import t from 'tap'
import { type BusinessCalendarSpec, compileCalendar, type IsoWeekday } from '../../src/lib/business-time/index.ts'
import {
  clockTarget,
  consumedAt,
  isBreached,
  meetClock,
  nextDueAt,
  nextSlaEventAt,
  pauseClock,
  reopenClock,
  resumeClock,
  retargetClock,
  startClock,
  stopClock,
} from '../../src/lib/sla-clock.ts'
import type { DuePolicy } from '../../src/lib/sla-due-times.ts'

process.env.TZ = 'America/Los_Angeles'

const at = (iso: string) => Date.parse(iso)
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

const weekdays = ([1, 2, 3, 4, 5] as IsoWeekday[]).map((day) => ({ day, start: '09:00', end: '18:00' }))
const sofia = compileCalendar({ timeZone: 'Europe/Sofia', weekly: weekdays } satisfies BusinessCalendarSpec)
const sofiaOther = compileCalendar({ timeZone: 'Europe/Sofia', weekly: weekdays.map((w) => ({ ...w, start: '10:00' })) })
const allDay = compileCalendar({ timeZone: 'Europe/Sofia', weekly: ([1, 2, 3, 4, 5, 6, 7] as IsoWeekday[]).map((day) => ({ day, start: '00:00', end: '24:00' })) })

const policy: DuePolicy = {
  targets: {
    normal: { firstResponse: { value: 60, unit: 'business_minutes' }, resolution: { value: 8, unit: 'business_hours' } },
    high: { firstResponse: { value: 30, unit: 'business_minutes' }, resolution: { value: 4, unit: 'business_hours' } },
    urgent: { firstResponse: { value: 15, unit: 'calendar_minutes' }, resolution: { value: 2, unit: 'business_days' } },
  },
  warning: { percent: 50 },
}
const FRIDAY_1759 = at('2026-01-16T17:59:00+02:00')

t.test('Friday 17:59 Sofia: one business minute on Friday, the rest on Monday', async (t) => {
  const c = startClock('first_response', clockTarget(policy, 'normal', 'first_response', sofia, FRIDAY_1759)!, sofia, FRIDAY_1759)
  t.equal(c.status, 'running')
  t.equal(c.targetSeconds, 3600)
  t.equal(iso(c.dueAt), '2026-01-19T07:59:00.000Z', 'Monday 09:59 Sofia')
  t.equal(iso(c.warnAt), '2026-01-19T07:29:00.000Z', 'half-way: Monday 09:29')
  t.equal(consumedAt(c, sofia, at('2026-01-19T09:10:00+02:00')), 60 + 600)
  t.equal(nextSlaEventAt([c]), c.warnAt)
  t.equal(nextDueAt([c]), c.dueAt)
})

t.test('a pause over a weekend keeps the consumed time; resuming continues from it', async (t) => {
  const start = at('2026-01-16T16:00:00+02:00') // Friday 16:00
  let c = startClock('resolution', clockTarget(policy, 'normal', 'resolution', sofia, start)!, sofia, start)
  t.equal(iso(c.dueAt), '2026-01-19T13:00:00.000Z', '8 h: 2 h Friday + 6 h Monday → Monday 15:00')
  c = pauseClock(c, sofia, at('2026-01-16T17:00:00+02:00'))
  t.equal(c.status, 'paused')
  t.equal(c.consumedSeconds, 3600)
  t.equal(c.dueAt, null, 'no due instant while paused')
  t.equal(nextSlaEventAt([c]), null)
  c = resumeClock(c, sofia, at('2026-01-19T11:00:00+02:00')) // Monday 11:00
  t.equal(c.status, 'running')
  t.equal(iso(c.dueAt), '2026-01-19T16:00:00.000Z', '7 h left from Monday 11:00 → Monday 18:00')
  c = meetClock(c, sofia, at('2026-01-19T12:00:00+02:00'))
  t.equal(c.status, 'met')
  t.equal(c.consumedSeconds, 3600 + 3600)
  t.notOk(isBreached(c, at('2026-01-20T00:00:00Z')))
})

t.test('a priority change mid-way applies the new target to the total consumed', async (t) => {
  const start = at('2026-01-19T09:00:00+02:00') // Monday
  let c = startClock('resolution', clockTarget(policy, 'normal', 'resolution', sofia, start)!, sofia, start)
  t.equal(iso(c.dueAt), '2026-01-19T15:00:00.000Z', '8 h: Monday 17:00')
  const now = at('2026-01-19T12:00:00+02:00') // 3 h consumed
  c = retargetClock(c, clockTarget(policy, 'high', 'resolution', sofia, now)!, sofia, sofia, now)
  t.equal(c.targetSeconds, 4 * 3600)
  t.equal(iso(c.dueAt), '2026-01-19T11:00:00.000Z', '4 h in total: Monday 13:00')
  t.equal(consumedAt(c, sofia, now), 3 * 3600)
  // Raised to a 30-minute first response after 3 h: overdue since before now.
  const fr = startClock('first_response', clockTarget(policy, 'normal', 'first_response', sofia, start)!, sofia, start)
  const tighter = retargetClock(fr, clockTarget(policy, 'high', 'first_response', sofia, now)!, sofia, sofia, now)
  t.equal(iso(tighter.dueAt), '2026-01-19T07:30:00.000Z', 'exact crossing instant within the running segment')
  t.ok(isBreached(tighter, now))
})

t.test('a policy change with another calendar folds the segment on the old calendar', async (t) => {
  const start = at('2026-01-19T09:00:00+02:00')
  let c = startClock('resolution', clockTarget(policy, 'normal', 'resolution', sofia, start)!, sofia, start)
  const now = at('2026-01-19T11:00:00+02:00')
  c = retargetClock(c, clockTarget(policy, 'normal', 'resolution', sofiaOther, now)!, sofia, sofiaOther, now)
  t.equal(c.consumedSeconds, 7200)
  t.equal(c.runningSince, now)
  t.equal(iso(c.dueAt), '2026-01-19T15:00:00.000Z', '6 h left from 11:00 on a 10–18 calendar → 17:00')
})

t.test('a paused clock re-targeted stays paused; due appears on resume', async (t) => {
  const start = at('2026-01-19T09:00:00+02:00')
  let c = pauseClock(startClock('resolution', clockTarget(policy, 'normal', 'resolution', sofia, start)!, sofia, start), sofia, at('2026-01-19T10:00:00+02:00'))
  c = retargetClock(c, clockTarget(policy, 'high', 'resolution', sofia, start)!, sofia, sofia, at('2026-01-19T11:00:00+02:00'))
  t.equal(c.status, 'paused')
  t.equal(c.dueAt, null)
  c = resumeClock(c, sofia, at('2026-01-19T14:00:00+02:00'))
  t.equal(iso(c.dueAt), '2026-01-19T15:00:00.000Z', '3 h left from 14:00 → 17:00')
})

t.test('a DST night: business seconds are real seconds on a 24/7 calendar', async (t) => {
  const start = at('2026-03-28T22:00:00+02:00') // Saturday 22:00, clocks go 03:00 → 04:00 that night
  const target = clockTarget({ targets: { normal: { resolution: { value: 8, unit: 'business_hours' } } } }, 'normal', 'resolution', allDay, start)!
  let c = startClock('resolution', target, allDay, start)
  t.equal(iso(c.dueAt), '2026-03-29T04:00:00.000Z', '8 real hours: Sunday 07:00 summer time')
  c = pauseClock(c, allDay, at('2026-03-29T05:00:00+03:00')) // 22:00 → 05:00 local is 6 real hours
  t.equal(c.consumedSeconds, 6 * 3600)
})

t.test('business days convert to business seconds at the start; calendar minutes ignore the calendar', async (t) => {
  const c = startClock('resolution', clockTarget(policy, 'urgent', 'resolution', sofia, FRIDAY_1759)!, sofia, FRIDAY_1759)
  t.equal(c.targetSeconds, 60 + 2 * 9 * 3600, 'the rest of Friday plus two working days')
  t.equal(iso(c.dueAt), '2026-01-20T16:00:00.000Z', 'end of Tuesday')
  const fr = startClock('first_response', clockTarget(policy, 'urgent', 'first_response', null, FRIDAY_1759)!, null, FRIDAY_1759)
  t.equal(fr.measure, 'calendar')
  t.equal(iso(fr.dueAt), '2026-01-16T16:14:00.000Z')
  t.equal(clockTarget(policy, 'low', 'resolution', sofia, FRIDAY_1759), null, 'no target for low')
})

t.test('stop, reopen, breach and the next event', async (t) => {
  const start = at('2026-01-19T09:00:00+02:00')
  let c = startClock('first_response', clockTarget(policy, 'high', 'first_response', sofia, start)!, sofia, start)
  const late = at('2026-01-19T10:00:00+02:00')
  t.ok(isBreached(c, late))
  t.equal(nextSlaEventAt([{ ...c, warnedForDueAt: c.dueAt }]), c.dueAt, 'a recorded warning no longer counts')
  t.equal(nextSlaEventAt([{ ...c, warnedForDueAt: c.dueAt, breachedForDueAt: c.dueAt }]), null)
  const met = meetClock(c, sofia, late)
  t.ok(isBreached(met, late), 'met after its due instant')
  c = stopClock(c, sofia, at('2026-01-19T09:10:00+02:00'))
  t.equal(c.status, 'stopped')
  t.equal(c.consumedSeconds, 600)
  t.same(meetClock(c, sofia, late), c, 'a stopped clock is not met')
  c = reopenClock(c, sofia, at('2026-01-19T11:00:00+02:00'))
  t.equal(c.status, 'running')
  t.equal(iso(c.dueAt), '2026-01-19T09:20:00.000Z', '20 minutes left from 11:00')
  const paused = reopenClock(stopClock(c, sofia, at('2026-01-19T11:05:00+02:00')), sofia, at('2026-01-19T12:00:00+02:00'), true)
  t.equal(paused.status, 'paused')
  t.equal(startClock('first_response', clockTarget(policy, 'high', 'first_response', sofia, start)!, sofia, start, true).dueAt, null)
})
