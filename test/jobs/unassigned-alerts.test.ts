import t from 'tap'
import { runUnassignedAlerts } from '../../src/modules/automation/unassigned-alerts.service.ts'
import { buildTestApp, fixedClock } from '../helpers/build-test-app.ts'
import { makeDesk } from '../helpers/desk.ts'

const at = (base: Date, minutes: number) => new Date(base.getTime() + minutes * 60_000)

t.test('unassigned-alerts', async (t) => {
  const clock = fixedClock('2026-02-02T08:00:00Z')
  const ctx = await buildTestApp(t, { clock })
  const { deps } = ctx
  const run = (now: Date) => runUnassignedAlerts(deps, now)
  const desk = await makeDesk(ctx, clock, { queue: { unassignedAlertMinutes: 15, unassignedRepeatMinutes: 30 } })
  const alerts = async (id: string) => (await desk.events(id, 'ticket.unassigned_alert')).map((e) => (e.new as { alert: number }).alert)

  t.test('alert 1 after 15 minutes, then every 30 until assigned, each exactly once', async (t) => {
    const start = new Date('2026-02-02T09:00:00Z')
    const tk = await desk.ticket(start)
    await run(at(start, 14.999))
    t.same(await alerts(tk.id), [], 'one moment early: nothing')
    await run(at(start, 15))
    await run(at(start, 15))
    await run(at(start, 44))
    t.same(await alerts(tk.id), [1], 'a rerun and the rest of the interval: nothing more')
    await run(at(start, 45))
    t.same(await alerts(tk.id), [1, 2])
    const [event] = await desk.events(tk.id, 'ticket.unassigned_alert')
    t.match(event, { actor: 'system:unassigned-alerts', new: { alert: 1, queueId: desk.queue.id, waitingSince: start.toISOString() } })
    t.match(await desk.notifications(tk.id, 'ticket.unassigned'), [
      { event: 'ticket.unassigned', ticketId: tk.id, number: tk.number, queueId: desk.queue.id, waitingSince: start.toISOString(), alert: 1, notify: { teamIds: [desk.team.id], managerIds: [desk.manager.id], agentIds: [], customer: false } },
      { alert: 2 },
    ])
    await run(at(start, 200))
    t.same(await alerts(tk.id), [1, 2, 7], 'after downtime only the current interval alerts (slot 7)')
    await desk.patch(tk.id, at(start, 201), { assigneeId: desk.ana.id })
    await run(at(start, 240))
    t.same(await alerts(tk.id), [1, 2, 7], 'assigned: no more alerts')
    t.equal((await desk.notifications(tk.id, 'ticket.unassigned')).length, 3)
  })

  t.test('the repeat defaults to the alert interval; pending and closed tickets and quiet queues get none', async (t) => {
    const plain = await makeDesk(ctx, clock, { queue: { unassignedAlertMinutes: 10 } })
    const quiet = await makeDesk(ctx, clock)
    const start = new Date('2026-02-03T09:00:00Z')
    const tk = await plain.ticket(start)
    const waiting = await plain.ticket(start)
    await plain.patch(waiting.id, at(start, 1), { state: 'pending' })
    const closed = await plain.ticket(start)
    await plain.patch(closed.id, at(start, 1), { state: 'closed' })
    const silent = await quiet.ticket(start)
    for (const m of [10, 19, 20, 30]) await run(at(start, m))
    t.same(await alerts(tk.id), [1, 2, 3])
    t.same(await alerts(waiting.id), [])
    t.same(await alerts(closed.id), [])
    t.same(await alerts(silent.id), [])
  })

  t.test('batches: a backlog larger than one run is alerted over the next runs, once each', async (t) => {
    const start = new Date('2026-02-04T09:00:00Z')
    const many = await Promise.all([0, 1, 2].map(() => desk.ticket(start)))
    await runUnassignedAlerts(deps, at(start, 15), 2)
    await runUnassignedAlerts(deps, at(start, 15), 2)
    await runUnassignedAlerts(deps, at(start, 15), 2)
    for (const tk of many) t.same(await alerts(tk.id), [1])
  })
})
