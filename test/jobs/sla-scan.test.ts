import { eq } from 'drizzle-orm'
import t from 'tap'
import { tickets } from '../../src/db/schema/index.ts'
import { scanSla } from '../../src/modules/automation/sla-scan.service.ts'
import { buildTestApp, fixedClock } from '../helpers/build-test-app.ts'
import { makeDesk } from '../helpers/desk.ts'

/** Sofia wall time to an instant: EET (+02) in winter, EEST (+03) from 29 March 2026. */
const sofia = (local: string) => new Date(`${local}${local < '2026-03-29T03:00' ? '+02:00' : '+03:00'}`)
const ms = (d: Date) => new Date(d.getTime() - 1)

t.test('sla-scan', async (t) => {
  const clock = fixedClock('2026-01-16T08:00:00Z')
  const ctx = await buildTestApp(t, { clock })
  const { deps } = ctx
  const desk = await makeDesk(ctx, clock)
  const scan = (at: Date) => scanSla(deps, at)
  const types = async (ticketId: string) => (await desk.events(ticketId, 'sla.')).filter((e) => e.type === 'sla.warning' || e.type === 'sla.breached').map((e) => `${e.type}:${e.field}`)
  const nextEvent = async (id: string) => (await deps.db.select({ at: tickets.nextSlaEventAt }).from(tickets).where(eq(tickets.id, id)))[0]!.at

  t.test('Friday 17:40 → the warning at Monday 09:10 and the breach at 09:40, each exactly once', async (t) => {
    const tk = await desk.ticket(sofia('2026-01-16T17:40'))
    t.same(tk.firstResponseDueAt, sofia('2026-01-19T09:40'), '20 business minutes on Friday, 40 on Monday')
    t.same(await nextEvent(tk.id), sofia('2026-01-19T09:10'), 'the next SLA event is the warning (50 %)')
    t.match(await scan(sofia('2026-01-16T17:59')), { warnings: 0, breaches: 0 })
    t.match(await scan(sofia('2026-01-19T09:00')), { warnings: 0, breaches: 0 }, 'Monday opening: nothing yet')
    await scan(ms(sofia('2026-01-19T09:10')))
    t.same(await types(tk.id), [], 'one millisecond early: nothing')
    t.match(await scan(sofia('2026-01-19T09:10')), { warnings: 1, breaches: 0 })
    t.same(await types(tk.id), ['sla.warning:first_response'])
    t.same(await nextEvent(tk.id), sofia('2026-01-19T09:40'), 'next: the due instant')
    t.match(await scan(sofia('2026-01-19T09:20')), { tickets: 0 }, 'nothing due: the index finds no ticket')
    t.match(await scan(sofia('2026-01-19T09:40')), { warnings: 0, breaches: 1 })
    t.match(await scan(sofia('2026-01-19T09:40')), { tickets: 0, warnings: 0, breaches: 0 }, 'a rerun of the tick does nothing')
    t.same(await types(tk.id), ['sla.warning:first_response', 'sla.breached:first_response'])
    const [warning, breach] = (await desk.events(tk.id, 'sla.')).filter((e) => e.type === 'sla.warning' || e.type === 'sla.breached')
    t.match(warning, { actor: 'system:sla-scan', new: { at: sofia('2026-01-19T09:10').toISOString(), dueAt: sofia('2026-01-19T09:40').toISOString(), consumedSeconds: 1800 } })
    t.match(breach, { new: { at: sofia('2026-01-19T09:40').toISOString(), breached: true, consumedSeconds: 3600 } })
    t.same(await nextEvent(tk.id), sofia('2026-01-19T16:40'), 'next: the resolution warning (8 of 16 business hours)')

    const notes = await desk.notifications(tk.id, 'sla.')
    t.match(notes, [
      { event: 'sla.warning', clock: 'first_response', dueAt: sofia('2026-01-19T09:40').toISOString(), notify: { agentIds: [], teamIds: [desk.team.id], managerIds: [desk.manager.id], customer: false } },
      { event: 'sla.breached', clock: 'first_response', notify: { teamIds: [desk.team.id], managerIds: [desk.manager.id], customer: false } },
    ])
    t.equal(notes.length, 2)

    const sla = await ctx.as(await ctx.adminToken(), { method: 'GET', url: `/v1/tickets/${tk.id}/sla` })
    const timeline = sla.json().clocks.find((c: { kind: string }) => c.kind === 'first_response').timeline
    t.match(timeline.map((e: { event: string }) => e.event), ['started', 'warning', 'breached'], 'the /sla timeline shows them')
  })

  t.test('the assignee is notified instead of the team; the customer on a breach when the contract asks', async (t) => {
    const asking = await makeDesk(ctx, clock, { notifyCustomer: true })
    const tk = await asking.ticket(sofia('2026-01-19T10:00'))
    await asking.patch(tk.id, sofia('2026-01-19T10:05'), { assigneeId: asking.ana.id })
    await scan(sofia('2026-01-19T11:00'))
    t.match(await asking.notifications(tk.id, 'sla.'), [
      { event: 'sla.breached', notify: { agentIds: [asking.ana.id], teamIds: [], managerIds: [asking.manager.id], customer: true } },
    ], 'warning and breach passed in one scan: both recorded, only the breach notified')
    t.same(await types(tk.id), ['sla.warning:first_response', 'sla.breached:first_response'])
  })

  t.test('a holiday is skipped: Monday 17:40 → Wednesday (3 March is off)', async (t) => {
    const tk = await desk.ticket(sofia('2026-03-02T17:40'))
    t.same(tk.firstResponseDueAt, sofia('2026-03-04T09:40'))
    await scan(sofia('2026-03-03T12:00'))
    t.same(await types(tk.id), [], 'nothing on the holiday')
    await scan(sofia('2026-03-04T09:10'))
    t.same(await types(tk.id), ['sla.warning:first_response'])
  })

  t.test('a DST night: Friday 27 March 17:40 EET → Monday 09:40 EEST, one hour less in UTC', async (t) => {
    const tk = await desk.ticket(sofia('2026-03-27T17:40'))
    t.same(tk.firstResponseDueAt, new Date('2026-03-30T06:40:00Z'))
    await scan(new Date('2026-03-30T06:09:59.999Z'))
    t.same(await types(tk.id), [])
    await scan(new Date('2026-03-30T06:10:00Z'))
    t.same(await types(tk.id), ['sla.warning:first_response'])
    await scan(new Date('2026-03-30T06:40:00Z'))
    t.same(await types(tk.id), ['sla.warning:first_response', 'sla.breached:first_response'])
  })

  t.test('pause and resume: nothing while paused; the new due instant warns again', async (t) => {
    const tk = await desk.ticket(sofia('2026-01-21T10:00'))
    await scan(sofia('2026-01-21T10:30'))
    t.same(await types(tk.id), ['sla.warning:first_response'], 'warned for due 11:00')
    await desk.patch(tk.id, sofia('2026-01-21T10:45'), { state: 'pending' })
    t.same(await nextEvent(tk.id), null, 'every clock paused: no SLA event pending')
    t.match(await scan(sofia('2026-01-21T11:30')), { tickets: 0 }, 'no breach while waiting on the customer')
    const resumed = await desk.patch(tk.id, sofia('2026-01-21T13:00'), { state: 'open' })
    t.equal(resumed.firstResponseDueAt, sofia('2026-01-21T13:15').toISOString(), '45 minutes were used: 15 remain')
    await scan(sofia('2026-01-21T13:00'))
    t.same(await types(tk.id), ['sla.warning:first_response', 'sla.warning:first_response'], 'the new due instant warns again (its 50 % had passed already)')
    await scan(sofia('2026-01-21T13:15'))
    t.same(await types(tk.id), ['sla.warning:first_response', 'sla.warning:first_response', 'sla.breached:first_response'])
    const warnings = await desk.notifications(tk.id, 'sla.warning')
    t.same(warnings.map((n) => n.dueAt), [sofia('2026-01-21T11:00').toISOString(), sofia('2026-01-21T13:15').toISOString()])
  })

  t.test('a priority change moves the due time: the new one warns and breaches again', async (t) => {
    const tk = await desk.ticket(sofia('2026-01-22T10:00'))
    await scan(sofia('2026-01-22T11:00'))
    t.same(await types(tk.id), ['sla.warning:first_response', 'sla.breached:first_response'])
    const high = await desk.patch(tk.id, sofia('2026-01-22T11:05'), { priority: 'high' })
    t.equal(high.firstResponseDueAt, sofia('2026-01-22T14:00').toISOString(), '4 business hours from 10:00')
    t.same(await nextEvent(tk.id), sofia('2026-01-22T12:00'), 'the new 50 % instant')
    await scan(sofia('2026-01-22T12:00'))
    await scan(sofia('2026-01-22T14:00'))
    await scan(sofia('2026-01-22T14:00'))
    t.same(await types(tk.id), ['sla.warning:first_response', 'sla.breached:first_response', 'sla.warning:first_response', 'sla.breached:first_response'])
    t.equal((await desk.notifications(tk.id, 'sla.breached')).length, 2, 'one breach notification per due instant')
  })

  t.test('met clocks and closed tickets record nothing', async (t) => {
    const tk = await desk.ticket(sofia('2026-01-23T10:00'))
    await desk.patch(tk.id, sofia('2026-01-23T10:10'), { state: 'closed' })
    t.same(await nextEvent(tk.id), null)
    await scan(sofia('2026-01-26T12:00'))
    t.same(await types(tk.id), [])
  })

  t.test('batches: more due tickets than one batch are all recorded, once', async (t) => {
    const many = await Promise.all([0, 1, 2, 3, 4].map(async (i) => desk.ticket(sofia(`2026-02-02T10:0${i}`))))
    const first = await scanSla(deps, sofia('2026-02-02T10:40'), 2)
    t.match(first, { tickets: 5, warnings: 5, breaches: 0 })
    t.match(await scanSla(deps, sofia('2026-02-02T10:40'), 2), { tickets: 0 })
    for (const tk of many) t.same(await types(tk.id), ['sla.warning:first_response'])
  })
})
