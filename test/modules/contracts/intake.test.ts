import t from 'tap'
import { checkIntake } from '../../../src/modules/contracts/intake-gate.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { makeApiKey, makeContact, makeOrganization } from '../../helpers/factories.ts'

t.test('intake gate', async (t) => {
  const ctx = await buildTestApp(t)
  const token = await ctx.adminToken()
  let n = 0
  const contract = async (organizationId: string, o: Record<string, unknown> = {}) => {
    const res = await ctx.as(token, {
      method: 'POST',
      url: '/v1/contracts',
      payload: { organizationId, number: `I-${++n}`, startsOn: '2026-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 1 }], allowedChannels: ['email', 'web'], status: 'active', ...o },
    })
    if (res.statusCode !== 201) throw new Error(res.body)
    return res.json() as { id: string; number: string }
  }
  const at = new Date('2026-03-10T09:00:00Z')
  const check = (req: Partial<Parameters<typeof checkIntake>[1]>) => checkIntake(ctx.deps.db, { channel: 'email', at, ...req })

  const org = await makeOrganization(ctx)
  const alice = await makeContact(ctx, org.id, { emails: ['Alice@Customer.Example'] })
  const c1 = await contract(org.id)

  t.test('ok: resolves by email (case-insensitive) and by id', async (t) => {
    const d = await check({ email: 'ALICE@customer.example' })
    t.match(d, { ok: true, contract: { id: c1.id }, contact: { id: alice.id }, organization: { id: org.id } })
    t.match(await check({ contactId: alice.id }), { ok: true })
  })

  t.test('every refusal reason', async (t) => {
    t.match(await check({ email: 'nobody@nowhere.example' }), { ok: false, reason: 'unknown_contact' })
    const stranger = await makeOrganization(ctx)
    t.match(await check({ email: alice.emails[0], organizationId: stranger.id }), { ok: false, reason: 'unknown_contact' })
    const inactive = await makeContact(ctx, org.id, { active: false })
    t.match(await check({ contactId: inactive.id }), { ok: false, reason: 'contact_inactive' })
    const notAuth = await makeContact(ctx, org.id, { authorized: false })
    t.match(await check({ contactId: notAuth.id }), { ok: false, reason: 'contact_not_authorized' })
    const phoneOnly = await makeContact(ctx, org.id, { channels: ['phone'] })
    t.match(await check({ contactId: phoneOnly.id }), { ok: false, reason: 'channel_not_allowed_for_contact', detail: /phone/ })
    t.match(await check({ contactId: alice.id, channel: 'messenger' }), { ok: false, reason: 'channel_not_allowed', detail: /email, web/ })

    const closed = await makeOrganization(ctx, { active: false })
    const closedContact = await makeContact(ctx, closed.id)
    t.match(await check({ contactId: closedContact.id }), { ok: false, reason: 'organization_inactive' })

    const bare = await makeOrganization(ctx)
    const bareContact = await makeContact(ctx, bare.id)
    t.match(await check({ contactId: bareContact.id }), { ok: false, reason: 'no_active_contract' })
    await contract(bare.id, { status: 'draft' })
    t.match(await check({ contactId: bareContact.id }), { ok: false, reason: 'no_active_contract' }, 'a draft is not a contract yet')

    const susp = await makeOrganization(ctx)
    const suspContact = await makeContact(ctx, susp.id)
    const sc = await contract(susp.id)
    await ctx.as(token, { method: 'PATCH', url: `/v1/contracts/${sc.id}`, payload: { status: 'suspended' } })
    t.match(await check({ contactId: suspContact.id }), { ok: false, reason: 'contract_suspended', detail: new RegExp(sc.number) })

    const old = await makeOrganization(ctx)
    const oldContact = await makeContact(ctx, old.id)
    await contract(old.id, { startsOn: '2025-01-01', endsOn: '2025-12-31' })
    t.match(await check({ contactId: oldContact.id }), { ok: false, reason: 'outside_term' })

    const listed = await makeOrganization(ctx)
    const boss = await makeContact(ctx, listed.id)
    const clerk = await makeContact(ctx, listed.id)
    await contract(listed.id, { authorizedContacts: [boss.id] })
    t.match(await check({ contactId: boss.id }), { ok: true })
    t.match(await check({ contactId: clerk.id }), { ok: false, reason: 'contact_not_covered' })
  })

  t.test("dates are taken in the organization's time zone", async (t) => {
    const tokyo = await makeOrganization(ctx, { timeZone: 'Asia/Tokyo' })
    const c = await makeContact(ctx, tokyo.id)
    await contract(tokyo.id, { startsOn: '2026-04-01' })
    // 2026-03-31T16:00Z is already 1 April in Tokyo.
    t.match(await check({ contactId: c.id, at: new Date('2026-03-31T16:00:00Z') }), { ok: true })
    t.match(await check({ contactId: c.id, at: new Date('2026-03-31T14:00:00Z') }), { ok: false, reason: 'outside_term' })
  })

  t.test('several covering contracts: the latest start wins, then the number', async (t) => {
    const o = await makeOrganization(ctx)
    const c = await makeContact(ctx, o.id)
    await contract(o.id, { number: 'Z-old', startsOn: '2025-06-01' })
    const newer = await contract(o.id, { number: 'Z-new-b', startsOn: '2026-02-01' })
    await contract(o.id, { number: 'Z-new-c', startsOn: '2026-02-01' })
    const msgr = await contract(o.id, { number: 'Z-msgr', startsOn: '2025-01-01', allowedChannels: ['messenger'] })
    t.match(await check({ contactId: c.id }), { ok: true, contract: { id: newer.id } })
    t.match(await check({ contactId: c.id, channel: 'messenger' }), { ok: true, contract: { id: msgr.id } }, 'the channel narrows the choice')
  })

  t.test('route: decision, bad input, access', async (t) => {
    const post = (payload: unknown, tok = token) => ctx.as(tok, { method: 'POST', url: '/v1/intake/check', payload: payload as object })
    const ok = await post({ email: alice.emails[0], channel: 'email', at: at.toISOString() })
    t.equal(ok.statusCode, 200, ok.body)
    t.match(ok.json(), { ok: true, contract: { id: c1.id, number: c1.number } })
    t.match((await post({ email: 'ghost@example.test', channel: 'email' })).json(), { ok: false, reason: 'unknown_contact' })
    t.match((await post({ channel: 'email' })).json(), { status: 400, errors: [{ field: 'email' }] })
    t.match((await post({ email: alice.emails[0], channel: 'pigeon' })).json(), { status: 400, errors: [{ field: 'channel' }] })
    t.match((await post({ email: alice.emails[0], channel: 'email', extra: 1 })).json(), { status: 400, errors: [{ field: 'extra' }] })
    const agent = await ctx.login('agent')
    t.equal((await post({ email: alice.emails[0], channel: 'email' }, agent.token)).statusCode, 200)
    t.equal((await post({ email: alice.emails[0], channel: 'email' }, await makeApiKey(ctx, ['tickets:read']))).statusCode, 200)
    t.equal((await post({ email: alice.emails[0], channel: 'email' }, await makeApiKey(ctx, ['contracts:read']))).statusCode, 200)
    t.equal((await post({ email: alice.emails[0], channel: 'email' }, await makeApiKey(ctx, ['directory:read']))).statusCode, 403)
  })
})
