import t from 'tap'
import { buildTestApp, fixedClock } from '../../helpers/build-test-app.ts'
import { makeApiKey, makeOrganization } from '../../helpers/factories.ts'

t.test('contract ledgers', async (t) => {
  const clock = fixedClock('2026-03-15T10:00:00Z')
  const ctx = await buildTestApp(t, { clock })
  const token = await ctx.adminToken()
  const org = await makeOrganization(ctx)
  let n = 0
  const contract = async (o: Record<string, unknown> = {}) => {
    const res = await ctx.as(token, {
      method: 'POST',
      url: '/v1/contracts',
      payload: { organizationId: org.id, number: `L-${++n}`, startsOn: '2026-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 5000 }], allowedChannels: ['email'], status: 'active', ...o },
    })
    if (res.statusCode !== 201) throw new Error(res.body)
    return res.json() as { id: string }
  }
  const hb = (id: string, payload: unknown, tok = token) => ctx.as(tok, { method: 'POST', url: `/v1/contracts/${id}/hour-bank/entries`, payload: payload as object })

  t.test('hour bank: purchases with discount, debits, refusal of overdraft', async (t) => {
    const c = await contract({ hourBankEnabled: true })
    const buy = await hb(c.id, { kind: 'purchase', seconds: 36_000, priceMinor: 50_000, discountPercent: 15, currency: 'EUR' })
    t.equal(buy.statusCode, 201, buy.body)
    t.match(buy.json(), { kind: 'purchase', seconds: 36_000, priceMinor: 50_000, discountPercent: 15, netMinor: 42_500, currency: 'EUR', createdBy: /^agent:/ })
    t.equal((await hb(c.id, { kind: 'expiry', seconds: -3600, reason: 'unused after 12 months' })).statusCode, 201)
    t.equal((await hb(c.id, { kind: 'adjustment', seconds: 600, reason: 'goodwill' })).statusCode, 201)
    const over = await hb(c.id, { kind: 'adjustment', seconds: -33_001, reason: 'too much' })
    t.equal(over.statusCode, 409)
    t.match(over.json(), { code: 'CONFLICT', errors: [{ field: 'seconds' }], balanceSeconds: 33_000 })
    t.equal((await hb(c.id, { kind: 'consumption', seconds: -33_000 })).statusCode, 201, 'exactly to zero')
    const list = await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}/hour-bank/entries?limit=2` })
    t.equal(list.json().data.length, 2)
    const rest = await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}/hour-bank/entries?cursor=${list.json().nextCursor}` })
    t.same(rest.json().data.map((e: { kind: string }) => e.kind), ['adjustment', 'consumption'])
    t.equal((await ctx.as(token, { method: 'DELETE', url: `/v1/contracts/${c.id}/hour-bank/entries` })).statusCode, 404, 'append-only: no delete route')

    const billed = await contract({ hourBankEnabled: true, overdraftPolicy: 'bill' })
    t.equal((await hb(billed.id, { kind: 'consumption', seconds: -7200 })).statusCode, 201, "'bill' lets the balance go negative")
  })

  t.test('hour bank: bad input names the field', async (t) => {
    const c = await contract({ hourBankEnabled: true })
    const expect = async (payload: unknown, status: number, field: string) => {
      const res = await hb(c.id, payload)
      t.equal(res.statusCode, status, `${field} ${res.statusCode === status ? '' : res.body}`)
      t.ok((res.json().errors ?? []).some((e: { field: string }) => e.field === field), `names ${field}`)
    }
    await expect({ kind: 'purchase', seconds: -3600, priceMinor: 100 }, 400, 'seconds')
    await expect({ kind: 'purchase', seconds: 3600 }, 400, 'priceMinor')
    await expect({ kind: 'purchase', seconds: 3600, priceMinor: -1 }, 400, 'priceMinor')
    await expect({ kind: 'purchase', seconds: 3600, priceMinor: 100, discountPercent: 101 }, 400, 'discountPercent')
    await expect({ kind: 'purchase', seconds: 3600, priceMinor: 100, currency: 'USD' }, 422, 'currency')
    await expect({ kind: 'purchase', seconds: 1.5, priceMinor: 100 }, 400, 'seconds')
    await expect({ kind: 'adjustment', seconds: 60, discountPercent: 10, reason: 'x' }, 400, 'discountPercent')
    await expect({ kind: 'adjustment', seconds: 0, reason: 'x' }, 400, 'seconds')
    await expect({ kind: 'adjustment', seconds: 60 }, 400, 'reason')
    await expect({ kind: 'expiry', seconds: 60, reason: 'x' }, 400, 'seconds')
    await expect({ kind: 'expiry', seconds: -60 }, 400, 'reason')
    await expect({ kind: 'consumption', seconds: 60 }, 400, 'seconds')
    await expect({ kind: 'gift', seconds: 60 }, 400, 'kind')
    const list = await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}/hour-bank/entries` })
    t.equal(list.json().data.length, 0, 'nothing was written')
    const off = await contract()
    t.equal((await hb(off.id, { kind: 'purchase', seconds: 3600, priceMinor: 100 })).statusCode, 409, 'no hour bank on the contract')
    t.equal((await hb('0190c5a4-0000-7000-8000-000000000000', { kind: 'purchase', seconds: 3600, priceMinor: 100 })).statusCode, 404)
  })

  t.test('hour bank: access', async (t) => {
    const c = await contract({ hourBankEnabled: true })
    const mgr = await ctx.login('manager')
    t.equal((await hb(c.id, { kind: 'purchase', seconds: 3600, priceMinor: 100 }, mgr.token)).statusCode, 201)
    t.equal((await hb(c.id, { kind: 'consumption', seconds: -60 }, mgr.token)).statusCode, 403, 'consumption by hand: admins only')
    const agent = await ctx.login('agent')
    t.equal((await hb(c.id, { kind: 'adjustment', seconds: 60, reason: 'x' }, agent.token)).statusCode, 403)
    t.equal((await ctx.as(agent.token, { method: 'GET', url: `/v1/contracts/${c.id}/hour-bank/entries` })).statusCode, 200)
    const writeKey = await makeApiKey(ctx, ['contracts:write'])
    t.equal((await hb(c.id, { kind: 'adjustment', seconds: 60, reason: 'x' }, writeKey)).statusCode, 201)
    t.equal((await hb(c.id, { kind: 'consumption', seconds: -60 }, writeKey)).statusCode, 403)
    t.equal((await hb(c.id, { kind: 'adjustment', seconds: 60, reason: 'x' }, await makeApiKey(ctx, ['contracts:read']))).statusCode, 403)
  })

  t.test('hour bank: concurrent debits cannot both pass a refuse policy', async (t) => {
    const c = await contract({ hourBankEnabled: true })
    await hb(c.id, { kind: 'purchase', seconds: 3600, priceMinor: 100 })
    const results = await Promise.all(Array.from({ length: 4 }, () => hb(c.id, { kind: 'adjustment', seconds: -2400, reason: 'race' })))
    t.same(
      results.map((r) => r.statusCode).sort(),
      [201, 409, 409, 409],
      `on ${ctx.database.kind}`,
    )
    const bal = await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}/balance?month=2026-03` })
    t.equal(bal.json().hours.balanceSeconds, 1200)
  })

  t.test('slots and balance', async (t) => {
    const c = await contract({ slotsPerMonth: 5, slotCarryOver: true, hourBankEnabled: true })
    const slot = (payload: unknown) => ctx.as(token, { method: 'POST', url: `/v1/contracts/${c.id}/slots/entries`, payload: payload as object })
    t.equal((await slot({ month: '2026-02', count: 2, reason: 'two requests' })).statusCode, 201)
    t.equal((await slot({ month: '2026-03', count: 4 })).statusCode, 201)
    t.equal((await slot({ month: '2026-03', count: 1, ticketId: '0190c5a4-0000-7000-8000-000000000001' })).statusCode, 201)
    t.match((await slot({ month: '2025-12', count: 1 })).json(), { status: 422, errors: [{ field: 'month' }] })
    t.match((await slot({ month: '2026-13', count: 1 })).json(), { status: 400, errors: [{ field: 'month' }] })
    t.match((await slot({ month: '2026-03', count: 0 })).json(), { status: 400, errors: [{ field: 'count' }] })
    const filtered = await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}/slots/entries?month=2026-03` })
    t.same(filtered.json().data.map((e: { count: number }) => e.count), [4, 1])

    await hb(c.id, { kind: 'purchase', seconds: 7200, priceMinor: 10_000, discountPercent: 10 })
    await ctx.as(token, {
      method: 'POST',
      url: `/v1/contracts/${c.id}/recurring-services`,
      payload: { name: 'Server rental', monthlyAmountMinor: 3100, prepaymentPeriod: 'quarterly', startsOn: '2026-01-10' },
    })
    const res = await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}/balance?month=2026-03` })
    t.equal(res.statusCode, 200, res.body)
    const b = res.json()
    t.match(b.hours, { enabled: true, balanceSeconds: 7200 })
    t.equal(b.hours.entries.length, 1)
    // January's 5 carry into February, which uses 2 of them first: all 5 of its own carry into March.
    t.match(b.slots, { month: '2026-03', allowance: 5, carriedOver: 5, used: 5, available: 5, overage: 0 })
    t.equal(b.slots.entries.length, 2)
    t.match(b.money, { currency: 'EUR', recurringDueMinor: 0, prepaidMinor: 3100, hourBankPurchasedMinor: 9000 })
    const jan = (await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}/balance?month=2026-01` })).json()
    // 3100 × 22/31 + 3100 + 3100 = 8400.
    t.match(jan.money, { recurringDueMinor: 8400, prepaidMinor: 0, hourBankPurchasedMinor: 0 })
    t.equal(jan.hours.balanceSeconds, 0, 'the balance as of the end of the month')
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}/balance?month=March` })).statusCode, 400)
  })

  t.test('recurring services: due, validation, termination quote', async (t) => {
    const c = await contract({ minimumTermMonths: 3, endsOn: '2026-12-31' })
    const add = (payload: unknown) => ctx.as(token, { method: 'POST', url: `/v1/contracts/${c.id}/recurring-services`, payload: payload as object })
    const res = await add({ name: 'Maintenance', monthlyAmountMinor: 3000, prepaymentPeriod: 'quarterly', startsOn: '2026-01-01' })
    t.equal(res.statusCode, 201, res.body)
    const s = res.json()
    t.match(s, { currency: 'EUR', endsOn: null, version: 1 })
    const due = await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}/recurring-services/${s.id}/due?month=2026-04` })
    t.match(due.json(), { serviceId: s.id, dueMinor: 9000, invoiceMonth: true, periodStart: '2026-04-01', periodEnd: '2026-06-30' })
    const may = await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}/recurring-services/${s.id}/due?month=2026-05` })
    t.match(may.json(), { dueMinor: 0, prepaidMinor: 3000 })
    const expect = async (payload: unknown, status: number, field: string) => {
      const r = await add(payload)
      t.equal(r.statusCode, status, `${field} ${r.statusCode === status ? '' : r.body}`)
      t.ok((r.json().errors ?? []).some((e: { field: string }) => e.field === field), `names ${field}`)
    }
    const ok = { name: 'X', monthlyAmountMinor: 100, prepaymentPeriod: 'monthly', startsOn: '2026-02-01' }
    await expect({ ...ok, currency: 'USD' }, 422, 'currency')
    await expect({ ...ok, endsOn: '2026-01-31' }, 422, 'endsOn')
    await expect({ ...ok, startsOn: '2025-12-01' }, 422, 'startsOn')
    await expect({ ...ok, endsOn: '2027-01-31' }, 422, 'endsOn')
    await expect({ ...ok, monthlyAmountMinor: -5 }, 400, 'monthlyAmountMinor')
    await expect({ ...ok, prepaymentPeriod: 'weekly' }, 400, 'prepaymentPeriod')
    const list = await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}/recurring-services` })
    t.equal(list.json().data.length, 1, 'nothing partly written')
    const upd = await ctx.as(token, { method: 'PATCH', url: `/v1/contracts/${c.id}/recurring-services/${s.id}`, payload: { name: 'Maintenance+' }, headers: { 'if-match': '"1"' } })
    t.equal(upd.statusCode, 200)
    t.equal(upd.headers.etag, '"2"')
    const stale = await ctx.as(token, { method: 'PATCH', url: `/v1/contracts/${c.id}/recurring-services/${s.id}`, payload: { name: 'Z' }, headers: { 'if-match': '"1"' } })
    t.equal(stale.statusCode, 412)

    const early = (await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}/termination-quote?on=2026-02-15` })).json()
    t.match(early, { allowed: false, minimumTermEndsOn: '2026-03-31', totalRefundMinor: 0, detail: /minimum term/ })
    const quote = (await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}/termination-quote?on=2026-05-10` })).json()
    t.match(quote, { allowed: true, currency: 'EUR', totalRefundMinor: Math.round((3000 * 21) / 31 + 3000) })
    t.match(quote.lines, [{ serviceId: s.id, unservedFrom: '2026-05-11', unservedTo: '2026-06-30' }])
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/contracts/${c.id}/termination-quote?on=tomorrow` })).statusCode, 400)
    const other = await contract()
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/contracts/${other.id}/recurring-services/${s.id}` })).statusCode, 404, 'a service is reached only through its contract')
  })
})
