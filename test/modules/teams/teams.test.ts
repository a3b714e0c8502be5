import t from 'tap'
import { createTestApiKey } from '../../helpers/api-keys.ts'
import { buildTestApp, uniqueEmail } from '../../helpers/build-test-app.ts'
import { listIds, unique, walkPages } from '../../helpers/directory.ts'

t.test('teams', async (t) => {
  const ctx = await buildTestApp(t)
  const token = await ctx.adminToken()
  const post = (payload: unknown, headers: Record<string, string> = {}, as = token) =>
    ctx.as(as, { method: 'POST', url: '/v1/teams', payload: payload as object, headers })
  const newAgent = async () =>
    (await ctx.as(token, { method: 'POST', url: '/v1/agents', payload: { name: unique('Member'), email: uniqueEmail(), role: 'agent' } })).json() as { id: string }
  const put = (teamId: string, agentId: string, as = token) => ctx.as(as, { method: 'PUT', url: `/v1/teams/${teamId}/members/${agentId}` })

  t.test('create, read, update with ETag/If-Match, delete', async (t) => {
    const res = await post({ name: 'ERP support', description: 'first line', email: 'ERP@Support.Example' })
    t.equal(res.statusCode, 201, res.body)
    const team = res.json()
    t.match(team, { name: 'ERP support', description: 'first line', email: 'erp@support.example', memberCount: 0, version: 1 })
    t.equal(res.headers.location, `/v1/teams/${team.id}`)
    const got = await ctx.as(token, { method: 'GET', url: `/v1/teams/${team.id}` })
    t.equal(got.headers.etag, '"1"')
    const upd = await ctx.as(token, { method: 'PATCH', url: `/v1/teams/${team.id}`, payload: { description: null }, headers: { 'if-match': '"1"' } })
    t.equal(upd.statusCode, 200, upd.body)
    t.match(upd.json(), { description: null, version: 2 })
    const stale = await ctx.as(token, { method: 'PATCH', url: `/v1/teams/${team.id}`, payload: { name: 'X' }, headers: { 'if-match': '"1"' } })
    t.equal(stale.statusCode, 412)
    t.equal((await ctx.as(token, { method: 'DELETE', url: `/v1/teams/${team.id}`, headers: { 'if-match': '"1"' } })).statusCode, 412)
    const a = await newAgent()
    t.equal((await put(team.id, a.id)).statusCode, 204)
    t.equal((await ctx.as(token, { method: 'DELETE', url: `/v1/teams/${team.id}`, headers: { 'if-match': '"2"' } })).statusCode, 412, 'the new member moved the version')
    t.equal((await ctx.as(token, { method: 'DELETE', url: `/v1/teams/${team.id}`, headers: { 'if-match': '"3"' } })).statusCode, 204)
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/teams/${team.id}` })).statusCode, 404)
    const agent = (await ctx.as(token, { method: 'GET', url: `/v1/agents/${a.id}` })).json()
    t.match(agent, { active: true, teamIds: [] }, 'memberships went with the team, the agent stayed')
  })

  t.test('membership', async (t) => {
    const team = (await post({ name: unique('Members') })).json()
    const [a, b, c] = [await newAgent(), await newAgent(), await newAgent()]
    for (const x of [a, b, c]) t.equal((await put(team.id, x.id)).statusCode, 204)
    const withThree = await ctx.as(token, { method: 'GET', url: `/v1/teams/${team.id}` })
    t.match(withThree.json(), { memberCount: 3, version: 4 }, 'each membership change moves the ETag')
    t.equal((await put(team.id, a.id)).statusCode, 204, 'adding twice is harmless')
    const still = await ctx.as(token, { method: 'GET', url: `/v1/teams/${team.id}` })
    t.match(still.json(), { memberCount: 3, version: 4 }, 'and changes nothing')
    const { ids, pages } = await walkPages(t, ctx, token, `/v1/teams/${team.id}/members?limit=2`)
    t.same(ids, [a.id, b.id, c.id])
    t.equal(pages, 2)
    const del = await ctx.as(token, { method: 'DELETE', url: `/v1/teams/${team.id}/members/${b.id}` })
    t.equal(del.statusCode, 204)
    const again = await ctx.as(token, { method: 'DELETE', url: `/v1/teams/${team.id}/members/${b.id}` })
    t.equal(again.statusCode, 404, 'not a member')
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/teams/${team.id}` })).headers.etag, '"5"', 'only the real removal counted')
    t.same(await listIds(ctx, token, `/v1/teams/${team.id}/members`), [a.id, c.id])
    const listed = (await ctx.as(token, { method: 'GET', url: `/v1/teams?q=${encodeURIComponent(team.name)}` })).json()
    t.equal(listed.data[0].memberCount, 2, 'lists carry memberCount')
    const ghost = '0190c5a4-0000-7000-8000-000000000000'
    t.equal((await put(team.id, ghost)).statusCode, 404, 'unknown agent')
    t.equal((await put(ghost, a.id)).statusCode, 404, 'unknown team')
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/teams/${ghost}/members` })).statusCode, 404)
    t.equal((await ctx.as(token, { method: 'PUT', url: `/v1/teams/${team.id}/members/nope` })).statusCode, 400)
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/teams/${team.id}/members?cursor=zzz` })).json().code, 'INVALID_CURSOR')
  })

  t.test('filter and pagination', async (t) => {
    const tag = unique('Paged')
    const made: string[] = []
    for (let i = 0; i < 5; i++) made.push((await post({ name: `${tag} ${i}` })).json().id)
    await post({ name: unique('Unrelated') })
    t.same(await listIds(ctx, token, `/v1/teams?q=${encodeURIComponent(`${tag} 3`)}`), [made[3]])
    const { ids, pages } = await walkPages(t, ctx, token, `/v1/teams?q=${encodeURIComponent(tag)}&limit=2`)
    t.same(ids, made)
    t.equal(pages, 3)
  })

  t.test('idempotency', async (t) => {
    const key = unique('tm-key').replace(/ /g, '-')
    const body = { name: unique('Idem') }
    const a = await post(body, { 'idempotency-key': key })
    const b = await post(body, { 'idempotency-key': key })
    t.equal(a.statusCode, 201)
    t.equal(b.json().id, a.json().id)
    t.equal((await post({ name: unique('Other') }, { 'idempotency-key': key })).statusCode, 422)
  })

  t.test('bad input', async (t) => {
    t.match((await post({ name: false })).json(), { code: 'VALIDATION_FAILED', errors: [{ field: 'name' }] })
    t.match((await post({})).json().errors, [{ field: 'name', message: 'is required' }])
    t.match((await post({ name: 'U', members: [] })).json().errors, [{ field: 'members', message: 'is not a known field' }])
    t.equal((await post({ name: 'n'.repeat(201) })).statusCode, 400)
    t.equal((await post({ name: 'Long', description: 'd'.repeat(2001) })).statusCode, 400)
    t.match((await post({ name: 'Mail', email: 'nope' })).json().errors, [{ field: 'email' }])
    const name = unique('Dup')
    t.equal((await post({ name })).statusCode, 201)
    const dup = await post({ name: name.toUpperCase() })
    t.equal(dup.statusCode, 409)
    t.match(dup.json(), { code: 'DUPLICATE', errors: [{ field: 'name' }] })
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/teams?cursor=abc' })).json().code, 'INVALID_CURSOR')
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/teams?unknown=1' })).statusCode, 400)
  })

  t.test('access', async (t) => {
    const agent = await ctx.login('agent')
    const manager = (await ctx.login('manager')).token
    t.equal((await post({ name: unique('A') }, {}, agent.token)).statusCode, 403)
    const team = await post({ name: unique('M') }, {}, manager)
    t.equal(team.statusCode, 201, 'managers manage teams')
    t.equal((await put(team.json().id, agent.agentId, agent.token)).statusCode, 403)
    t.equal((await put(team.json().id, agent.agentId, manager)).statusCode, 204)
    t.equal((await ctx.as(agent.token, { method: 'GET', url: `/v1/teams/${team.json().id}/members` })).statusCode, 200)
    const reader = await createTestApiKey(ctx, ['directory:read'])
    const writer = await createTestApiKey(ctx, ['directory:write'])
    t.equal((await ctx.as(await createTestApiKey(ctx, []), { method: 'GET', url: '/v1/teams' })).statusCode, 403)
    t.equal((await ctx.as(reader, { method: 'GET', url: '/v1/teams' })).statusCode, 200)
    t.equal((await post({ name: unique('K') }, {}, writer)).statusCode, 403, 'API keys never manage teams')
    t.equal((await ctx.as(writer, { method: 'DELETE', url: `/v1/teams/${team.json().id}/members/${agent.agentId}` })).statusCode, 403)
  })
})
