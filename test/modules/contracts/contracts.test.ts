import t from 'tap'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { makeAgent, makeApiKey, makeContact, makeOrganization } from '../../helpers/factories.ts'

t.test('contracts', async (t) => {
  const ctx = await buildTestApp(t)
  const token = await ctx.adminToken()
  const org = await makeOrganization(ctx)
  const otherOrg = await makeOrganization(ctx)
  const manager = await makeAgent(ctx, { role: 'manager' })
  let n = 0
  const body = (o: Record<string, unknown> = {}) => ({
    organizationId: org.id,
    number: `C-2026-${String(++n).padStart(3, '0')}`,
    startsOn: '2026-01-01',
    currency: 'EUR',
    hourlyRates: [{ rateMinor: 6000 }],
    allowedChannels: ['email'],
    ...o,
  })
  const post = (payload: unknown, tok = token) => ctx.as(tok, { method: 'POST', url: '/v1/contracts', payload: payload as object })
  const patch = (id: string, payload: unknown, headers: Record<string, string> = {}) =>
    ctx.as(token, { method: 'PATCH', url: `/v1/contracts/${id}`, payload: payload as object, headers })

  t.test('create with defaults, read, update with ETag/If-Match', async (t) => {
    const res = await post(body({ responsibleManagerId: manager.id, hourlyRates: [{ rateMinor: 6000 }, { role: 'manager', rateMinor: 9000 }], budgetAlertThresholds: [80, 100] }))
    t.equal(res.statusCode, 201, res.body)
    const c = res.json()
    t.match(c, {
      status: 'draft',
      endsOn: null,
      serviceMode: 'remote',
      afterHoursMultiplierPercent: 150,
      billingIncrementMinutes: 15,
      hourBankEnabled: false,
      overdraftPolicy: 'refuse',
      slotsPerMonth: null,
      authorizedContacts: 'all',
      slaPolicyId: null,
      budgetAlertThresholds: [80, 100],
      version: 1,
    })
    t.equal(res.headers.location, `/v1/contracts/${c.id}`)
    const got = await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}` })
    t.equal(got.headers.etag, '"1"')
    const upd = await patch(c.id, { afterHoursMultiplierPercent: 200 }, { 'if-match': '"1"' })
    t.equal(upd.statusCode, 200, upd.body)
    t.equal(upd.json().afterHoursMultiplierPercent, 200)
    t.equal((await patch(c.id, { billingIncrementMinutes: 30 }, { 'if-match': '"1"' })).statusCode, 412)
    // A PATCH that does not mention a field leaves it alone (no schema default fills it in).
    t.equal((await patch(c.id, { serviceMode: 'on-site' })).json().serviceMode, 'on-site')
    t.equal((await patch(c.id, { billingIncrementMinutes: 30 })).json().serviceMode, 'on-site')
  })

  t.test('defaults come from the plan', async (t) => {
    const plan = (
      await ctx.as(token, {
        method: 'POST',
        url: '/v1/plans',
        payload: { name: 'Tier for contracts', pricePerSlotMinor: 2000, currency: 'USD', slotsPerMonth: 5, minimumTermMonths: 3, allowedChannels: ['email', 'messenger'] },
      })
    ).json()
    const res = await post(body({ planId: plan.id, currency: undefined, allowedChannels: undefined }))
    t.equal(res.statusCode, 201, res.body)
    t.match(res.json(), { planId: plan.id, currency: 'USD', slotsPerMonth: 5, minimumTermMonths: 3, allowedChannels: ['email', 'messenger'] })
    const own = await post(body({ planId: plan.id, slotsPerMonth: 2, minimumTermMonths: 0 }))
    t.match(own.json(), { slotsPerMonth: 2, minimumTermMonths: 0, currency: 'EUR' })
    const noCurrency = await post(body({ currency: undefined }))
    t.equal(noCurrency.statusCode, 422)
    t.match(noCurrency.json().errors, [{ field: 'currency' }])
    const noChannels = await post(body({ allowedChannels: undefined }))
    t.equal(noChannels.statusCode, 422)
    t.match(noChannels.json().errors, [{ field: 'allowedChannels' }])
    await ctx.as(token, { method: 'DELETE', url: `/v1/plans/${plan.id}` })
    t.match((await post(body({ planId: plan.id }))).json(), { status: 422, errors: [{ field: 'planId' }] })
  })

  t.test('status transitions', async (t) => {
    const c = (await post(body())).json()
    const to = (status: string) => patch(c.id, { status })
    const bad = await to('suspended')
    t.equal(bad.statusCode, 409)
    t.match(bad.json(), { code: 'CONFLICT', errors: [{ field: 'status' }] })
    t.equal((await to('active')).statusCode, 200)
    t.equal((await to('suspended')).statusCode, 200)
    t.equal((await to('active')).statusCode, 200)
    t.equal((await to('ended')).statusCode, 200)
    t.equal((await to('active')).statusCode, 409)
    t.equal((await to('draft')).statusCode, 409)
    const s = (await post(body({ status: 'active' }))).json()
    t.equal((await patch(s.id, { status: 'suspended' })).statusCode, 200)
    t.equal((await patch(s.id, { status: 'ended' })).statusCode, 200, 'suspended → ended')
    t.equal((await post(body({ status: 'ended' }))).statusCode, 400, 'a contract is not created ended')
  })

  t.test('bad input names the field', async (t) => {
    const expect = async (payload: unknown, status: number, field: string) => {
      const res = await post(payload)
      t.equal(res.statusCode, status, `${field}: ${res.statusCode === status ? "" : res.body}`)
      t.ok(
        (res.json().errors ?? []).some((e: { field: string }) => e.field === field),
        `names ${field}`,
      )
    }
    await expect(body({ endsOn: '2025-12-31' }), 422, 'endsOn')
    await expect(body({ minimumTermMonths: 3, endsOn: '2026-03-30' }), 422, 'endsOn')
    t.equal((await post(body({ minimumTermMonths: 3, endsOn: '2026-03-31' }))).statusCode, 201, 'exactly the minimum term')
    await expect(body({ currency: 'XYZ' }), 400, 'currency')
    await expect(body({ currency: 'eur' }), 400, 'currency')
    await expect(body({ startsOn: '2026-02-30' }), 400, 'startsOn')
    await expect(body({ hourlyRates: [{ rateMinor: -1 }] }), 400, 'hourlyRates.0.rateMinor')
    await expect(body({ hourlyRates: [{ rateMinor: 10.5 }] }), 400, 'hourlyRates.0.rateMinor')
    await expect(body({ hourlyRates: [{ role: 'manager', rateMinor: 100 }] }), 422, 'hourlyRates')
    await expect(body({ hourlyRates: [{ rateMinor: 1 }, { rateMinor: 2 }] }), 422, 'hourlyRates.1')
    await expect(body({ hourlyRates: [] }), 400, 'hourlyRates')
    await expect(body({ billingIncrementMinutes: 0 }), 400, 'billingIncrementMinutes')
    await expect(body({ billingIncrementMinutes: 61 }), 400, 'billingIncrementMinutes')
    await expect(body({ afterHoursMultiplierPercent: 1.5 }), 400, 'afterHoursMultiplierPercent')
    await expect(body({ budgetAlertThresholds: [0] }), 400, 'budgetAlertThresholds.0')
    await expect(body({ budgetAlertThresholds: [201] }), 400, 'budgetAlertThresholds.0')
    await expect(body({ overdraftPolicy: 'maybe' }), 400, 'overdraftPolicy')
    await expect(body({ serviceMode: 'telepathy' }), 400, 'serviceMode')
    await expect(body({ slaPolicyId: 'nope' }), 400, 'slaPolicyId')
    await expect(body({ discount: 5 }), 400, 'discount')
    await expect(body({ number: '' }), 400, 'number')
    await expect(body({ organizationId: '0190c5a4-0000-7000-8000-000000000000' }), 422, 'organizationId')
    await expect(body({ planId: '0190c5a4-0000-7000-8000-000000000000' }), 422, 'planId')
    await expect(body({ slaPolicyId: '0190c5a4-0000-7000-8000-000000000000' }), 422, 'slaPolicyId')
    await expect(body({ responsibleManagerId: '0190c5a4-0000-7000-8000-000000000000' }), 422, 'responsibleManagerId')
    const plainAgent = await makeAgent(ctx, { role: 'agent' })
    await expect(body({ responsibleManagerId: plainAgent.id }), 422, 'responsibleManagerId')
    const mine = await makeContact(ctx, org.id)
    const theirs = await makeContact(ctx, otherOrg.id)
    await expect(body({ authorizedContacts: [mine.id, theirs.id] }), 422, 'authorizedContacts.1')
    const listed = await post(body({ authorizedContacts: [mine.id] }))
    t.same(listed.json().authorizedContacts, [mine.id])
    const dup = await post(body({ number: listed.json().number }))
    t.equal(dup.statusCode, 409)
    t.match(dup.json().errors, [{ field: 'number' }])
    const c = listed.json()
    const inverted = await patch(c.id, { endsOn: '2025-06-01' })
    t.equal(inverted.statusCode, 422)
    t.match(inverted.json().errors, [{ field: 'endsOn' }])
    t.equal((await patch(c.id, { organizationId: otherOrg.id })).statusCode, 400, 'the customer of a contract is fixed')
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/contracts/0190c5a4-0000-7000-8000-000000000000' })).statusCode, 404)
  })

  t.test('filters and pagination', async (t) => {
    const o = await makeOrganization(ctx)
    const mk = async (o2: Record<string, unknown>) => (await post(body({ organizationId: o.id, ...o2 }))).json()
    const a = await mk({ startsOn: '2025-01-01', endsOn: '2025-12-31', number: 'F-OLD-1' })
    const b = await mk({ startsOn: '2026-01-01', status: 'active', number: 'F-NEW-1' })
    const c = await mk({ startsOn: '2026-06-01', endsOn: '2026-12-31', number: 'F-NEW-2' })
    const ids = async (qs: string) => (await ctx.as(token, { method: 'GET', url: `/v1/contracts?organizationId=${o.id}&${qs}` })).json().data.map((x: { id: string }) => x.id)
    t.same(await ids(''), [a.id, b.id, c.id])
    t.same(await ids('status=active'), [b.id])
    t.same(await ids('activeOn=2025-06-15'), [a.id])
    t.same(await ids('activeOn=2026-07-01'), [b.id, c.id])
    t.same(await ids('activeOn=2026-12-31'), [b.id, c.id])
    t.same(await ids('activeOn=2027-01-01'), [b.id])
    t.same(await ids('q=f-new'), [b.id, c.id])
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/contracts?activeOn=soon' })).statusCode, 400)
    const page1 = (await ctx.as(token, { method: 'GET', url: `/v1/contracts?organizationId=${o.id}&limit=2` })).json()
    const page2 = (await ctx.as(token, { method: 'GET', url: `/v1/contracts?organizationId=${o.id}&limit=2&cursor=${page1.nextCursor}` })).json()
    t.same([...page1.data, ...page2.data].map((x: { id: string }) => x.id), [a.id, b.id, c.id])
    t.equal(page2.nextCursor, null)
    const plan = (await ctx.as(token, { method: 'POST', url: '/v1/plans', payload: { name: 'Filter plan' } })).json()
    const d = await mk({ planId: plan.id })
    t.same((await ctx.as(token, { method: 'GET', url: `/v1/contracts?planId=${plan.id}` })).json().data.map((x: { id: string }) => x.id), [d.id])
  })

  t.test('idempotency', async (t) => {
    const payload = body()
    const headers = { 'idempotency-key': `contract-${Date.now()}` }
    const a = await ctx.as(token, { method: 'POST', url: '/v1/contracts', payload, headers })
    const b = await ctx.as(token, { method: 'POST', url: '/v1/contracts', payload, headers })
    t.equal(a.statusCode, 201)
    t.equal(b.json().id, a.json().id)
    t.equal(b.headers['idempotent-replayed'], 'true')
  })

  t.test('access', async (t) => {
    const agent = await ctx.login('agent')
    t.equal((await ctx.as(agent.token, { method: 'GET', url: '/v1/contracts' })).statusCode, 200)
    t.equal((await post(body(), agent.token)).statusCode, 403)
    const mgr = await ctx.login('manager')
    t.equal((await post(body(), mgr.token)).statusCode, 201)
    const readKey = await makeApiKey(ctx, ['contracts:read'])
    t.equal((await ctx.as(readKey, { method: 'GET', url: '/v1/contracts' })).statusCode, 200)
    t.equal((await post(body(), readKey)).statusCode, 403)
    t.equal((await ctx.as(await makeApiKey(ctx, ['tickets:read']), { method: 'GET', url: '/v1/contracts' })).statusCode, 403)
    t.equal((await post(body(), await makeApiKey(ctx, ['contracts:write']))).statusCode, 201)
  })
})
