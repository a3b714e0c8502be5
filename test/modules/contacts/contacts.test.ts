import t from 'tap'
import { eq } from 'drizzle-orm'
import { contactEmails } from '../../../src/db/schema/index.ts'
import type { Principal } from '../../../src/lib/principal.ts'
import { getContact, listContacts } from '../../../src/modules/contacts/contacts.service.ts'
import { createTestApiKey } from '../../helpers/api-keys.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { createOrganization, listIds, unique, walkPages } from '../../helpers/directory.ts'

t.test('contacts', async (t) => {
  const ctx = await buildTestApp(t)
  const token = await ctx.adminToken()
  const org = await createOrganization(ctx, token)
  const other = await createOrganization(ctx, token)
  const addr = (p: string) => `${unique(p).replace(/ /g, '.')}@example.test`.toLowerCase()
  const post = (payload: unknown, headers: Record<string, string> = {}, as = token) =>
    ctx.as(as, { method: 'POST', url: '/v1/contacts', payload: payload as object, headers })
  const make = async (body: Record<string, unknown>) => {
    const res = await post({ name: unique('Person'), emails: [addr('p')], ...body })
    if (res.statusCode !== 201) throw new Error(res.body)
    return res.json() as { id: string; emails: string[] }
  }

  t.test('create, read, update with ETag/If-Match, deactivate', async (t) => {
    const a1 = addr('Ivan')
    const res = await post({
      organizationId: org.id,
      name: 'Ivan Petrov',
      emails: [a1.toUpperCase(), `second.${a1}`],
      phones: ['+35928123456'],
      locale: 'bg',
      timeZone: 'Europe/Sofia',
      authorized: true,
      channels: ['email', 'phone'],
      receivesStatements: true,
    })
    t.equal(res.statusCode, 201, res.body)
    const c = res.json()
    t.match(c, {
      organizationId: org.id,
      name: 'Ivan Petrov',
      emails: [a1, `second.${a1}`],
      phones: ['+35928123456'],
      locale: 'bg',
      timeZone: 'Europe/Sofia',
      authorized: true,
      channels: ['email', 'phone'],
      receivesStatements: true,
      active: true,
      version: 1,
    })
    t.equal(res.headers.location, `/v1/contacts/${c.id}`)
    const stored = await ctx.deps.db.select().from(contactEmails).where(eq(contactEmails.contactId, c.id))
    t.same(stored.map((r) => r.email).sort(), [a1, `second.${a1}`].sort(), 'stored lower-cased')

    const got = await ctx.as(token, { method: 'GET', url: `/v1/contacts/${c.id}` })
    t.equal(got.statusCode, 200)
    t.equal(got.headers.etag, '"1"')
    t.same(got.json().emails, [a1, `second.${a1}`])

    const a2 = addr('new')
    const upd = await ctx.as(token, { method: 'PATCH', url: `/v1/contacts/${c.id}`, payload: { emails: [a2, a1] }, headers: { 'if-match': '"1"' } })
    t.equal(upd.statusCode, 200, upd.body)
    t.match(upd.json(), { emails: [a2, a1], version: 2 })
    t.equal(upd.headers.etag, '"2"')
    const stale = await ctx.as(token, { method: 'PATCH', url: `/v1/contacts/${c.id}`, payload: { name: 'X' }, headers: { 'if-match': '"1"' } })
    t.equal(stale.statusCode, 412)
    const renamed = await ctx.as(token, { method: 'PATCH', url: `/v1/contacts/${c.id}`, payload: { name: 'Ivan P.' } })
    t.same(renamed.json().emails, [a2, a1], 'a patch without emails keeps them')

    const del = await ctx.as(token, { method: 'DELETE', url: `/v1/contacts/${c.id}`, headers: { 'if-match': '"3"' } })
    t.equal(del.statusCode, 200, del.body)
    t.equal(del.json().active, false)
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/contacts/${c.id}` })).statusCode, 200, 'kept')
  })

  t.test('an address belongs to one contact across all organizations', async (t) => {
    const shared = addr('shared')
    const first = await make({ organizationId: org.id, emails: [shared] })
    const dup = await post({ organizationId: other.id, name: 'Other', emails: [addr('fine'), shared.toUpperCase()] })
    t.equal(dup.statusCode, 409)
    t.match(dup.json(), { code: 'DUPLICATE', errors: [{ field: 'emails', message: new RegExp(shared.replace(/\./g, '\\.')) }] })
    t.match(dup.json().detail, shared)
    t.same(await listIds(ctx, token, `/v1/contacts?organizationId=${other.id}&q=Other`), [], 'the failed create left no contact')

    const second = await make({ organizationId: org.id })
    const steal = await ctx.as(token, { method: 'PATCH', url: `/v1/contacts/${second.id}`, payload: { emails: [addr('keep'), shared], name: 'Renamed' } })
    t.equal(steal.statusCode, 409)
    t.match(steal.json().errors, [{ field: 'emails' }])
    const after = (await ctx.as(token, { method: 'GET', url: `/v1/contacts/${second.id}` })).json()
    t.same(after.emails, second.emails, 'the failed PATCH replaced nothing')
    t.not(after.name, 'Renamed', 'nor changed other fields')
    t.equal(after.version, 1)
    t.same((await ctx.as(token, { method: 'GET', url: `/v1/contacts/${first.id}` })).json().emails, [shared])

    const raced = addr('raced')
    const [x, y] = await Promise.all([
      post({ organizationId: org.id, name: 'Racer one', emails: [raced] }),
      post({ organizationId: other.id, name: 'Racer two', emails: [raced] }),
    ])
    t.same([x.statusCode, y.statusCode].sort(), [201, 409], 'two concurrent claims of one address: exactly one wins')
    t.same(await listIds(ctx, token, `/v1/contacts?email=${encodeURIComponent(raced)}`), [(x.statusCode === 201 ? x : y).json().id])

    const same = await post({ organizationId: org.id, name: 'Twice', emails: [addr('twice'), addr('twice')] })
    t.equal(same.statusCode, 201, 'repeated addresses in one request collapse')
  })

  t.test('PATCH emails keeps what delivery learnt about addresses that stay', async (t) => {
    const [kept, dropped, added] = [addr('kept'), addr('dropped'), addr('added')]
    const c = await make({ organizationId: org.id, emails: [kept, dropped] })
    const bounced = new Date('2026-11-20T08:00:00Z')
    // As a bounce or a relay's 5xx leaves them (mail tests cover how they get there).
    await ctx.deps.db.update(contactEmails).set({ undeliverableAt: bounced, undeliverableReason: 'bounce 5.1.1' }).where(eq(contactEmails.contactId, c.id))
    const state = async () =>
      Object.fromEntries(
        (await ctx.deps.db.select().from(contactEmails).where(eq(contactEmails.contactId, c.id))).map((r) => [r.email, { at: r.undeliverableAt?.toISOString() ?? null, reason: r.undeliverableReason, position: r.position }]),
      )

    const upd = await ctx.as(token, { method: 'PATCH', url: `/v1/contacts/${c.id}`, payload: { emails: [added, kept.toUpperCase()] } })
    t.equal(upd.statusCode, 200, upd.body)
    t.same(upd.json().emails, [added, kept])
    t.same(await state(), {
      [added]: { at: null, reason: null, position: 0 },
      [kept]: { at: bounced.toISOString(), reason: 'bounce 5.1.1', position: 1 },
    }, 'the kept address is still undeliverable (and moved), the removed one is gone, the new one is clean')

    const back = await ctx.as(token, { method: 'PATCH', url: `/v1/contacts/${c.id}`, payload: { emails: [kept, dropped] } })
    t.equal(back.statusCode, 200, back.body)
    t.same((await state())[dropped], { at: null, reason: null, position: 1 }, 'an address removed and added again starts clean')
    t.equal((await state())[kept]?.at, bounced.toISOString())
    t.notOk(added in (await state()), 'the address left out is removed')

    const other2 = await make({ organizationId: other.id, emails: [addr('someone')] })
    const steal = await ctx.as(token, { method: 'PATCH', url: `/v1/contacts/${c.id}`, payload: { emails: [kept, other2.emails[0]] } })
    t.equal(steal.statusCode, 409, 'another contact\'s address is still refused')
    t.same(Object.keys(await state()).sort(), [dropped, kept].sort(), 'and nothing changed')
  })

  t.test('filters', async (t) => {
    const o = await createOrganization(ctx, token)
    const tag = unique('Filter')
    const mail = addr('lookup')
    const a = await make({ organizationId: o.id, name: `${tag} Anna`, emails: [mail], authorized: true, channels: ['email'], receivesStatements: true })
    const b = await make({ organizationId: o.id, name: `${tag} Boris`, channels: ['phone', 'web'] })
    const c = await make({ organizationId: other.id, name: `${tag} Cveta`, authorized: true })
    await ctx.as(token, { method: 'PATCH', url: `/v1/contacts/${b.id}`, payload: { active: false } })
    const q = encodeURIComponent(tag)
    t.same(await listIds(ctx, token, `/v1/contacts?q=${q}`), [a.id, b.id, c.id])
    t.same(await listIds(ctx, token, `/v1/contacts?q=${q}&organizationId=${o.id}`), [a.id, b.id])
    t.same(await listIds(ctx, token, `/v1/contacts?q=${encodeURIComponent(mail.slice(0, 12).toUpperCase())}`), [a.id], 'q matches an email substring')
    t.same(await listIds(ctx, token, `/v1/contacts?email=${encodeURIComponent(mail.toUpperCase())}`), [a.id], 'exact email, any case')
    t.same(await listIds(ctx, token, `/v1/contacts?email=${encodeURIComponent(`x${mail}`)}`), [])
    t.same(await listIds(ctx, token, `/v1/contacts?q=${q}&authorized=true`), [a.id, c.id])
    t.same(await listIds(ctx, token, `/v1/contacts?q=${q}&authorized=false`), [b.id])
    t.same(await listIds(ctx, token, `/v1/contacts?q=${q}&channel=web`), [b.id])
    t.same(await listIds(ctx, token, `/v1/contacts?q=${q}&receivesStatements=true`), [a.id])
    t.same(await listIds(ctx, token, `/v1/contacts?q=${q}&active=false`), [b.id])
    t.same(await listIds(ctx, token, `/v1/contacts?q=${q}&active=true`), [a.id, c.id])
    const page = (await ctx.as(token, { method: 'GET', url: `/v1/contacts?q=${q}` })).json()
    t.same(page.data[0].emails, [mail], 'lists carry the addresses')
  })

  t.test('pagination walks every row once, with emails on every page', async (t) => {
    const o = await createOrganization(ctx, token)
    const made: string[] = []
    for (let i = 0; i < 5; i++) made.push((await make({ organizationId: o.id, emails: [addr(`pg${i}`), addr(`pg${i}b`)] })).id)
    const { ids, pages } = await walkPages(t, ctx, token, `/v1/contacts?organizationId=${o.id}&limit=2`)
    t.same(ids, made)
    t.equal(pages, 3)
    const last = (await ctx.as(token, { method: 'GET', url: `/v1/contacts?organizationId=${o.id}&limit=200` })).json()
    t.ok(last.data.every((c: { emails: string[] }) => c.emails.length === 2))
  })

  t.test('idempotency', async (t) => {
    const key = unique('ct-key').replace(/ /g, '-')
    const body = { organizationId: org.id, name: 'Idem', emails: [addr('idem')] }
    const a = await post(body, { 'idempotency-key': key })
    const b = await post(body, { 'idempotency-key': key })
    t.equal(a.statusCode, 201)
    t.equal(b.json().id, a.json().id)
    t.equal(b.headers['idempotent-replayed'], 'true')
    t.equal((await post({ ...body, name: 'Other' }, { 'idempotency-key': key })).statusCode, 422)
  })

  t.test('bad input', async (t) => {
    const base = { organizationId: org.id, name: 'Bad', emails: [addr('bad')] }
    t.match((await post({ ...base, authorized: 'yes' })).json(), { code: 'VALIDATION_FAILED', errors: [{ field: 'authorized' }] })
    t.match((await post({ organizationId: org.id, name: 'No mail' })).json().errors, [{ field: 'emails', message: 'is required' }])
    t.equal((await post({ ...base, emails: [] })).statusCode, 400, 'at least one address')
    t.equal((await post({ ...base, emails: Array.from({ length: 11 }, (_, i) => `m${i}.${base.emails[0]}`) })).statusCode, 400, 'at most ten')
    t.match((await post({ ...base, emails: ['not-an-email'] })).json().errors, [{ field: 'emails.0' }])
    t.match((await post({ ...base, phones: ['0888 123 456'] })).json().errors, [{ field: 'phones.0' }])
    t.equal((await post({ ...base, phones: Array.from({ length: 11 }, (_, i) => `+3592812345${i}`) })).statusCode, 400)
    t.match((await post({ ...base, channels: ['fax'] })).json().errors, [{ field: 'channels.0' }])
    t.match((await post({ ...base, timeZone: 'Europe/Atlantis' })).json().errors, [{ field: 'timeZone' }])
    t.match((await post({ ...base, locale: 'english' })).json().errors, [{ field: 'locale' }])
    t.equal((await post({ ...base, name: 'n'.repeat(201) })).statusCode, 400)
    t.match((await post({ ...base, organization: 'x' })).json().errors, [{ field: 'organization', message: 'is not a known field' }])
    const missingOrg = await post({ ...base, organizationId: '0190c5a4-0000-7000-8000-000000000000' })
    t.equal(missingOrg.statusCode, 422)
    t.match(missingOrg.json().errors, [{ field: 'organizationId' }])
    const c = await make({ organizationId: org.id })
    t.equal((await ctx.as(token, { method: 'PATCH', url: `/v1/contacts/${c.id}`, payload: { organizationId: other.id } })).statusCode, 400, 'organizationId is immutable')
    t.equal((await ctx.as(token, { method: 'PATCH', url: `/v1/contacts/${c.id}`, payload: { emails: [] } })).statusCode, 400)
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/contacts?cursor=bm9wZQ' })).json().code, 'INVALID_CURSOR')
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/contacts?channel=fax' })).statusCode, 400)
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/contacts?email=nope' })).statusCode, 400)
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/contacts/0190c5a4-0000-7000-8000-000000000000' })).statusCode, 404)
  })

  t.test('access over HTTP', async (t) => {
    const agent = (await ctx.login('agent')).token
    const base = () => ({ organizationId: org.id, name: 'Access', emails: [addr('acc')] })
    t.equal((await post(base(), {}, agent)).statusCode, 403)
    t.equal((await ctx.as(agent, { method: 'GET', url: '/v1/contacts' })).statusCode, 200)
    const reader = await createTestApiKey(ctx, ['directory:read'])
    const writer = await createTestApiKey(ctx, ['directory:write'])
    t.equal((await ctx.as(await createTestApiKey(ctx, ['tickets:write']), { method: 'GET', url: '/v1/contacts' })).statusCode, 403)
    t.equal((await ctx.as(reader, { method: 'GET', url: '/v1/contacts' })).statusCode, 200)
    t.equal((await post(base(), {}, reader)).statusCode, 403)
    const made = await post(base(), {}, writer)
    t.equal(made.statusCode, 201)
    t.equal((await ctx.as(reader, { method: 'DELETE', url: `/v1/contacts/${made.json().id}` })).statusCode, 403)
  })

  t.test('a contact principal sees its own organization only', async (t) => {
    const o = await createOrganization(ctx, token)
    const mine = await make({ organizationId: o.id })
    const colleague = await make({ organizationId: o.id })
    const stranger = await make({ organizationId: other.id })
    const me: Principal = { kind: 'contact', id: mine.id, organizationId: o.id, name: 'Me' }
    const all = await listContacts(ctx.deps, me, { limit: 200 })
    t.same(
      all.data.map((c) => c.id),
      [mine.id, colleague.id],
      'only its organization, whatever else exists',
    )
    const asked = await listContacts(ctx.deps, me, { organizationId: other.id, limit: 200 })
    t.same(asked.data, [], 'asking for another organization yields nothing')
    const byMail = await listContacts(ctx.deps, me, { email: stranger.emails[0], limit: 200 })
    t.same(byMail.data, [], 'nor does an address lookup')
    t.equal((await getContact(ctx.deps, me, colleague.id)).id, colleague.id)
    await t.rejects(getContact(ctx.deps, me, stranger.id), { code: 'NOT_FOUND', status: 404 }, "another organization's contact is not found, not forbidden")
    const agentView: Principal = { kind: 'agent', id: mine.id, role: 'agent', name: 'A' }
    t.equal((await getContact(ctx.deps, agentView, stranger.id)).id, stranger.id, 'agents see every organization')
  })
})
