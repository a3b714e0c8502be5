import { eq } from 'drizzle-orm'
import t from 'tap'
import { tickets } from '../../src/db/schema/index.ts'
import { runAutoClose } from '../../src/modules/automation/auto-close.service.ts'
import { addMessage } from '../../src/modules/tickets/messages.service.ts'
import { buildTestApp, fixedClock } from '../helpers/build-test-app.ts'
import { makeDesk } from '../helpers/desk.ts'

const DAY = 86_400_000
const after = (base: Date, ms: number) => new Date(base.getTime() + ms)

t.test('auto-close', async (t) => {
  const clock = fixedClock('2026-02-02T08:00:00Z')
  const ctx = await buildTestApp(t, { clock })
  const { deps } = ctx
  const desk = await makeDesk(ctx, clock, { queue: { autoCloseResolvedAfterDays: 3 } })
  const state = async (id: string) => (await deps.db.select({ key: tickets.stateCategory, closedAt: tickets.closedAt }).from(tickets).where(eq(tickets.id, id)))[0]!
  const resolved = async (at: Date, d = desk) => {
    const tk = await d.ticket(after(at, -3_600_000))
    await d.patch(tk.id, at, { state: 'resolved' })
    return tk
  }

  t.test('closed after N days without a customer reply, through the PATCH path, once', async (t) => {
    const at = new Date('2026-02-02T10:00:00Z')
    const tk = await resolved(at)
    await runAutoClose(deps, after(at, 3 * DAY - 1))
    t.equal((await state(tk.id)).key, 'resolved', 'one millisecond early: still resolved')
    const now = after(at, 3 * DAY)
    await runAutoClose(deps, now)
    t.same(await state(tk.id), { key: 'closed', closedAt: now })
    const events = await desk.events(tk.id)
    t.match(events.filter((e) => e.actor === 'system:auto-close').map((e) => [e.type, e.field, e.new]), [
      ['ticket.updated', 'state', 'closed'],
      ['ticket.auto_closed', null, { resolvedAt: at.toISOString(), afterDays: 3 }],
    ])
    t.match(await desk.notifications(tk.id, 'ticket.auto_closed'), [
      { event: 'ticket.auto_closed', ticketId: tk.id, number: tk.number, resolvedAt: at.toISOString(), afterDays: 3, notify: { customer: true, teamIds: [desk.team.id] } },
    ])
    t.match(await desk.notifications(tk.id, 'ticket.state_changed'), [{ to: 'resolved' }, { from: 'resolved', to: 'closed', actor: 'system:auto-close' }], 'the PATCH path notified the state change')
    await runAutoClose(deps, after(now, DAY))
    t.equal((await desk.events(tk.id, 'ticket.auto_closed')).length, 1, 'a rerun does nothing')
    t.equal((await desk.notifications(tk.id, 'ticket.auto_closed')).length, 1)
  })

  t.test('a customer message after the resolution keeps it open; quiet queues never auto-close', async (t) => {
    const at = new Date('2026-02-10T10:00:00Z')
    const replied = await resolved(at)
    clock.set(after(at, DAY))
    await addMessage(deps, { kind: 'contact', id: desk.requester.id, organizationId: desk.org.id, name: 'Requester' }, replied.id, { visibility: 'public', bodyText: 'Still broken' })
    const plain = await makeDesk(ctx, clock)
    const never = await resolved(at, plain)
    await runAutoClose(deps, after(at, 30 * DAY))
    // The reply reopened it (the queue reopens on customer replies), so there is nothing to auto-close.
    t.equal((await state(replied.id)).key, 'open')
    t.equal((await state(never.id)).key, 'resolved')
    t.same(await desk.notifications(replied.id, 'ticket.auto_closed'), [])
  })

  t.test('a queue that does not reopen on customer replies: the reply still stops the auto-close', async (t) => {
    const keep = await makeDesk(ctx, clock, { queue: { autoCloseResolvedAfterDays: 3, reopenOnCustomerReply: false } })
    const at = new Date('2026-02-16T10:00:00Z')
    const replied = await resolved(at, keep)
    const quiet = await resolved(at, keep)
    clock.set(after(at, DAY))
    await addMessage(deps, { kind: 'contact', id: keep.requester.id, organizationId: keep.org.id, name: 'Requester' }, replied.id, { visibility: 'public', bodyText: 'Thanks, but one question' })
    t.equal((await state(replied.id)).key, 'resolved', 'the reply left it resolved')
    await runAutoClose(deps, after(at, 30 * DAY))
    t.equal((await state(replied.id)).key, 'resolved', 'a customer message since the resolution: not auto-closed')
    t.same(await keep.notifications(replied.id, 'ticket.auto_closed'), [])
    t.equal((await state(quiet.id)).key, 'closed', 'its quiet twin in the same queue is closed')
  })

  t.test('reopened and resolved again: the days count from the new resolution', async (t) => {
    const at = new Date('2026-03-02T10:00:00Z')
    const tk = await resolved(at)
    await desk.patch(tk.id, after(at, DAY), { state: 'open' })
    await desk.patch(tk.id, after(at, 2 * DAY), { state: 'resolved' })
    await runAutoClose(deps, after(at, 3 * DAY))
    t.equal((await state(tk.id)).key, 'resolved')
    await runAutoClose(deps, after(at, 5 * DAY))
    t.equal((await state(tk.id)).key, 'closed')
  })
})
