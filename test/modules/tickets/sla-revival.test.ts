import t from 'tap'
import { addMessage } from '../../../src/modules/tickets/messages.service.ts'
import { apiDesk } from '../../helpers/api-desk.ts'
import { makeContact, makeOrganization } from '../../helpers/factories.ts'

/**
 * Clocks and policies that come and go: a PATCH after which no policy applies stops the clocks
 * (`no_policy`); a later one that selects a policy again resumes them with the business time they
 * had consumed, or starts those that never ran. Clocks stopped by a resolution stay stopped.
 * Office hours on every policy: Sofia, Monday to Friday 09:00–18:00 (UTC+2 in January), so
 * 10:00 Sofia is 08:00Z. Monday is 2026-01-19.
 */
const MONDAY_10 = '2026-01-19T10:00:00+02:00'

type Entry = { event: string; dueAt: string | null; consumedSeconds: number; reason?: string }
type Clock = { kind: string; status: string; consumedSeconds: number; targetSeconds: number; dueAt: string | null; cycle: number; timeline: Entry[] }

t.test('SLA clocks across policies that stop and start applying', async (t) => {
  const { clock, ctx, agent, ok, post } = await apiDesk(t, MONDAY_10)
  const at = (instant: string) => clock.set(instant)
  const patch = async (id: string, instant: string, payload: Record<string, unknown>) => {
    at(instant)
    return ok(await ctx.as(agent, { method: 'PATCH', url: `/v1/tickets/${id}`, payload }))
  }
  const sla = async (id: string) => ok(await ctx.as(agent, { method: 'GET', url: `/v1/tickets/${id}/sla` }))
  // A clock that does not exist is undefined, as `t.notOk` checks.
  const clocksOf = async (id: string) => Object.fromEntries((await sla(id)).clocks.map((c: Clock) => [c.kind, c])) as Record<'first_response' | 'next_response' | 'resolution', Clock>
  const timeline = (c: Clock) => c.timeline.map((e) => (e.reason ? `${e.event}:${e.reason}` : e.event))

  const support = await post('/v1/queues', { name: 'Product support', billableByDefault: true })
  const complaints = await post('/v1/queues', { name: 'Complaints', billableByDefault: false })
  const wishes = await post('/v1/queues', { name: 'Wishes and ideas', billableByDefault: false })
  const cal = await post('/v1/calendars', { name: 'Sofia office', timeZone: 'Europe/Sofia', weekly: [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '18:00' })) })
  const h = (value: number) => ({ value, unit: 'business_hours' })
  // No policy covers the wishes queue.
  const supportPolicy = await post('/v1/sla-policies', {
    name: 'Support',
    calendarId: cal.id,
    rank: 10,
    conditions: { queueIds: [support.id] },
    targets: { normal: { firstResponse: h(2), nextResponse: h(1), resolution: h(16) } },
  })
  const complaintsPolicy = await post('/v1/sla-policies', {
    name: 'Complaints',
    calendarId: cal.id,
    rank: 20,
    conditions: { queueIds: [complaints.id] },
    targets: { normal: { firstResponse: h(1), resolution: h(8) } },
  })

  const org = await makeOrganization(ctx)
  const alice = await makeContact(ctx, org.id)
  const aliceP = { kind: 'contact' as const, id: alice.id, organizationId: org.id, name: 'Alice' }
  await post('/v1/contracts', { organizationId: org.id, number: 'CH-1', startsOn: '2026-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 5000 }], allowedChannels: ['phone', 'api'], status: 'active' })
  const create = async (instant: string, queueId = support.id) => {
    at(instant)
    return post('/v1/tickets', { queueId, requesterId: alice.id, subject: 'Payroll export fails' }, agent)
  }
  const agentReply = async (id: string, instant: string) => {
    at(instant)
    await ok(await ctx.as(agent, { method: 'POST', url: `/v1/tickets/${id}/messages`, payload: { visibility: 'public', bodyText: 'looking into it' } }), 201)
  }
  const customerReply = async (id: string, instant: string) => {
    at(instant)
    await addMessage(ctx.deps, aliceP, id, { visibility: 'public', bodyText: 'any news?' })
  }

  t.test('stopped for lack of a policy, resumed under the next one with the time consumed before the stop', async (t) => {
    const tk = await create(MONDAY_10)
    // Monday 10:30: half a business hour consumed; no policy covers wishes.
    t.match(await patch(tk.id, '2026-01-19T10:30:00+02:00', { queueId: wishes.id }), { slaPolicyId: null, nextDueAt: null })
    for (const c of Object.values(await clocksOf(tk.id))) {
      t.match(c, { status: 'stopped', consumedSeconds: 1800 })
      t.match(c.timeline.at(-1), { event: 'stopped', reason: 'no_policy', consumedSeconds: 1800 }, `${c.kind}: stopped for lack of a policy`)
    }

    // Tuesday 10:00 into complaints (1 h and 8 h). Monday 10:30–18:00 without a policy counts for nothing:
    // first response 1 h − 0.5 h → Tuesday 10:30 Sofia; resolution 8 h − 0.5 h = 7.5 h → Tuesday 17:30 Sofia.
    const back = await patch(tk.id, '2026-01-20T10:00:00+02:00', { queueId: complaints.id })
    t.match(back, {
      slaPolicyId: complaintsPolicy.id,
      firstResponseDueAt: '2026-01-20T08:30:00.000Z',
      resolutionDueAt: '2026-01-20T15:30:00.000Z',
      nextDueAt: '2026-01-20T08:30:00.000Z',
    })
    const clocks = await clocksOf(tk.id)
    t.match(clocks.first_response, { status: 'running', consumedSeconds: 1800, targetSeconds: 3600, dueAt: '2026-01-20T08:30:00.000Z' })
    t.match(clocks.resolution, { status: 'running', consumedSeconds: 1800, targetSeconds: 8 * 3600, dueAt: '2026-01-20T15:30:00.000Z' })
    for (const c of Object.values(clocks)) t.same(timeline(c), ['started', 'stopped:no_policy', 'resumed'], c.kind)
    t.match(clocks.resolution.timeline.at(-1), { event: 'resumed', consumedSeconds: 1800, dueAt: '2026-01-20T15:30:00.000Z' })
    const events = (await ok(await ctx.as(agent, { method: 'GET', url: `/v1/tickets/${tk.id}/events?limit=100` }))).data
    t.match(
      events.find((e: { type: string; field: string }) => e.type === 'sla.resumed' && e.field === 'resolution'),
      { old: { status: 'stopped', consumedSeconds: 1800 }, new: { status: 'running', consumedSeconds: 1800, targetSeconds: 8 * 3600, dueAt: '2026-01-20T15:30:00.000Z' }, reason: null },
    )

    at('2026-01-20T10:15:00+02:00')
    t.equal((await clocksOf(tk.id)).resolution.consumedSeconds, 2700, 'it runs again')
  })

  t.test('created without a policy: moving into one starts the clocks at the change, first response only before a public reply', async (t) => {
    const tk = await create(MONDAY_10, wishes.id)
    t.match(tk, { slaPolicyId: null, firstResponseDueAt: null, resolutionDueAt: null })
    t.same((await sla(tk.id)).clocks, [], 'no clocks at all')
    // Monday 14:00 into support: first response 2 h → 16:00 Sofia; resolution 16 h: Monday 4, Tuesday 9, Wednesday 3 → Wednesday 12:00 Sofia.
    t.match(await patch(tk.id, '2026-01-19T14:00:00+02:00', { queueId: support.id }), {
      slaPolicyId: supportPolicy.id,
      firstResponseDueAt: '2026-01-19T14:00:00.000Z',
      resolutionDueAt: '2026-01-21T10:00:00.000Z',
      nextResponseDueAt: null,
    })
    const clocks = await clocksOf(tk.id)
    t.same(Object.keys(clocks).sort(), ['first_response', 'resolution'])
    for (const c of Object.values(clocks)) {
      t.match(c, { status: 'running', consumedSeconds: 0 })
      t.same(timeline(c), ['started'])
    }

    const replied = await create(MONDAY_10, wishes.id)
    await agentReply(replied.id, '2026-01-19T11:00:00+02:00')
    t.match(await patch(replied.id, '2026-01-19T14:00:00+02:00', { queueId: support.id }), { firstResponseDueAt: null, resolutionDueAt: '2026-01-21T10:00:00.000Z' })
    t.same(Object.keys(await clocksOf(replied.id)), ['resolution'], 'the first response was given: only resolution starts')
  })

  t.test('a ticket waiting on the customer gets its clocks back paused', async (t) => {
    const tk = await create(MONDAY_10)
    await patch(tk.id, '2026-01-19T11:00:00+02:00', { queueId: wishes.id })
    await patch(tk.id, '2026-01-19T12:00:00+02:00', { state: 'pending' })
    t.match(await patch(tk.id, '2026-01-20T10:00:00+02:00', { queueId: support.id }), {
      slaPolicyId: supportPolicy.id,
      firstResponseDueAt: null,
      resolutionDueAt: null,
      nextDueAt: null,
    })
    for (const c of Object.values(await clocksOf(tk.id))) {
      t.match(c, { status: 'paused', consumedSeconds: 3600, dueAt: null })
      t.same(timeline(c), ['started', 'stopped:no_policy', 'resumed_paused'], c.kind)
    }
    // Tuesday 11:00, waiting over. First response 2 h − 1 h → 12:00 Sofia; resolution 16 h − 1 h = 15 h: Tuesday 7, Wednesday 8 → 17:00 Sofia.
    t.match(await patch(tk.id, '2026-01-20T11:00:00+02:00', { state: 'open' }), { firstResponseDueAt: '2026-01-20T10:00:00.000Z', resolutionDueAt: '2026-01-21T15:00:00.000Z' })
    for (const c of Object.values(await clocksOf(tk.id))) t.same(timeline(c), ['started', 'stopped:no_policy', 'resumed_paused', 'resumed'], c.kind)
  })

  t.test('a resolved ticket moved into a policy gets no clocks back; reopening it does', async (t) => {
    const tk = await create(MONDAY_10)
    await patch(tk.id, '2026-01-19T11:00:00+02:00', { queueId: wishes.id })
    await patch(tk.id, '2026-01-19T12:00:00+02:00', { state: 'resolved' })
    t.match(await patch(tk.id, '2026-01-19T13:00:00+02:00', { queueId: support.id }), { slaPolicyId: supportPolicy.id, nextDueAt: null })
    for (const c of Object.values(await clocksOf(tk.id))) {
      t.match(c, { status: 'stopped', consumedSeconds: 3600 })
      t.same(timeline(c), ['started', 'stopped:no_policy'], `${c.kind}: nothing revived while resolved`)
    }
    // Tuesday 10:00 reopened: first response 2 h − 1 h → 11:00 Sofia; resolution 15 h left: Tuesday 8, Wednesday 7 → 16:00 Sofia.
    t.match(await patch(tk.id, '2026-01-20T10:00:00+02:00', { state: 'open' }), { firstResponseDueAt: '2026-01-20T09:00:00.000Z', resolutionDueAt: '2026-01-21T14:00:00.000Z' })
    for (const c of Object.values(await clocksOf(tk.id))) t.same(timeline(c), ['started', 'stopped:no_policy', 'resumed'], c.kind)
  })

  t.test('clocks stopped by a resolution are never revived by re-selection', async (t) => {
    const tk = await create(MONDAY_10)
    await patch(tk.id, '2026-01-19T11:00:00+02:00', { state: 'resolved' })
    // Monday 12:00 reopened: resolution measures again (15 h left: Monday 6, Tuesday 9 → Tuesday 18:00 Sofia); first response stays stopped.
    t.match(await patch(tk.id, '2026-01-19T12:00:00+02:00', { state: 'open' }), { resolutionDueAt: '2026-01-20T16:00:00.000Z' })
    // Monday 13:00 into complaints (8 h): 7 h left from 12:00 → Monday 18:00 + 1 h → Tuesday 10:00 Sofia.
    t.match(await patch(tk.id, '2026-01-19T13:00:00+02:00', { queueId: complaints.id }), { resolutionDueAt: '2026-01-20T08:00:00.000Z' })
    await patch(tk.id, '2026-01-19T13:30:00+02:00', { queueId: wishes.id })
    // Monday 14:00 into support (16 h): 2.5 h consumed (10:00–11:00, 12:00–13:30), 13.5 h left: Monday 4, Tuesday 9, Wednesday 0.5 → 09:30 Sofia.
    t.match(await patch(tk.id, '2026-01-19T14:00:00+02:00', { queueId: support.id }), { resolutionDueAt: '2026-01-21T07:30:00.000Z', nextDueAt: '2026-01-21T07:30:00.000Z' })
    const clocks = await clocksOf(tk.id)
    t.match(clocks.first_response, { status: 'stopped', consumedSeconds: 3600 })
    t.same(timeline(clocks.first_response), ['started', 'stopped:resolved'])
    t.same(timeline(clocks.resolution), ['started', 'met', 'reopened', 'retargeted', 'stopped:no_policy', 'resumed'])
  })

  t.test('reopened with no policy: the clocks stay stopped for lack of one until a policy applies', async (t) => {
    const tk = await create(MONDAY_10)
    await patch(tk.id, '2026-01-19T11:00:00+02:00', { state: 'resolved' })
    t.match(await patch(tk.id, '2026-01-19T12:00:00+02:00', { queueId: wishes.id }), { slaPolicyId: null })
    t.match(await patch(tk.id, '2026-01-19T13:00:00+02:00', { state: 'open' }), { stateCategory: 'open', resolutionDueAt: null, nextDueAt: null })
    let clocks = await clocksOf(tk.id)
    t.match(clocks.resolution, { status: 'stopped', consumedSeconds: 3600, dueAt: null })
    t.same(timeline(clocks.resolution), ['started', 'met', 'stopped:no_policy'])
    // Tuesday 10:00 into complaints: resolution 8 h − 1 h → 17:00 Sofia. First response was stopped by the resolution.
    t.match(await patch(tk.id, '2026-01-20T10:00:00+02:00', { queueId: complaints.id }), { resolutionDueAt: '2026-01-20T15:00:00.000Z', nextDueAt: '2026-01-20T15:00:00.000Z' })
    clocks = await clocksOf(tk.id)
    t.same(timeline(clocks.resolution), ['started', 'met', 'stopped:no_policy', 'resumed'])
    t.same(timeline(clocks.first_response), ['started', 'stopped:resolved'])
  })

  t.test("a customer's reply reopening the ticket brings back the clocks stopped for lack of a policy", async (t) => {
    const tk = await create(MONDAY_10)
    await patch(tk.id, '2026-01-19T11:00:00+02:00', { queueId: wishes.id })
    await patch(tk.id, '2026-01-19T12:00:00+02:00', { state: 'resolved' })
    await patch(tk.id, '2026-01-19T13:00:00+02:00', { queueId: support.id })
    await customerReply(tk.id, '2026-01-20T10:00:00+02:00')
    // Tuesday 10:00: first response 2 h − 1 h → 11:00 Sofia; resolution 15 h → Wednesday 16:00 Sofia.
    const clocks = await clocksOf(tk.id)
    t.match(clocks.first_response, { status: 'running', consumedSeconds: 3600, dueAt: '2026-01-20T09:00:00.000Z' })
    t.match(clocks.resolution, { status: 'running', consumedSeconds: 3600, dueAt: '2026-01-21T14:00:00.000Z' })
    t.notOk(clocks.next_response, 'the first response is still owed: it covers the reply')
    for (const c of Object.values(clocks)) t.same(timeline(c), ['started', 'stopped:no_policy', 'resumed'], c.kind)
  })

  t.test('next response: the same wait resumes; one answered without a policy gives way to a new cycle', async (t) => {
    const tk = await create(MONDAY_10)
    await agentReply(tk.id, '2026-01-19T10:30:00+02:00')
    await customerReply(tk.id, '2026-01-19T11:00:00+02:00')
    await patch(tk.id, '2026-01-19T11:30:00+02:00', { queueId: wishes.id })
    // Tuesday 10:00: next response 1 h − 0.5 h → 10:30 Sofia; resolution 16 h − 1.5 h = 14.5 h: Tuesday 8, Wednesday 6.5 → 15:30 Sofia.
    t.match(await patch(tk.id, '2026-01-20T10:00:00+02:00', { queueId: support.id }), {
      nextDueAt: '2026-01-20T08:30:00.000Z',
      nextResponseDueAt: '2026-01-20T08:30:00.000Z',
      resolutionDueAt: '2026-01-21T13:30:00.000Z',
    })
    let clocks = await clocksOf(tk.id)
    t.match(clocks.next_response, { status: 'running', cycle: 1, consumedSeconds: 1800 })
    t.same(timeline(clocks.next_response), ['started', 'stopped:no_policy', 'resumed'])
    t.same(timeline(clocks.first_response), ['started', 'met'], 'a met clock stays met')

    const answered = await create(MONDAY_10)
    await agentReply(answered.id, '2026-01-19T10:30:00+02:00')
    await customerReply(answered.id, '2026-01-19T11:00:00+02:00')
    await patch(answered.id, '2026-01-19T11:30:00+02:00', { queueId: wishes.id })
    await agentReply(answered.id, '2026-01-19T12:00:00+02:00')
    // Monday 12:30: nobody waits for a reply, so next response stays stopped; resolution resumes.
    await patch(answered.id, '2026-01-19T12:30:00+02:00', { queueId: support.id })
    t.same(timeline((await clocksOf(answered.id)).next_response), ['started', 'stopped:no_policy'])
    await patch(answered.id, '2026-01-19T12:45:00+02:00', { queueId: wishes.id })
    await customerReply(answered.id, '2026-01-19T13:00:00+02:00')
    // Tuesday 10:00: a new wait, a new cycle from zero → 11:00 Sofia. Resolution consumed 1.5 h + 0.25 h:
    // 14.25 h left: Tuesday 8, Wednesday 6.25 → 15:15 Sofia.
    t.match(await patch(answered.id, '2026-01-20T10:00:00+02:00', { queueId: support.id }), {
      nextResponseDueAt: '2026-01-20T09:00:00.000Z',
      resolutionDueAt: '2026-01-21T13:15:00.000Z',
    })
    clocks = await clocksOf(answered.id)
    t.match(clocks.next_response, { status: 'running', cycle: 2, consumedSeconds: 0 })
    t.same(timeline(clocks.next_response), ['started', 'stopped:no_policy', 'started'])
    t.same(timeline(clocks.resolution), ['started', 'stopped:no_policy', 'resumed', 'stopped:no_policy', 'resumed'])
  })
})
