import { and, arrayContains, eq } from 'drizzle-orm'
import t from 'tap'
import { recurringTicketRuns, recurringTickets, tickets } from '../../../src/db/schema/index.ts'
import { runRecurringTickets } from '../../../src/modules/recurring-tickets/recurring-tickets.service.ts'
import { createTestApiKey } from '../../helpers/api-keys.ts'
import { buildTestApp, fixedClock } from '../../helpers/build-test-app.ts'
import { makeDesk } from '../../helpers/desk.ts'
import { makeContact, makeOrganization } from '../../helpers/factories.ts'

t.test('recurring tickets', async (t) => {
  const clock = fixedClock('2026-03-20T08:00:00Z')
  const ctx = await buildTestApp(t, { clock, config: { ACCESS_TOKEN_TTL_SECONDS: 365 * 86_400 } })
  const { deps } = ctx
  const manager = await ctx.login('manager')
  const agent = await ctx.login('agent')
  const desk = await makeDesk(ctx, clock)
  const ok = async (res: Awaited<ReturnType<typeof ctx.as>>, code = 200) => {
    if (res.statusCode !== code) throw new Error(`${res.statusCode}: ${res.body}`)
    return res.json()
  }
  const base = (over: Record<string, unknown> = {}) => ({
    organizationId: desk.org.id,
    contactId: desk.requester.id,
    queueId: desk.queue.id,
    subject: 'Monthly backup check',
    description: 'Check the backups',
    schedule: { kind: 'cron', expression: '0 9 * * *', timeZone: 'Europe/Sofia' },
    ...over,
  })
  const create = (payload: Record<string, unknown>, token = manager.token) => ctx.as(token, { method: 'POST', url: '/v1/recurring-tickets', payload })
  const made = (templateId: string) =>
    deps.db
      .select({ occurrence: recurringTicketRuns.occurrence, ticketId: recurringTicketRuns.ticketId, refusal: recurringTicketRuns.refusal })
      .from(recurringTicketRuns)
      .where(eq(recurringTicketRuns.templateId, templateId))
      .orderBy(recurringTicketRuns.occurrence)

  t.test('CRUD, validation and access', async (t) => {
    const tpl = await ok(await create(base({ priority: 'high', assigneeId: desk.ana.id })), 201)
    t.match(tpl, { priority: 'high', catchUp: 'each', active: true, version: 1, lastProcessedAt: null, schedule: { startsAt: '2026-03-20T08:00:00.000Z', endsAt: null } }, 'startsAt defaults to the creation instant')
    const bad = await create(base({ schedule: { kind: 'cron', expression: '61 * * * *', timeZone: 'Mars/Olympus' } }))
    t.equal(bad.statusCode, 400)
    t.match(bad.json().errors, [{ field: 'schedule.timeZone' }])
    const badExpr = (await create(base({ schedule: { kind: 'cron', expression: '61 * * * *', timeZone: 'Europe/Sofia' } }))).json()
    t.match(badExpr.errors, [{ field: 'schedule.expression' }])
    const badStart = (await create(base({ schedule: { kind: 'rrule', expression: 'FREQ=WEEKLY;BYDAY=MO', timeZone: 'Europe/Sofia', startsAt: '2026-02-30T09:00' } }))).json()
    t.match(badStart.errors, [{ field: 'schedule.startsAt', message: /not a real date/ }])
    const ends = (await create(base({ schedule: { kind: 'cron', expression: '0 9 * * *', timeZone: 'Europe/Sofia', startsAt: '2026-04-01T09:00', endsAt: '2026-03-01T09:00' } }))).json()
    t.match(ends.errors, [{ field: 'schedule.endsAt' }])
    t.equal((await create(base({ catchUp: 'some' }))).statusCode, 400)
    t.equal((await create(base({ subject: '' }))).statusCode, 400)
    t.equal((await create(base({ subject: 'x'.repeat(201) }))).statusCode, 400)
    t.equal((await create(base({ owner: 'me' }))).statusCode, 400, 'unknown field')
    t.equal((await create({ ...base(), queueId: undefined })).statusCode, 400, 'missing queueId')
    t.match((await create(base({ queueId: '0190c5a4-0000-7000-8000-000000000000' }))).json(), { errors: [{ field: 'queueId' }] })
    const other = await makeOrganization(ctx)
    t.match((await create(base({ organizationId: other.id }))).json(), { errors: [{ field: 'contactId' }] }, 'the contact must belong to the organization')

    t.equal((await create(base(), agent.token)).statusCode, 403, 'agents do not write')
    const key = await createTestApiKey(ctx, ['tickets:read', 'tickets:write'])
    t.equal((await create(base(), key)).statusCode, 403, 'keys do not write')
    t.equal((await ctx.as(key, { method: 'GET', url: `/v1/recurring-tickets/${tpl.id}` })).statusCode, 200, 'a tickets:read key reads')
    const noScope = await createTestApiKey(ctx, ['directory:read'])
    t.equal((await ctx.as(noScope, { method: 'GET', url: `/v1/recurring-tickets/${tpl.id}` })).statusCode, 403)
    t.equal((await ctx.as(agent.token, { method: 'GET', url: `/v1/recurring-tickets/${tpl.id}` })).statusCode, 200, 'agents read')

    t.equal((await ctx.as(manager.token, { method: 'PATCH', url: `/v1/recurring-tickets/${tpl.id}`, headers: { 'if-match': '"9"' }, payload: { priority: 'low' } })).statusCode, 412)
    const patched = await ok(await ctx.as(manager.token, { method: 'PATCH', url: `/v1/recurring-tickets/${tpl.id}`, headers: { 'if-match': '"1"' }, payload: { priority: 'low' } }))
    t.match(patched, { priority: 'low', version: 2 })
    const badPatch = await ctx.as(manager.token, { method: 'PATCH', url: `/v1/recurring-tickets/${tpl.id}`, payload: { schedule: { kind: 'rrule', expression: 'FREQ=DAILY;COUNT=0', timeZone: 'Europe/Sofia' } } })
    t.equal(badPatch.statusCode, 400)
    t.ok(badPatch.json().errors.every((e: { field: string }) => e.field.startsWith('schedule.')))
    const off = await ok(await ctx.as(manager.token, { method: 'DELETE', url: `/v1/recurring-tickets/${tpl.id}` }))
    t.equal(off.active, false)
    const inactive = await ok(await ctx.as(agent.token, { method: 'GET', url: `/v1/recurring-tickets?active=false&organizationId=${desk.org.id}` }))
    t.ok(inactive.data.some((r: { id: string }) => r.id === tpl.id))
    const active = await ok(await ctx.as(agent.token, { method: 'GET', url: '/v1/recurring-tickets?active=true' }))
    t.notOk(active.data.some((r: { id: string }) => r.id === tpl.id))
    const other2 = await ok(await ctx.as(agent.token, { method: 'GET', url: `/v1/recurring-tickets?organizationId=${other.id}` }))
    t.same(other2.data, [])
    const second = await ok(await create(base()), 201)
    const page1 = await ok(await ctx.as(agent.token, { method: 'GET', url: '/v1/recurring-tickets?limit=1' }))
    t.equal(page1.data.length, 1)
    const page2 = await ok(await ctx.as(agent.token, { method: 'GET', url: `/v1/recurring-tickets?limit=1&cursor=${page1.nextCursor}` }))
    t.not(page2.data[0].id, page1.data[0].id)
    await ctx.as(manager.token, { method: 'DELETE', url: `/v1/recurring-tickets/${second.id}` })
  })

  t.test('occurrences across the Sofia DST change: 09:00 local on both sides', async (t) => {
    clock.set('2026-03-27T12:00:00Z')
    const tpl = await ok(await create(base()), 201)
    const res = await ok(await ctx.as(agent.token, { method: 'GET', url: `/v1/recurring-tickets/${tpl.id}/occurrences?count=4` }))
    t.same(res.occurrences, ['2026-03-28T07:00:00.000Z', '2026-03-29T06:00:00.000Z', '2026-03-30T06:00:00.000Z', '2026-03-31T06:00:00.000Z'])
    t.equal((await ok(await ctx.as(agent.token, { method: 'GET', url: `/v1/recurring-tickets/${tpl.id}/occurrences` }))).occurrences.length, 5, 'default count 5')
    t.equal((await ctx.as(agent.token, { method: 'GET', url: `/v1/recurring-tickets/${tpl.id}/occurrences?count=0` })).statusCode, 400)
    t.equal((await ctx.as(agent.token, { method: 'GET', url: `/v1/recurring-tickets/${tpl.id}/occurrences?count=101` })).statusCode, 400)
    t.equal((await ctx.as(agent.token, { method: 'GET', url: '/v1/recurring-tickets/0190c5a4-0000-7000-8000-000000000000/occurrences' })).statusCode, 404)
    const rrule = await ok(await create(base({ schedule: { kind: 'rrule', expression: 'FREQ=WEEKLY;BYDAY=SA,SU', timeZone: 'Europe/Sofia', startsAt: '2026-03-21T02:30' } })), 201)
    const r = await ok(await ctx.as(agent.token, { method: 'GET', url: `/v1/recurring-tickets/${rrule.id}/occurrences?count=3` }))
    t.same(r.occurrences, ['2026-03-28T00:30:00.000Z', '2026-03-29T00:30:00.000Z', '2026-04-03T23:30:00.000Z'], 'Sunday 02:30 is before the 03:00 change (EET); a week later EEST')
    await ctx.as(manager.token, { method: 'DELETE', url: `/v1/recurring-tickets/${tpl.id}` })
    await ctx.as(manager.token, { method: 'DELETE', url: `/v1/recurring-tickets/${rrule.id}` })
  })

  t.test('the job creates each occurrence once; a rerun does nothing', async (t) => {
    clock.set('2026-03-27T12:00:00Z')
    const tpl = await ok(await create(base({ assigneeId: desk.boris.id })), 201)
    t.match(await runRecurringTickets(deps, new Date('2026-03-28T06:59:59Z')), { created: 0 })
    t.match(await runRecurringTickets(deps, new Date('2026-03-28T07:00:00Z')), { created: 1 })
    t.match(await runRecurringTickets(deps, new Date('2026-03-28T07:00:00Z')), { created: 0, skipped: 0 }, 'rerun: nothing')
    t.match(await runRecurringTickets(deps, new Date('2026-03-29T06:00:30Z')), { created: 1 }, 'the next day at 09:00 EEST')
    const runs = await made(tpl.id)
    t.same(runs.map((r) => r.occurrence.toISOString()), ['2026-03-28T07:00:00.000Z', '2026-03-29T06:00:00.000Z'])
    const [tk] = await deps.db.select().from(tickets).where(eq(tickets.id, runs[0]!.ticketId!))
    t.match(tk, { subject: 'Monthly backup check', channel: 'api', tags: ['recurring'], assigneeId: desk.boris.id, createdBy: 'system:recurring-tickets', requesterId: desk.requester.id, createdAt: new Date('2026-03-28T07:00:00Z') })
    const events = await desk.events(tk!.id)
    t.ok(events.some((e) => e.type === 'ticket.created' && e.actor === 'system:recurring-tickets'))
    t.same([...new Set(events.map((e) => e.channel))], ['api'], "the assignment is part of the creation: every event has the ticket's channel")
    t.ok(events.some((e) => e.field === 'assigneeId'))
    const got = await ok(await ctx.as(agent.token, { method: 'GET', url: `/v1/recurring-tickets/${tpl.id}` }))
    t.equal(got.lastProcessedAt, '2026-03-29T06:00:00.000Z')
    // An instance that read the template before the others committed: the unique key stops it.
    await deps.db.update(recurringTickets).set({ lastProcessedAt: null }).where(eq(recurringTickets.id, tpl.id))
    t.match(await runRecurringTickets(deps, new Date('2026-03-29T06:00:30Z')), { created: 0, skipped: 2 })
    t.equal((await made(tpl.id)).length, 2)
    await ctx.as(manager.token, { method: 'DELETE', url: `/v1/recurring-tickets/${tpl.id}` })
  })

  t.test('catch-up after downtime: each vs latest', async (t) => {
    clock.set('2026-04-01T05:00:00Z')
    const each = await ok(await create(base({ subject: 'Each' })), 201)
    const latest = await ok(await create(base({ subject: 'Latest', catchUp: 'latest' })), 201)
    const summary = await runRecurringTickets(deps, new Date('2026-04-05T12:00:00Z'))
    t.match(summary, { created: 6 }, 'five for each, one for latest')
    t.same((await made(each.id)).map((r) => r.occurrence.toISOString()), ['2026-04-01T06:00:00.000Z', '2026-04-02T06:00:00.000Z', '2026-04-03T06:00:00.000Z', '2026-04-04T06:00:00.000Z', '2026-04-05T06:00:00.000Z'])
    t.same((await made(latest.id)).map((r) => r.occurrence.toISOString()), ['2026-04-05T06:00:00.000Z'])
    t.match(await runRecurringTickets(deps, new Date('2026-04-05T12:00:00Z')), { created: 0 })
    const mine = await deps.db.select({ id: tickets.id }).from(tickets).where(and(eq(tickets.subject, 'Each'), arrayContains(tickets.tags, ['recurring'])))
    t.equal(mine.length, 5)
    await ctx.as(manager.token, { method: 'DELETE', url: `/v1/recurring-tickets/${each.id}` })
    await ctx.as(manager.token, { method: 'DELETE', url: `/v1/recurring-tickets/${latest.id}` })
  })

  t.test('a gate refusal is recorded once, without a ticket, and not retried', async (t) => {
    clock.set('2026-04-10T05:00:00Z')
    const lapsed = await makeOrganization(ctx)
    const contact = await makeContact(ctx, lapsed.id)
    const tpl = await ok(await create(base({ organizationId: lapsed.id, contactId: contact.id })), 201)
    t.match(await runRecurringTickets(deps, new Date('2026-04-10T06:00:00Z')), { created: 0, refused: 1 })
    t.match(await runRecurringTickets(deps, new Date('2026-04-10T06:00:00Z')), { refused: 0, skipped: 0 })
    t.match(await made(tpl.id), [{ ticketId: null, refusal: /^no_active_contract/ }])
    t.equal((await made(tpl.id)).length, 1)
  })
})
