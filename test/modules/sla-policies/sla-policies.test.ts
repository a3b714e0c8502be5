import t from 'tap'
import { buildTestApp, fixedClock } from '../../helpers/build-test-app.ts'
import { scopedApiKey } from '../../helpers/scoped-api-key.ts'

// Friday 2026-01-16 17:59 in Sofia (+02:00): one minute before the office closes for the weekend.
const FRIDAY_1759 = '2026-01-16T15:59:00.000Z'
const ORG = '01900000-0000-7000-8000-000000000001'
const OTHER_ORG = '01900000-0000-7000-8000-000000000002'
const CONTRACT = '01900000-0000-7000-8000-0000000000c1'
const PLAN = '01900000-0000-7000-8000-0000000000b1'
const MISSING = '0190c5a4-0000-7000-8000-000000000000'
const weekdays = [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '18:00' }))
const businessTargets = {
  normal: { firstResponse: { value: 30, unit: 'business_minutes' }, resolution: { value: 2, unit: 'business_days' } },
  urgent: { firstResponse: { value: 15, unit: 'calendar_minutes' }, nextResponse: { value: 1, unit: 'business_hours' } },
}

t.test('SLA policies', async (t) => {
  const ctx = await buildTestApp(t, { clock: fixedClock(FRIDAY_1759) })
  const token = await ctx.adminToken()
  const cal = await ctx.as(token, { method: 'POST', url: '/v1/calendars', payload: { name: 'Sofia', timeZone: 'Europe/Sofia', weekly: weekdays } })
  const calendarId = cal.json().id as string
  let rank = 1000
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    ctx.as(token, { method: 'POST', url: '/v1/sla-policies', payload: payload as object, headers })
  const create = async (payload: object) => {
    const res = await post({ calendarId, targets: businessTargets, rank: rank++, ...payload })
    if (res.statusCode !== 201) throw new Error(res.body)
    return res.json() as { id: string; name: string; version: number; rank: number }
  }
  const get = (id: string) => ctx.as(token, { method: 'GET', url: `/v1/sla-policies/${id}` })

  t.test('create, read, update with ETag/If-Match, deactivate', async (t) => {
    const body = {
      name: 'Gold',
      calendarId,
      targets: businessTargets,
      warning: { percent: 75 },
      conditions: { organizationIds: [ORG], planIds: [PLAN], priorities: ['normal', 'urgent'], queueIds: [] },
      rank: 1,
    }
    const res = await post(body)
    t.equal(res.statusCode, 201, res.body)
    const p = res.json()
    t.match(p, { ...body, active: true, version: 1 })
    t.same(p.targets, businessTargets)
    t.same(p.conditions, body.conditions)
    t.equal(res.headers.location, `/v1/sla-policies/${p.id}`)
    t.equal(res.headers.etag, '"1"')
    t.same((await get(p.id)).json(), p)

    const upd = await ctx.as(token, { method: 'PATCH', url: `/v1/sla-policies/${p.id}`, payload: { warning: { minutesBefore: 10 }, rank: 2 }, headers: { 'if-match': '"1"' } })
    t.equal(upd.statusCode, 200, upd.body)
    t.match(upd.json(), { warning: { minutesBefore: 10 }, rank: 2, version: 2 })
    t.same(upd.json().warning, { minutesBefore: 10 })
    t.equal(upd.headers.etag, '"2"')
    const stale = await ctx.as(token, { method: 'PATCH', url: `/v1/sla-policies/${p.id}`, payload: { name: 'X' }, headers: { 'if-match': '"1"' } })
    t.equal(stale.statusCode, 412)
    const staleTargets = await ctx.as(token, { method: 'PATCH', url: `/v1/sla-policies/${p.id}`, payload: { calendarId: null }, headers: { 'if-match': '"1"' } })
    t.equal(staleTargets.statusCode, 412, 'stale If-Match wins over other checks on the locked path too')
    const clear = await ctx.as(token, { method: 'PATCH', url: `/v1/sla-policies/${p.id}`, payload: { warning: null } })
    t.equal(clear.json().warning, null)
    const del = await ctx.as(token, { method: 'DELETE', url: `/v1/sla-policies/${p.id}`, headers: { 'if-match': '"3"' } })
    t.match(del.json(), { active: false, version: 4 })
  })

  t.test('calendar minutes need no calendar; business time does', async (t) => {
    const calendarOnly = await post({ name: 'Wall clock', targets: { high: { resolution: { value: 240, unit: 'calendar_minutes' } } }, rank: rank++ })
    t.equal(calendarOnly.statusCode, 201, calendarOnly.body)
    t.equal(calendarOnly.json().calendarId, null)
    const needs = await post({ name: 'Needs calendar', targets: businessTargets, rank: rank++ })
    t.equal(needs.statusCode, 400)
    t.match(needs.json(), { code: 'VALIDATION_FAILED', errors: [{ in: 'body', field: 'calendarId', message: /business time/ }] })
    const id = calendarOnly.json().id
    const toBusiness = await ctx.as(token, { method: 'PATCH', url: `/v1/sla-policies/${id}`, payload: { targets: businessTargets } })
    t.match(toBusiness.json().errors, [{ field: 'calendarId' }])
    const both = await ctx.as(token, { method: 'PATCH', url: `/v1/sla-policies/${id}`, payload: { targets: businessTargets, calendarId } })
    t.equal(both.statusCode, 200)
    const drop = await ctx.as(token, { method: 'PATCH', url: `/v1/sla-policies/${id}`, payload: { calendarId: null } })
    t.match(drop.json().errors, [{ field: 'calendarId' }])
    t.equal((await get(id)).json().version, 2, 'refused PATCHes wrote nothing')
  })

  t.test('bad input names each field and writes nothing', async (t) => {
    const base = { name: 'Bad', calendarId, targets: businessTargets, rank: 500 }
    const errorsOf = async (payload: object) => {
      const res = await post(payload)
      return { status: res.statusCode, ...(res.json() as { code: string; errors: unknown[] }) }
    }
    t.match(await errorsOf({ ...base, targets: {} }), { status: 400, code: 'VALIDATION_FAILED', errors: [{ in: 'body', field: 'targets' }] })
    t.match(await errorsOf({ ...base, targets: { low: {}, high: {} } }), { status: 400, errors: [{ field: 'targets' }] })
    t.match(await errorsOf({ ...base, warning: { percent: 50, minutesBefore: 5 } }), { status: 400, errors: [{ field: 'warning' }] })
    t.match(await errorsOf({ ...base, warning: {} }), { status: 400, errors: [{ field: 'warning' }] })
    t.match(await errorsOf({ ...base, warning: { percent: 100 } }), { status: 400, errors: [{ field: 'warning.percent' }] })
    t.match(await errorsOf({ ...base, warning: { percent: 0 } }), { status: 400, errors: [{ field: 'warning.percent' }] })
    t.match(await errorsOf({ ...base, warning: { minutesBefore: 0 } }), { status: 400, errors: [{ field: 'warning.minutesBefore' }] })
    t.match(await errorsOf({ ...base, targets: { critical: { resolution: { value: 1, unit: 'business_days' } } } }), {
      status: 400,
      errors: [{ field: 'targets.critical', message: 'is not a known field' }],
    })
    t.match(await errorsOf({ ...base, conditions: { priorities: ['critical'] } }), { status: 400, errors: [{ field: 'conditions.priorities.0' }] })
    t.match(await errorsOf({ ...base, targets: { low: { resolution: { value: 0, unit: 'business_days' } } } }), {
      status: 400,
      errors: [{ field: 'targets.low.resolution.value' }],
    })
    t.match(await errorsOf({ ...base, targets: { low: { resolution: { value: 1.5, unit: 'business_days' } } } }), { errors: [{ field: 'targets.low.resolution.value' }] })
    t.match(await errorsOf({ ...base, targets: { low: { resolution: { value: 1, unit: 'fortnights' } } } }), { errors: [{ field: 'targets.low.resolution.unit' }] })
    t.match(await errorsOf({ ...base, conditions: { planIds: ['not-a-uuid'] } }), { status: 400, errors: [{ field: 'conditions.planIds.0' }] })
    t.match(await errorsOf({ ...base, conditions: { colour: ['red'] } }), { status: 400, errors: [{ field: 'conditions.colour' }] })
    t.match(await errorsOf({ ...base, rank: -1 }), { status: 400, errors: [{ field: 'rank' }] })
    t.match(await errorsOf({ ...base, rank: 'first' }), { status: 400, errors: [{ field: 'rank' }] })
    t.match(await errorsOf({ name: 'Missing' }), { status: 400, errors: [{ field: 'targets' }, { field: 'rank' }] })
    t.match(await errorsOf({ ...base, id: MISSING }), { status: 400, errors: [{ field: 'id', message: 'is not a known field' }] })
    t.match(await errorsOf({ ...base, name: 'x'.repeat(201) }), { status: 400, errors: [{ field: 'name' }] })
    t.match(await errorsOf({ ...base, calendarId: MISSING }), { status: 422, code: 'REFERENCE_NOT_FOUND', errors: [{ in: 'body', field: 'calendarId' }] })

    const taken = await create({ name: 'Rank holder', rank: 42 })
    t.match(await errorsOf({ ...base, name: 'Same rank', rank: 42 }), { status: 409, code: 'DUPLICATE', errors: [{ field: 'rank' }] })
    t.match(await errorsOf({ ...base, name: 'rank HOLDER' }), { status: 409, errors: [{ field: 'name' }] })
    const list = await ctx.as(token, { method: 'GET', url: '/v1/sla-policies?q=Bad' })
    t.same(list.json().data, [], 'nothing was partly written')

    // Rank is unique among ACTIVE policies: a deactivated one frees it, and cannot come back into a clash.
    await ctx.as(token, { method: 'DELETE', url: `/v1/sla-policies/${taken.id}` })
    const reuse = await create({ name: 'Rank reused', rank: 42 })
    t.equal(reuse.rank, 42)
    const revive = await ctx.as(token, { method: 'PATCH', url: `/v1/sla-policies/${taken.id}`, payload: { active: true } })
    t.equal(revive.statusCode, 409)
    t.match(revive.json().errors, [{ field: 'rank' }])
    const moveRank = await ctx.as(token, { method: 'PATCH', url: `/v1/sla-policies/${reuse.id}`, payload: { rank: 43, calendarId: MISSING } })
    t.equal(moveRank.statusCode, 422)
    t.match(moveRank.json().errors, [{ field: 'calendarId' }])
    t.match((await get(reuse.id)).json(), { rank: 42, calendarId, version: 1 }, 'a refused PATCH changed nothing')
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/sla-policies/${MISSING}` })).statusCode, 404)
    t.equal((await ctx.as(token, { method: 'PATCH', url: `/v1/sla-policies/${MISSING}`, payload: { rank: 1 } })).statusCode, 404)
    t.equal((await ctx.as(token, { method: 'PATCH', url: `/v1/sla-policies/${MISSING}`, payload: { calendarId } })).statusCode, 404)
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/sla-policies?cursor=garbage' })).json().code, 'INVALID_CURSOR')
  })

  t.test('filters and pagination', async (t) => {
    const stamp = Date.now()
    const other = await ctx.as(token, { method: 'POST', url: '/v1/calendars', payload: { name: `Other ${stamp}`, timeZone: 'UTC', weekly: weekdays } })
    const made = []
    for (let i = 0; i < 5; i++) made.push(await create({ name: `Paged ${stamp} ${i}` }))
    const onOther = await create({ name: `Paged ${stamp} other`, calendarId: other.json().id })
    const off = await create({ name: `Paged ${stamp} off` })
    await ctx.as(token, { method: 'DELETE', url: `/v1/sla-policies/${off.id}` })
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const res = await ctx.as(token, { method: 'GET', url: `/v1/sla-policies?limit=3&q=${stamp}${cursor ? `&cursor=${cursor}` : ''}` })
      const body = res.json() as { data: Array<{ id: string }>; nextCursor: string | null }
      seen.push(...body.data.map((p) => p.id))
      cursor = body.nextCursor
      pages++
    } while (cursor)
    t.same(seen, [...made, onOther, off].map((p) => p.id))
    t.equal(pages, 3)
    const byCal = await ctx.as(token, { method: 'GET', url: `/v1/sla-policies?q=${stamp}&calendarId=${other.json().id}` })
    t.same(byCal.json().data.map((p: { id: string }) => p.id), [onOther.id])
    const inactive = await ctx.as(token, { method: 'GET', url: `/v1/sla-policies?q=${stamp}&active=false` })
    t.same(inactive.json().data.map((p: { id: string }) => p.id), [off.id])
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/sla-policies?q=${stamp}&active=true` })).json().data.length, 6)
  })

  t.test('dry run picks the most specific policy and computes its due times', async (t) => {
    // Earlier subtests left active policies without conditions; deactivate them so this one is self-contained.
    const all = await ctx.as(token, { method: 'GET', url: '/v1/sla-policies?active=true&limit=200' })
    for (const p of all.json().data as Array<{ id: string }>) await ctx.as(token, { method: 'DELETE', url: `/v1/sla-policies/${p.id}` })

    const dry = (payload: object) => ctx.as(token, { method: 'POST', url: '/v1/sla-policies/dry-run', payload })
    const fallback = await create({ name: 'Default', rank: 900, warning: { percent: 50 } })
    await create({ name: 'Org wide', rank: 10, conditions: { organizationIds: [ORG] } })
    const orgTwin = await create({ name: 'Org twin', rank: 5, warning: { minutesBefore: 10 }, conditions: { organizationIds: [ORG, OTHER_ORG] } })
    const contract = await create({ name: 'Contract urgent', rank: 1, conditions: { contractIds: [CONTRACT], priorities: ['urgent'] } })

    const res = await dry({ organizationId: ORG, priority: 'normal' })
    t.equal(res.statusCode, 200, res.body)
    const body = res.json()
    t.same(body.policy, { id: orgTwin.id, name: 'Org twin' })
    t.same(
      body.trail.map((e: { name: string; outcome: string }) => [e.name, e.outcome]),
      [
        ['Org twin', 'selected'],
        ['Org wide', 'lost_on_rank'],
        ['Default', 'less_specific'],
        ['Contract urgent', 'not_matching'],
      ],
    )
    t.match(body.trail[3], { specificity: 129, conditions: [{ dimension: 'contract', matched: false, reason: 'the ticket has no contract' }, { dimension: 'priority', matched: false }] })
    t.same(body.dueTimes, {
      startedAt: FRIDAY_1759,
      firstResponseDueAt: '2026-01-19T07:29:00.000Z',
      resolutionDueAt: '2026-01-20T16:00:00.000Z',
      warnings: { firstResponseWarnAt: '2026-01-19T07:19:00.000Z', resolutionWarnAt: '2026-01-20T15:50:00.000Z' },
    })

    const urgent = await dry({ organizationId: ORG, contractId: CONTRACT, priority: 'urgent', at: '2026-01-19T10:00:00+02:00' })
    t.equal(urgent.json().policy.id, contract.id)
    t.same(urgent.json().dueTimes, {
      startedAt: '2026-01-19T08:00:00.000Z',
      firstResponseDueAt: '2026-01-19T08:15:00.000Z',
      nextResponseDueAt: '2026-01-19T09:00:00.000Z',
      warnings: {},
    })
    const stranger = await dry({ organizationId: MISSING, priority: 'low' })
    t.same(stranger.json().policy, { id: fallback.id, name: 'Default' })
    t.same(stranger.json().dueTimes, { startedAt: FRIDAY_1759, warnings: {} }, 'no targets for low: nothing due')

    await ctx.as(token, { method: 'DELETE', url: `/v1/sla-policies/${fallback.id}` })
    const none = await dry({ organizationId: MISSING, priority: 'low' })
    t.equal(none.json().policy, null)
    t.equal(none.json().dueTimes, null)
    t.equal(none.json().trail.length, 3, 'inactive policies are not candidates')

    const bad = await dry({ organizationId: 'nope', priority: 'critical', at: 'soon', extra: 1 })
    t.equal(bad.statusCode, 400)
    const fields = bad.json().errors.map((e: { field: string }) => e.field).sort()
    t.same(fields, ['at', 'extra', 'organizationId', 'priority'])
  })

  t.test('idempotency', async (t) => {
    const key = `sla-${Date.now()}`
    const body = { name: 'Idem policy', calendarId, targets: businessTargets, rank: 7000 }
    const a = await post(body, { 'idempotency-key': key })
    const b = await post(body, { 'idempotency-key': key })
    t.equal(a.statusCode, 201)
    t.equal(b.json().id, a.json().id)
    t.equal(b.headers['idempotent-replayed'], 'true')
    t.equal((await post({ ...body, rank: 7001 }, { 'idempotency-key': key })).statusCode, 422)
  })

  t.test('access', async (t) => {
    const p = await create({ name: 'Access policy' })
    const agent = await ctx.login('agent')
    const manager = await ctx.login('manager')
    const body = { name: 'By manager', targets: { low: { resolution: { value: 60, unit: 'calendar_minutes' } } }, rank: 8000 }
    const facts = { organizationId: ORG, priority: 'high' }
    t.equal((await ctx.as(agent.token, { method: 'GET', url: `/v1/sla-policies/${p.id}` })).statusCode, 200, 'agents read')
    t.equal((await ctx.as(agent.token, { method: 'POST', url: '/v1/sla-policies/dry-run', payload: facts })).statusCode, 200, 'agents dry-run')
    t.equal((await ctx.as(agent.token, { method: 'POST', url: '/v1/sla-policies', payload: body })).statusCode, 403)
    t.equal((await ctx.as(agent.token, { method: 'PATCH', url: `/v1/sla-policies/${p.id}`, payload: { rank: 1 } })).statusCode, 403)
    t.equal((await ctx.as(agent.token, { method: 'DELETE', url: `/v1/sla-policies/${p.id}` })).statusCode, 403)
    t.equal((await ctx.as(manager.token, { method: 'POST', url: '/v1/sla-policies', payload: body })).statusCode, 201, 'managers write')
    const none = await scopedApiKey(ctx, ['tickets:read'])
    const read = await scopedApiKey(ctx, ['contracts:read'])
    const write = await scopedApiKey(ctx, ['contracts:write'])
    t.equal((await ctx.as(none, { method: 'GET', url: '/v1/sla-policies' })).statusCode, 403)
    t.equal((await ctx.as(none, { method: 'POST', url: '/v1/sla-policies/dry-run', payload: facts })).statusCode, 403)
    t.equal((await ctx.as(read, { method: 'GET', url: '/v1/sla-policies' })).statusCode, 200)
    t.equal((await ctx.as(read, { method: 'POST', url: '/v1/sla-policies/dry-run', payload: facts })).statusCode, 200)
    t.equal((await ctx.as(read, { method: 'POST', url: '/v1/sla-policies', payload: { ...body, name: 'By read key', rank: 8001 } })).statusCode, 403)
    t.equal((await ctx.as(write, { method: 'POST', url: '/v1/sla-policies', payload: { ...body, name: 'By write key', rank: 8002 } })).statusCode, 201)
  })
})
