import t from 'tap'
import { plans } from '../../../src/db/schema/index.ts'
import { seedDemo } from '../../../src/db/seed-demo.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { makeApiKey } from '../../helpers/factories.ts'

t.test('plans', async (t) => {
  const ctx = await buildTestApp(t)
  const token = await ctx.adminToken()
  const post = (payload: unknown, tok = token) => ctx.as(tok, { method: 'POST', url: '/v1/plans', payload: payload as object })

  t.test('create, read, update with ETag/If-Match, retire', async (t) => {
    const res = await post({
      name: 'Gold',
      firstResponseTarget: { value: 4, unit: 'business_hours' },
      serviceScope: 'find and fix',
      pricePerSlotMinor: 7000,
      currency: 'USD',
      slotsPerMonth: 5,
      minimumTermMonths: 3,
      allowedChannels: ['email', 'messenger'],
    })
    t.equal(res.statusCode, 201, res.body)
    const plan = res.json()
    t.match(plan, { name: 'Gold', pricePerSlotMinor: 7000, currency: 'USD', slotsPerMonth: 5, minimumTermMonths: 3, active: true, version: 1 })
    t.equal(res.headers.location, `/v1/plans/${plan.id}`)
    const got = await ctx.as(token, { method: 'GET', url: `/v1/plans/${plan.id}` })
    t.equal(got.headers.etag, '"1"')
    const upd = await ctx.as(token, { method: 'PATCH', url: `/v1/plans/${plan.id}`, payload: { slotsPerMonth: 6 }, headers: { 'if-match': '"1"' } })
    t.equal(upd.statusCode, 200, upd.body)
    t.equal(upd.json().slotsPerMonth, 6)
    const stale = await ctx.as(token, { method: 'PATCH', url: `/v1/plans/${plan.id}`, payload: { slotsPerMonth: 7 }, headers: { 'if-match': '"1"' } })
    t.equal(stale.statusCode, 412)
    const del = await ctx.as(token, { method: 'DELETE', url: `/v1/plans/${plan.id}` })
    t.equal(del.json().active, false)
    const free = await post({ name: 'Free stream' })
    t.match(free.json(), { pricePerSlotMinor: null, currency: null, slotsPerMonth: null, minimumTermMonths: 0, allowedChannels: [] })
  })

  t.test('bad input', async (t) => {
    t.match((await post({ name: 'A', currency: 'XYZ' })).json(), { code: 'VALIDATION_FAILED', errors: [{ field: 'currency' }] })
    t.match((await post({ name: 'B', currency: 'usd' })).json().errors, [{ field: 'currency' }])
    t.match((await post({ name: 'C', pricePerSlotMinor: 100 })).json().errors, [{ field: 'currency', message: /required/ }])
    t.match((await post({ name: 'D', pricePerSlotMinor: -1, currency: 'EUR' })).json().errors, [{ field: 'pricePerSlotMinor' }])
    t.match((await post({ name: 'E', pricePerSlotMinor: 1.5, currency: 'EUR' })).json().errors, [{ field: 'pricePerSlotMinor' }])
    t.match((await post({ name: 'F', slotsPerMonth: -1 })).json().errors, [{ field: 'slotsPerMonth' }])
    t.match((await post({ name: 'G', allowedChannels: ['pigeon'] })).json().errors, [{ field: 'allowedChannels.0' }])
    t.match((await post({ name: 'H', firstResponseTarget: { value: 2, unit: 'fortnights' } })).json().errors, [{ field: 'firstResponseTarget.unit' }])
    t.match((await post({ name: 'I', tier: 'gold' })).json().errors, [{ field: 'tier', message: 'is not a known field' }])
    t.equal((await post({})).statusCode, 400)
    t.equal((await post({ name: 'x'.repeat(201) })).statusCode, 400)
    await post({ name: 'Twin' })
    const dup = await post({ name: 'twin' })
    t.equal(dup.statusCode, 409)
    t.match(dup.json(), { code: 'DUPLICATE', errors: [{ field: 'name' }] })
    const created = (await post({ name: 'Priced', pricePerSlotMinor: 100, currency: 'EUR' })).json()
    const drop = await ctx.as(token, { method: 'PATCH', url: `/v1/plans/${created.id}`, payload: { currency: null } })
    t.match(drop.json(), { code: 'VALIDATION_FAILED', errors: [{ field: 'currency' }] })
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/plans/0190c5a4-0000-7000-8000-000000000000' })).statusCode, 404)
  })

  t.test('filters and pagination', async (t) => {
    const names = Array.from({ length: 5 }, (_, i) => `Paged plan ${i}`)
    for (const name of names) t.equal((await post({ name })).statusCode, 201)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res = await ctx.as(token, { method: 'GET', url: `/v1/plans?limit=2&q=paged%20plan${cursor ? `&cursor=${cursor}` : ''}` })
      seen.push(...res.json().data.map((p: { name: string }) => p.name))
      cursor = res.json().nextCursor
    } while (cursor)
    t.same(seen, names)
    const retired = (await post({ name: 'Retired plan' })).json()
    await ctx.as(token, { method: 'DELETE', url: `/v1/plans/${retired.id}` })
    const inactive = await ctx.as(token, { method: 'GET', url: '/v1/plans?active=false&q=Retired' })
    t.same(
      inactive.json().data.map((p: { id: string }) => p.id),
      [retired.id],
    )
    const active = await ctx.as(token, { method: 'GET', url: '/v1/plans?active=true&q=Retired' })
    t.equal(active.json().data.length, 0)
  })

  t.test('access', async (t) => {
    const agent = await ctx.login('agent')
    t.equal((await ctx.as(agent.token, { method: 'GET', url: '/v1/plans' })).statusCode, 200, 'agents read plans')
    t.equal((await post({ name: 'By agent' }, agent.token)).statusCode, 403)
    const manager = await ctx.login('manager')
    t.equal((await post({ name: 'By manager' }, manager.token)).statusCode, 201)
    const readKey = await makeApiKey(ctx, ['contracts:read'])
    t.equal((await ctx.as(readKey, { method: 'GET', url: '/v1/plans' })).statusCode, 200)
    t.equal((await post({ name: 'By read key' }, readKey)).statusCode, 403)
    const otherKey = await makeApiKey(ctx, ['directory:read'])
    t.equal((await ctx.as(otherKey, { method: 'GET', url: '/v1/plans' })).statusCode, 403)
    const writeKey = await makeApiKey(ctx, ['contracts:write'])
    t.equal((await post({ name: 'By write key' }, writeKey)).statusCode, 201)
    t.equal((await ctx.as(undefined, { method: 'GET', url: '/v1/plans' })).statusCode, 401)
  })

  t.test('demo seed: the four tiers, idempotent', async (t) => {
    const first = await seedDemo(ctx.deps)
    const snapshot = async () => (await ctx.deps.db.select().from(plans)).filter((p) => first.planIds.includes(p.id)).sort((a, b) => a.name.localeCompare(b.name))
    const before = await snapshot()
    const second = await seedDemo(ctx.deps)
    t.same(second, first)
    t.same(await snapshot(), before)
    t.same(
      before.map((p) => [p.name, p.pricePerSlotMinor, p.currency, p.firstResponseTarget, p.serviceScope, p.slotsPerMonth, p.minimumTermMonths]),
      [
        ['Basic', 2000, 'USD', { value: 2, unit: 'business_days' }, 'find and fix', 5, 3],
        ['Premium', 7000, 'USD', { value: 4, unit: 'business_hours' }, 'find and fix', 5, 3],
        ['Stream', null, null, { value: 7, unit: 'business_days' }, 'recommendations only', null, 0],
        ['VIP', 20_000, 'USD', { value: 120, unit: 'calendar_minutes' }, 'find and fix', 5, 3],
      ],
    )
    t.ok(before.find((p) => p.name === 'VIP')!.allowedChannels.includes('messenger'))
    t.notOk(before.find((p) => p.name === 'Basic')!.allowedChannels.includes('messenger'))
    const decision = await ctx.as(token, { method: 'POST', url: '/v1/intake/check', payload: { email: 'support.lead@demo-customer.example', channel: 'email' } })
    t.match(decision.json(), { ok: false, reason: 'no_active_contract' }, 'the demo contact resolves; it has no contract yet')
  })
})
