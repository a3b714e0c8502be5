import { eq } from 'drizzle-orm'
import t from 'tap'
import { escalations, tickets } from '../../src/db/schema/index.ts'
import { runEscalations } from '../../src/modules/escalations/escalations.service.ts'
import { createTestApiKey } from '../helpers/api-keys.ts'
import { buildTestApp, fixedClock } from '../helpers/build-test-app.ts'
import { makeDesk } from '../helpers/desk.ts'

const sofia = (local: string) => new Date(`${local}+02:00`)

t.test('escalations', async (t) => {
  const clock = fixedClock('2026-02-02T08:00:00Z')
  // Tokens outlive the jumps of the fixed clock between days.
  const ctx = await buildTestApp(t, { clock, config: { ACCESS_TOKEN_TTL_SECONDS: 60 * 86_400 } })
  const { deps } = ctx
  const admin = await ctx.adminToken()
  const manager = await ctx.login('manager')
  const agent = await ctx.login('agent')
  const desk = await makeDesk(ctx, clock)
  const ok = async (res: Awaited<ReturnType<typeof ctx.as>>, code = 200) => {
    if (res.statusCode !== code) throw new Error(`${res.statusCode}: ${res.body}`)
    return res.json()
  }
  const createRule = (payload: Record<string, unknown>, token = manager.token) => ctx.as(token, { method: 'POST', url: '/v1/escalation-rules', payload })
  const only = { organizationIds: [desk.org.id] }

  t.test('rules: CRUD, shape checks, access', async (t) => {
    const rule = await ok(await createRule({ name: 'Crud rule', trigger: 'sla.breached', clock: 'resolution', conditions: { priorities: ['low'], organizationIds: ['0190c5a4-0000-7000-8000-000000000000'] }, actions: [{ type: 'add_tag', tag: 'late' }] }), 201)
    t.match(rule, { level: 1, requiresApproval: false, active: true, version: 1 })
    t.equal((await createRule({ name: 'crud RULE', trigger: 'unassigned', minutes: 5, actions: [{ type: 'add_tag', tag: 'x' }] })).statusCode, 409, 'names are unique, case-insensitively')
    t.match((await createRule({ name: 'No clock', trigger: 'sla.warning', actions: [{ type: 'add_tag', tag: 'x' }] })).json(), { errors: [{ field: 'clock' }] })
    t.match((await createRule({ name: 'Bad pct', trigger: 'sla.breached', clock: 'resolution', percentElapsed: 75, actions: [{ type: 'add_tag', tag: 'x' }] })).json(), { errors: [{ field: 'percentElapsed' }] })
    t.match((await createRule({ name: 'No minutes', trigger: 'unassigned', actions: [{ type: 'add_tag', tag: 'x' }] })).json(), { errors: [{ field: 'minutes' }] })
    t.equal((await createRule({ name: 'No actions', trigger: 'urgent_unacknowledged', actions: [] })).statusCode, 400)
    t.equal((await createRule({ name: 'Bad action', trigger: 'urgent_unacknowledged', actions: [{ type: 'explode' }] })).statusCode, 400)
    t.equal((await createRule({ name: 'Extra', trigger: 'urgent_unacknowledged', actions: [{ type: 'add_tag', tag: 'x' }], owner: 'me' })).statusCode, 400)
    t.equal((await createRule({ name: 'By agent', trigger: 'urgent_unacknowledged', actions: [{ type: 'add_tag', tag: 'x' }] }, agent.token)).statusCode, 403)
    const key = await createTestApiKey(ctx, ['tickets:read', 'tickets:write'])
    t.equal((await createRule({ name: 'By key', trigger: 'urgent_unacknowledged', actions: [{ type: 'add_tag', tag: 'x' }] }, key)).statusCode, 403)
    t.equal((await ctx.as(key, { method: 'GET', url: `/v1/escalation-rules/${rule.id}` })).statusCode, 200, 'a tickets:read key reads rules')
    const stale = await ctx.as(admin, { method: 'PATCH', url: `/v1/escalation-rules/${rule.id}`, headers: { 'if-match': '"9"' }, payload: { level: 2 } })
    t.equal(stale.statusCode, 412)
    const patched = await ok(await ctx.as(admin, { method: 'PATCH', url: `/v1/escalation-rules/${rule.id}`, headers: { 'if-match': '"1"' }, payload: { level: 2 } }))
    t.match(patched, { level: 2, version: 2 })
    t.match((await ctx.as(admin, { method: 'PATCH', url: `/v1/escalation-rules/${rule.id}`, payload: { trigger: 'unassigned' } })).json(), { errors: [{ field: 'clock' }] }, 'a patch is checked against the whole rule')
    const off = await ok(await ctx.as(manager.token, { method: 'DELETE', url: `/v1/escalation-rules/${rule.id}` }))
    t.equal(off.active, false)
    const list = await ok(await ctx.as(agent.token, { method: 'GET', url: '/v1/escalation-rules?active=false' }))
    t.ok(list.data.some((r: { id: string }) => r.id === rule.id))
    const listOn = await ok(await ctx.as(agent.token, { method: 'GET', url: '/v1/escalation-rules?active=true&trigger=sla.breached' }))
    t.notOk(listOn.data.some((r: { id: string }) => r.id === rule.id))
  })

  t.test('levels fire in order, each once: 75 %, the breach, two hours after it', async (t) => {
    const levels = [
      { name: 'L3 two hours late', level: 3, trigger: 'sla.breached', clock: 'first_response', minutesAfterBreach: 120, conditions: only, actions: [{ type: 'notify', managerIds: [desk.manager.id] }] },
      { name: 'L1 at 75 %', level: 1, trigger: 'sla.warning', clock: 'first_response', percentElapsed: 75, conditions: only, actions: [{ type: 'notify', owner: true, managerIds: [desk.manager.id] }] },
      { name: 'L2 at breach', level: 2, trigger: 'sla.breached', clock: 'first_response', conditions: only, actions: [{ type: 'add_tag', tag: 'breached' }, { type: 'notify', owner: true }] },
    ]
    const rules = []
    for (const r of levels) rules.push(await ok(await createRule(r), 201))
    const levelsOf = async (ticketId: string) => (await deps.db.select().from(escalations).where(eq(escalations.ticketId, ticketId)).orderBy(escalations.id)).map((e) => e.level)
    const tk = await desk.ticket(sofia('2026-02-02T10:00'))
    t.match(await runEscalations(deps, sofia('2026-02-02T10:44')), { fired: 0 })
    t.match(await runEscalations(deps, sofia('2026-02-02T10:45')), { fired: 1 }, '75 % of one business hour')
    t.match(await runEscalations(deps, sofia('2026-02-02T10:50')), { fired: 0 }, 'once')
    t.match(await desk.notifications(tk.id, 'escalation.'), [
      { event: 'escalation.fired', level: 1, triggerAt: sofia('2026-02-02T10:45').toISOString(), notify: { teamIds: [desk.team.id], managerIds: [desk.manager.id] } },
    ])
    await runEscalations(deps, sofia('2026-02-02T11:00'))
    t.same((await deps.db.select().from(tickets).where(eq(tickets.id, tk.id)))[0]!.tags, ['breached'], 'level 2 tagged it')
    await runEscalations(deps, sofia('2026-02-02T12:59'))
    t.same(await levelsOf(tk.id), [1, 2])
    await runEscalations(deps, sofia('2026-02-02T13:00'))
    await runEscalations(deps, sofia('2026-02-02T13:00'))
    t.same(await levelsOf(tk.id), [1, 2, 3], 'level 3, once')

    // An outage: a second ticket finds every level due at once; they fire in level order.
    const late = await desk.ticket(sofia('2026-02-03T10:00'))
    t.match(await runEscalations(deps, sofia('2026-02-03T15:00')), { fired: 3 })
    t.same(await levelsOf(late.id), [1, 2, 3])
    t.same((await desk.events(late.id, 'escalation.')).map((e) => (e.new as { level: number }).level), [1, 2, 3], 'and the ticket events say so in order')
    for (const r of rules) await ctx.as(admin, { method: 'DELETE', url: `/v1/escalation-rules/${r.id}` })
  })

  t.test('approval: proposed, nothing moves, a manager approves (actions run, as the manager) or rejects', async (t) => {
    const rule = await ok(
      await createRule({ name: 'Needs approval', trigger: 'unassigned', minutes: 30, conditions: only, requiresApproval: true, actions: [{ type: 'reassign_by_skill', teamId: desk.team.id, skill: 'payroll' }, { type: 'raise_priority' }] }),
      201,
    )
    const a = await desk.ticket(sofia('2026-02-04T10:00'))
    const b = await desk.ticket(sofia('2026-02-04T10:00'))
    const proposals = async () => (await deps.db.select().from(escalations).where(eq(escalations.ruleId, rule.id))).filter((e) => [a.id, b.id].includes(e.ticketId))
    t.match(await runEscalations(deps, sofia('2026-02-04T10:29')), { fired: 0 })
    t.equal((await proposals()).length, 0, '30 business minutes not over yet')
    await runEscalations(deps, sofia('2026-02-04T10:30'))
    t.match(await proposals(), [{ status: 'proposed' }, { status: 'proposed' }])
    t.match(await runEscalations(deps, sofia('2026-02-04T10:31')), { proposed: 0 }, 'proposed once')
    t.equal((await deps.db.select().from(tickets).where(eq(tickets.id, a.id)))[0]!.assigneeId, null, 'nothing moved before approval')
    t.match(await desk.notifications(a.id, 'escalation.'), [{ event: 'escalation.proposed', notify: { managerIds: [desk.manager.id] } }])
    const pending = await ok(await ctx.as(agent.token, { method: 'GET', url: `/v1/escalations?ticketId=${a.id}&status=proposed` }))
    t.equal(pending.data.length, 1)
    const id = pending.data[0].id
    t.equal((await ctx.as(agent.token, { method: 'POST', url: `/v1/escalations/${id}/approve`, payload: {} })).statusCode, 403, 'agents do not approve')
    clock.set(sofia('2026-02-04T10:40'))
    const approved = await ok(await ctx.as(manager.token, { method: 'POST', url: `/v1/escalations/${id}/approve`, payload: { reason: 'payroll expert needed' } }))
    t.match(approved, { status: 'approved', decidedBy: manager.agentId, reason: 'payroll expert needed' })
    const row = (await deps.db.select().from(tickets).where(eq(tickets.id, a.id)))[0]!
    t.equal(row.assigneeId, desk.ana.id, 'the only payroll agent of the team')
    t.equal(row.priority, 'high', 'raised one step')
    t.equal((await ctx.as(manager.token, { method: 'POST', url: `/v1/escalations/${id}/reject`, payload: {} })).statusCode, 409, 'decided once')
    const path = (await desk.events(a.id)).filter((e) => e.type.startsWith('escalation.') || e.field === 'assigneeId' || e.field === 'priority')
    t.match(path, [
      { type: 'escalation.proposed', actor: `system:escalation:${rule.id}` },
      { type: 'ticket.updated', field: 'assigneeId', new: desk.ana.id, actor: `agent:${manager.agentId}` },
      { type: 'ticket.updated', field: 'priority', old: 'normal', new: 'high' },
      { type: 'escalation.approved', actor: `agent:${manager.agentId}`, new: { decidedBy: manager.agentId } },
    ])
    // The job's proposal came through no channel; the manager's approval, and what it changed, through the API.
    t.same(
      path.map((e) => e.channel),
      [null, 'api', 'api', 'api'],
    )

    const other = (await ok(await ctx.as(agent.token, { method: 'GET', url: `/v1/escalations?ticketId=${b.id}` }))).data[0]
    const rejected = await ok(await ctx.as(admin, { method: 'POST', url: `/v1/escalations/${other.id}/reject`, payload: { reason: 'not needed' } }))
    t.equal(rejected.status, 'rejected')
    t.equal((await deps.db.select().from(tickets).where(eq(tickets.id, b.id)))[0]!.assigneeId, null, 'a rejection moves nothing')
    t.same(
      (await desk.events(b.id)).filter((e) => e.type.startsWith('escalation.')).map((e) => [e.type, e.channel]),
      [
        ['escalation.proposed', null],
        ['escalation.rejected', 'api'],
      ],
    )
    t.equal((await ctx.as(admin, { method: 'POST', url: '/v1/escalations/0190c5a4-0000-7000-8000-000000000000/approve', payload: {} })).statusCode, 404)
    await ctx.as(admin, { method: 'DELETE', url: `/v1/escalation-rules/${rule.id}` })
  })

  t.test('reassignment by skill: the agent with the skill and the fewest open tickets', async (t) => {
    const rule = await ok(await createRule({ name: 'Urgent to SQL', trigger: 'urgent_unacknowledged', conditions: only, actions: [{ type: 'reassign_by_skill', teamId: desk.team.id, skill: 'sql' }] }), 201)
    // Ana (sql, payroll) already holds a ticket from the approval test; Boris (sql) holds none.
    const first = await desk.ticket(sofia('2026-02-05T10:00'), { priority: 'urgent' })
    await runEscalations(deps, sofia('2026-02-05T10:00'))
    t.equal((await deps.db.select().from(tickets).where(eq(tickets.id, first.id)))[0]!.assigneeId, desk.boris.id)
    const second = await desk.ticket(sofia('2026-02-05T10:01'), { priority: 'urgent' })
    const third = await desk.ticket(sofia('2026-02-05T10:01'), { priority: 'urgent' })
    await runEscalations(deps, sofia('2026-02-05T10:01'))
    const owners = (await deps.db.select().from(tickets).where(eq(tickets.priority, 'urgent'))).filter((r) => [second.id, third.id].includes(r.id)).map((r) => r.assigneeId).sort()
    t.same(owners, [desk.ana.id, desk.boris.id].sort(), 'a tie is broken by id; then the load evens out')
    await ctx.as(admin, { method: 'DELETE', url: `/v1/escalation-rules/${rule.id}` })
  })

  t.test('75 % after a pause counts the time consumed before it', async (t) => {
    const rule = await ok(await createRule({ name: 'At 75 % after a pause', trigger: 'sla.warning', clock: 'first_response', percentElapsed: 75, conditions: only, actions: [{ type: 'notify', owner: true }] }), 201)
    const levelsOf = async (ticketId: string) => (await deps.db.select().from(escalations).where(eq(escalations.ticketId, ticketId))).map((e) => e.level)
    const tk = await desk.ticket(sofia('2026-02-11T10:00'))
    await desk.patch(tk.id, sofia('2026-02-11T10:20'), { state: 'pending' })
    await desk.patch(tk.id, sofia('2026-02-11T11:00'), { state: 'open' })
    // First response is one business hour; 20 minutes were consumed before the pause, so 75 % (45 minutes)
    // is reached at 11:25, not 11:45: the indexed bound must start from running_since minus consumed.
    await runEscalations(deps, sofia('2026-02-11T11:24'))
    t.same(await levelsOf(tk.id), [], 'one minute early: nothing')
    await runEscalations(deps, sofia('2026-02-11T11:25'))
    t.same(await levelsOf(tk.id), [1])
    t.match(await desk.notifications(tk.id, 'escalation.'), [{ event: 'escalation.fired', level: 1, triggerAt: sofia('2026-02-11T11:25').toISOString() }])
    await ctx.as(admin, { method: 'DELETE', url: `/v1/escalation-rules/${rule.id}` })
  })
})
