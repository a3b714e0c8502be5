import t from 'tap'
import { teams } from '../../../src/db/schema/index.ts'
import { createTestApiKey } from '../../helpers/api-keys.ts'
import { walkPages } from '../../helpers/pages.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'

t.test('queues', async (t) => {
  const ctx = await buildTestApp(t)
  const token = await ctx.adminToken()
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    ctx.as(token, { method: 'POST', url: '/v1/queues', payload: payload as object, headers })
  const list = async (query: string) => {
    const res = await ctx.as(token, { method: 'GET', url: `/v1/queues?${query}` })
    t.equal(res.statusCode, 200, res.body)
    return (res.json() as { data: Array<{ id: string; name: string }> }).data
  }
  const [team] = await ctx.deps.db.insert(teams).values({ name: `Support team ${Date.now()}` }).returning()

  t.test('create, read, update with ETag/If-Match, deactivate', async (t) => {
    const res = await post({
      name: 'Product support',
      description: 'Consultations',
      defaultTeamId: team!.id,
      inboundEmail: 'Support@Desk.Example',
      billableByDefault: true,
      autoCloseResolvedAfterDays: 7,
      unassignedAlertMinutes: 30,
      unassignedRepeatMinutes: 60,
    })
    t.equal(res.statusCode, 201, res.body)
    const q = res.json()
    t.match(q, {
      name: 'Product support',
      defaultTeamId: team!.id,
      inboundEmail: 'support@desk.example',
      billableByDefault: true,
      reopenOnCustomerReply: true,
      autoCloseResolvedAfterDays: 7,
      unassignedAlertMinutes: 30,
      unassignedRepeatMinutes: 60,
      active: true,
      version: 1,
    })
    t.equal(res.headers.location, `/v1/queues/${q.id}`)
    t.equal(res.headers.etag, '"1"')

    const got = await ctx.as(token, { method: 'GET', url: `/v1/queues/${q.id}` })
    t.equal(got.statusCode, 200)
    t.equal(got.headers.etag, '"1"')
    t.same(got.json(), q)

    const upd = await ctx.as(token, {
      method: 'PATCH',
      url: `/v1/queues/${q.id}`,
      payload: { reopenOnCustomerReply: false, defaultTeamId: null, autoCloseResolvedAfterDays: null, inboundEmail: 'HELP@desk.example' },
      headers: { 'if-match': '"1"' },
    })
    t.equal(upd.statusCode, 200, upd.body)
    t.match(upd.json(), { reopenOnCustomerReply: false, defaultTeamId: null, autoCloseResolvedAfterDays: null, inboundEmail: 'help@desk.example', version: 2 })
    t.equal(upd.headers.etag, '"2"')

    const stale = await ctx.as(token, { method: 'PATCH', url: `/v1/queues/${q.id}`, payload: { name: 'X' }, headers: { 'if-match': '"1"' } })
    t.equal(stale.statusCode, 412)
    t.equal(stale.json().code, 'PRECONDITION_FAILED')
    const badEtag = await ctx.as(token, { method: 'PATCH', url: `/v1/queues/${q.id}`, payload: { name: 'X' }, headers: { 'if-match': 'nope' } })
    t.equal(badEtag.statusCode, 400)

    const staleDel = await ctx.as(token, { method: 'DELETE', url: `/v1/queues/${q.id}`, headers: { 'if-match': '"1"' } })
    t.equal(staleDel.statusCode, 412)
    const del = await ctx.as(token, { method: 'DELETE', url: `/v1/queues/${q.id}`, headers: { 'if-match': '"2"' } })
    t.equal(del.statusCode, 200, del.body)
    t.match(del.json(), { active: false, version: 3 })
    const again = await ctx.as(token, { method: 'GET', url: `/v1/queues/${q.id}` })
    t.equal(again.json().active, false, 'a deactivated queue is kept')
    const restore = await ctx.as(token, { method: 'PATCH', url: `/v1/queues/${q.id}`, payload: { active: true } })
    t.equal(restore.json().active, true)

    const none = await ctx.as(token, { method: 'PATCH', url: '/v1/queues/0190c5a4-0000-7000-8000-000000000000', payload: { name: 'X' } })
    t.equal(none.statusCode, 404)
  })

  t.test('filters', async (t) => {
    const [other] = await ctx.deps.db.insert(teams).values({ name: `Sales team ${Date.now()}` }).returning()
    const a = (await post({ name: 'Filter Alpha', defaultTeamId: other!.id, inboundEmail: 'alpha@filter.example' })).json()
    const b = (await post({ name: 'Filter Beta', description: 'the second one' })).json()
    const c = (await post({ name: 'Filter Gamma', defaultTeamId: other!.id })).json()
    await ctx.as(token, { method: 'DELETE', url: `/v1/queues/${c.id}` })

    t.same((await list('q=filter')).map((x) => x.id), [a.id, b.id, c.id])
    t.same((await list('q=second')).map((x) => x.id), [b.id], 'q searches the description')
    t.same((await list('q=filter&active=false')).map((x) => x.id), [c.id])
    t.same((await list('q=filter&active=true')).map((x) => x.id), [a.id, b.id])
    t.same((await list(`teamId=${other!.id}`)).map((x) => x.id), [a.id, c.id])
    t.same((await list('inboundEmail=ALPHA@Filter.example')).map((x) => x.id), [a.id], 'exact, case-insensitive')
    t.same(await list('inboundEmail=alpha@filter'), [], 'not a substring match')
    const bad = await ctx.as(token, { method: 'GET', url: '/v1/queues?teamId=nope' })
    t.equal(bad.statusCode, 400)
    const unknown = await ctx.as(token, { method: 'GET', url: '/v1/queues?colour=red' })
    t.equal(unknown.statusCode, 400)
  })

  t.test('pagination walks every row once', async (t) => {
    const names = Array.from({ length: 5 }, (_, i) => `Paged ${i}`)
    for (const name of names) t.equal((await post({ name })).statusCode, 201)
    const { items, pages } = await walkPages<{ name: string }>(ctx, token, '/v1/queues?limit=2&q=Paged')
    t.same(items.map((x) => x.name), names)
    t.equal(pages, 3)
    const foreign = await ctx.as(token, { method: 'GET', url: '/v1/queues?cursor=garbage' })
    t.equal(foreign.json().code, 'INVALID_CURSOR')
  })

  t.test('idempotency replay', async (t) => {
    const key = `queue-${Date.now()}`
    const a = await post({ name: 'Idem queue' }, { 'idempotency-key': key })
    const b = await post({ name: 'Idem queue' }, { 'idempotency-key': key })
    t.equal(a.statusCode, 201)
    t.equal(b.statusCode, 201)
    t.equal(b.json().id, a.json().id)
    t.equal(b.headers['idempotent-replayed'], 'true')
    t.equal((await post({ name: 'Other queue' }, { 'idempotency-key': key })).statusCode, 422)
  })

  t.test('bad input', async (t) => {
    const wrongType = await post({ name: 'Typed', billableByDefault: 'yes' })
    t.equal(wrongType.statusCode, 400)
    t.match(wrongType.json(), { code: 'VALIDATION_FAILED', errors: [{ in: 'body', field: 'billableByDefault' }] })
    t.match((await post({})).json().errors, [{ field: 'name', message: 'is required' }])
    const unknown = await post({ name: 'Mass', version: 9 })
    t.equal(unknown.statusCode, 400)
    t.match(unknown.json().errors, [{ field: 'version', message: 'is not a known field' }])
    t.equal((await post({ name: 'x'.repeat(201) })).statusCode, 400)
    t.equal((await post({ name: 'Long desc', description: 'x'.repeat(2001) })).statusCode, 400)
    t.match((await post({ name: 'Zero days', autoCloseResolvedAfterDays: 0 })).json().errors, [{ field: 'autoCloseResolvedAfterDays' }])
    t.match((await post({ name: 'Zero minutes', unassignedAlertMinutes: 0 })).json().errors, [{ field: 'unassignedAlertMinutes' }])
    t.match((await post({ name: 'Fraction', unassignedAlertMinutes: 1.5 })).json().errors, [{ field: 'unassignedAlertMinutes' }])
    t.match((await post({ name: 'Zero repeat', unassignedRepeatMinutes: 0 })).json().errors, [{ field: 'unassignedRepeatMinutes' }])
    t.match((await post({ name: 'Bad mail', inboundEmail: 'not-an-address' })).json().errors, [{ field: 'inboundEmail' }])
    t.equal((await ctx.as(token, { method: 'PATCH', url: `/v1/queues/${team!.id}`, payload: {} })).statusCode, 400, 'empty patch')

    await post({ name: 'Dup queue', inboundEmail: 'dup@desk.example' })
    const dupName = await post({ name: 'DUP QUEUE' })
    t.equal(dupName.statusCode, 409)
    t.match(dupName.json(), { code: 'DUPLICATE', errors: [{ field: 'name' }] })
    const dupMail = await post({ name: 'Dup queue 2', inboundEmail: 'Dup@Desk.Example' })
    t.equal(dupMail.statusCode, 409)
    t.match(dupMail.json(), { code: 'DUPLICATE', errors: [{ field: 'inboundEmail' }] })

    const ghost = '0190c5a4-0000-7000-8000-000000000001'
    const noTeam = await post({ name: 'Ghost team', defaultTeamId: ghost })
    t.equal(noTeam.statusCode, 422)
    t.match(noTeam.json(), { code: 'REFERENCE_NOT_FOUND', detail: new RegExp(ghost), errors: [{ field: 'defaultTeamId' }] })
    const existing = (await post({ name: 'Team later' })).json()
    const patchGhost = await ctx.as(token, { method: 'PATCH', url: `/v1/queues/${existing.id}`, payload: { defaultTeamId: ghost } })
    t.equal(patchGhost.statusCode, 422)
    t.match(patchGhost.json().errors, [{ field: 'defaultTeamId' }])
  })

  t.test('access', async (t) => {
    const q = (await post({ name: 'Access queue' })).json()
    for (const role of ['agent', 'manager'] as const) {
      const { token: other } = await ctx.login(role)
      t.equal((await ctx.as(other, { method: 'POST', url: '/v1/queues', payload: { name: `By ${role}` } })).statusCode, 403, `${role} cannot create`)
      t.equal((await ctx.as(other, { method: 'PATCH', url: `/v1/queues/${q.id}`, payload: { name: 'Renamed' } })).statusCode, 403)
      t.equal((await ctx.as(other, { method: 'DELETE', url: `/v1/queues/${q.id}` })).statusCode, 403)
      t.equal((await ctx.as(other, { method: 'GET', url: `/v1/queues/${q.id}` })).statusCode, 200, `${role} reads`)
      t.equal((await ctx.as(other, { method: 'GET', url: '/v1/queues' })).statusCode, 200)
    }
    const without = await createTestApiKey(ctx, ['directory:read'])
    t.equal((await ctx.as(without, { method: 'GET', url: '/v1/queues' })).statusCode, 403)
    t.equal((await ctx.as(without, { method: 'GET', url: `/v1/queues/${q.id}` })).statusCode, 403)
    const reader = await createTestApiKey(ctx, ['tickets:read', 'tickets:write'])
    t.equal((await ctx.as(reader, { method: 'GET', url: '/v1/queues' })).statusCode, 200)
    t.equal((await ctx.as(reader, { method: 'GET', url: `/v1/queues/${q.id}` })).statusCode, 200)
    t.equal((await ctx.as(reader, { method: 'POST', url: '/v1/queues', payload: { name: 'By key' } })).statusCode, 403, 'keys never write config')
    t.equal((await ctx.as(undefined, { method: 'GET', url: '/v1/queues' })).statusCode, 401)
  })
})
