import t from 'tap'
import { createTestApiKey } from '../../helpers/api-keys.ts'
import { buildTestApp, uniqueEmail } from '../../helpers/build-test-app.ts'
import { listIds, unique, walkPages } from '../../helpers/directory.ts'

t.test('agents', async (t) => {
  const ctx = await buildTestApp(t)
  const token = await ctx.adminToken()
  const post = (payload: unknown, headers: Record<string, string> = {}, as = token) =>
    ctx.as(as, { method: 'POST', url: '/v1/agents', payload: payload as object, headers })
  const PASSWORD = 'a long enough initial password'

  t.test('create with a password, read, update with ETag/If-Match, deactivate', async (t) => {
    const email = uniqueEmail('Maria')
    const res = await post({ name: 'Maria', email, role: 'agent', skills: ['sql', 'erp'], locale: 'bg', timeZone: 'Europe/Sofia', password: PASSWORD })
    t.equal(res.statusCode, 201, res.body)
    const agent = res.json()
    t.match(agent, { name: 'Maria', email: email.toLowerCase(), role: 'agent', skills: ['sql', 'erp'], active: true, teamIds: [], version: 1 })
    t.notOk('passwordHash' in agent)
    t.notOk('password' in agent)
    t.equal(res.headers.location, `/v1/agents/${agent.id}`)
    const login = await ctx.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: PASSWORD } })
    t.equal(login.statusCode, 200, 'the initial password works')
    const agentToken = login.json().accessToken

    const got = await ctx.as(token, { method: 'GET', url: `/v1/agents/${agent.id}` })
    t.equal(got.statusCode, 200)
    t.equal(got.headers.etag, '"1"')
    t.notOk(got.body.includes('passwordHash'))

    const upd = await ctx.as(token, { method: 'PATCH', url: `/v1/agents/${agent.id}`, payload: { skills: ['sql'] }, headers: { 'if-match': '"1"' } })
    t.equal(upd.statusCode, 200, upd.body)
    t.match(upd.json(), { skills: ['sql'], version: 2 })
    t.equal((await ctx.as(agentToken, { method: 'GET', url: '/v1/auth/me' })).statusCode, 200, 'a skills change keeps tokens')
    const stale = await ctx.as(token, { method: 'PATCH', url: `/v1/agents/${agent.id}`, payload: { name: 'X' }, headers: { 'if-match': '"1"' } })
    t.equal(stale.statusCode, 412)

    const promote = await ctx.as(token, { method: 'PATCH', url: `/v1/agents/${agent.id}`, payload: { role: 'manager' } })
    t.equal(promote.json().role, 'manager')
    t.equal((await ctx.as(agentToken, { method: 'GET', url: '/v1/auth/me' })).statusCode, 401, 'a role change revokes tokens')

    const del = await ctx.as(token, { method: 'DELETE', url: `/v1/agents/${agent.id}` })
    t.equal(del.statusCode, 200)
    t.equal(del.json().active, false)
    const again = await ctx.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: PASSWORD } })
    t.equal(again.statusCode, 401, 'a deactivated agent cannot log in')
  })

  t.test('an admin cannot demote or disable themselves', async (t) => {
    const me = await ctx.login('admin')
    const demote = await ctx.as(me.token, { method: 'PATCH', url: `/v1/agents/${me.agentId}`, payload: { role: 'agent' } })
    t.equal(demote.statusCode, 409)
    t.equal((await ctx.as(me.token, { method: 'DELETE', url: `/v1/agents/${me.agentId}` })).statusCode, 409)
  })

  t.test('filters', async (t) => {
    const tag = unique('Filter')
    const a = (await post({ name: `${tag} a`, email: uniqueEmail(), role: 'manager', skills: ['sap'] })).json()
    const b = (await post({ name: `${tag} b`, email: uniqueEmail(), role: 'agent', skills: ['crm'] })).json()
    const c = (await post({ name: `${tag} c`, email: uniqueEmail(), role: 'agent' })).json()
    await ctx.as(token, { method: 'DELETE', url: `/v1/agents/${c.id}` })
    const team = (await ctx.as(token, { method: 'POST', url: '/v1/teams', payload: { name: unique('Team') } })).json()
    t.equal((await ctx.as(token, { method: 'PUT', url: `/v1/teams/${team.id}/members/${b.id}` })).statusCode, 204)
    const q = encodeURIComponent(tag)
    t.same(await listIds(ctx, token, `/v1/agents?q=${q}`), [a.id, b.id, c.id])
    t.same(await listIds(ctx, token, `/v1/agents?q=${q}&role=agent`), [b.id, c.id])
    t.same(await listIds(ctx, token, `/v1/agents?q=${q}&active=false`), [c.id])
    t.same(await listIds(ctx, token, `/v1/agents?q=${q}&active=true`), [a.id, b.id])
    t.same(await listIds(ctx, token, `/v1/agents?q=${q}&skill=sap`), [a.id])
    t.same(await listIds(ctx, token, `/v1/agents?teamId=${team.id}`), [b.id])
    const listed = (await ctx.as(token, { method: 'GET', url: `/v1/agents?teamId=${team.id}` })).json()
    t.same(listed.data[0].teamIds, [team.id])
  })

  t.test('pagination walks every row once', async (t) => {
    const tag = unique('Paged')
    const made: string[] = []
    for (let i = 0; i < 5; i++) made.push((await post({ name: `${tag} ${i}`, email: uniqueEmail(), role: 'agent' })).json().id)
    const { ids, pages } = await walkPages(t, ctx, token, `/v1/agents?q=${encodeURIComponent(tag)}&limit=2`)
    t.same(ids, made)
    t.equal(pages, 3)
  })

  t.test('idempotency', async (t) => {
    const key = unique('ag-key').replace(/ /g, '-')
    const body = { name: 'Idem', email: uniqueEmail(), role: 'agent' }
    const a = await post(body, { 'idempotency-key': key })
    const b = await post(body, { 'idempotency-key': key })
    t.equal(a.statusCode, 201)
    t.equal(b.json().id, a.json().id)
    t.equal((await post({ ...body, name: 'Other' }, { 'idempotency-key': key })).statusCode, 422)
  })

  t.test('bad input', async (t) => {
    const base = () => ({ name: 'Bad', email: uniqueEmail(), role: 'agent' })
    t.match((await post({ ...base(), role: 'owner' })).json(), { code: 'VALIDATION_FAILED', errors: [{ field: 'role' }] })
    t.match((await post({ name: 'X', role: 'agent' })).json().errors, [{ field: 'email', message: 'is required' }])
    t.match((await post({ ...base(), email: 'nope' })).json().errors, [{ field: 'email' }])
    t.match((await post({ ...base(), passwordHash: 'x' })).json().errors, [{ field: 'passwordHash', message: 'is not a known field' }])
    t.match((await post({ ...base(), password: 'short' })).json().errors, [{ field: 'password' }])
    t.match((await post({ ...base(), timeZone: 'Nowhere/Else' })).json().errors, [{ field: 'timeZone' }])
    t.equal((await post({ ...base(), name: 'n'.repeat(201) })).statusCode, 400)
    t.equal((await post({ ...base(), skills: 'sql' })).statusCode, 400)
    const email = uniqueEmail()
    t.equal((await post({ ...base(), email })).statusCode, 201)
    const dup = await post({ ...base(), email: email.toUpperCase() })
    t.equal(dup.statusCode, 409)
    t.match(dup.json(), { code: 'DUPLICATE', errors: [{ field: 'email' }] })
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/agents?cursor=xyz' })).json().code, 'INVALID_CURSOR')
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/agents?role=boss' })).statusCode, 400)
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/agents/0190c5a4-0000-7000-8000-000000000000' })).statusCode, 404)
  })

  t.test('access', async (t) => {
    const agent = (await ctx.login('agent')).token
    const manager = (await ctx.login('manager')).token
    const body = () => ({ name: 'Access', email: uniqueEmail(), role: 'agent' })
    t.equal((await post(body(), {}, agent)).statusCode, 403)
    t.equal((await post(body(), {}, manager)).statusCode, 403, 'managers do not manage agents')
    t.equal((await ctx.as(agent, { method: 'GET', url: '/v1/agents' })).statusCode, 200, 'every agent reads the list')
    const reader = await createTestApiKey(ctx, ['directory:read'])
    const writer = await createTestApiKey(ctx, ['directory:read', 'directory:write'])
    t.equal((await ctx.as(await createTestApiKey(ctx, ['tickets:read']), { method: 'GET', url: '/v1/agents' })).statusCode, 403)
    const listed = await ctx.as(reader, { method: 'GET', url: '/v1/agents' })
    t.equal(listed.statusCode, 200)
    t.notOk(listed.body.includes('passwordHash'))
    t.equal((await post(body(), {}, writer)).statusCode, 403, 'API keys never manage agents')
    const someone = (await post(body())).json()
    t.equal((await ctx.as(writer, { method: 'PATCH', url: `/v1/agents/${someone.id}`, payload: { role: 'admin' } })).statusCode, 403)
    t.equal((await ctx.as(manager, { method: 'DELETE', url: `/v1/agents/${someone.id}` })).statusCode, 403)
  })
})
