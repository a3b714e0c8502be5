import t from 'tap'
import { createTestApiKey } from '../../helpers/api-keys.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { createOrganization, listIds, unique, walkPages } from '../../helpers/directory.ts'

t.test('sites', async (t) => {
  const ctx = await buildTestApp(t)
  const token = await ctx.adminToken()
  const org = await createOrganization(ctx, token, { timeZone: 'Europe/Sofia' })
  const post = (payload: unknown, headers: Record<string, string> = {}, as = token) =>
    ctx.as(as, { method: 'POST', url: '/v1/sites', payload: payload as object, headers })

  t.test('create, read, update with ETag/If-Match, delete', async (t) => {
    const res = await post({ organizationId: org.id, name: 'Head office', address: '1 Vitosha Blvd', city: 'Sofia', country: 'BG' })
    t.equal(res.statusCode, 201, res.body)
    const site = res.json()
    t.match(site, { organizationId: org.id, name: 'Head office', city: 'Sofia', country: 'BG', timeZone: null, effectiveTimeZone: 'Europe/Sofia', active: true, version: 1 })
    t.equal(res.headers.location, `/v1/sites/${site.id}`)
    t.equal(res.headers.etag, '"1"')

    const got = await ctx.as(token, { method: 'GET', url: `/v1/sites/${site.id}` })
    t.equal(got.statusCode, 200)
    t.equal(got.headers.etag, '"1"')
    t.equal(got.json().effectiveTimeZone, 'Europe/Sofia')

    const upd = await ctx.as(token, { method: 'PATCH', url: `/v1/sites/${site.id}`, payload: { timeZone: 'Europe/London' }, headers: { 'if-match': '"1"' } })
    t.equal(upd.statusCode, 200, upd.body)
    t.match(upd.json(), { timeZone: 'Europe/London', effectiveTimeZone: 'Europe/London', version: 2 })
    t.equal(upd.headers.etag, '"2"')
    const stale = await ctx.as(token, { method: 'PATCH', url: `/v1/sites/${site.id}`, payload: { name: 'X' }, headers: { 'if-match': '"1"' } })
    t.equal(stale.statusCode, 412)
    t.equal(stale.json().code, 'PRECONDITION_FAILED')
    const moved = await ctx.as(token, { method: 'PATCH', url: `/v1/sites/${site.id}`, payload: { organizationId: org.id } })
    t.equal(moved.statusCode, 400, 'organizationId is immutable')
    t.match(moved.json().errors, [{ field: 'organizationId', message: 'is not a known field' }])

    const staleDel = await ctx.as(token, { method: 'DELETE', url: `/v1/sites/${site.id}`, headers: { 'if-match': '"1"' } })
    t.equal(staleDel.statusCode, 412)
    const del = await ctx.as(token, { method: 'DELETE', url: `/v1/sites/${site.id}`, headers: { 'if-match': '"2"' } })
    t.equal(del.statusCode, 204)
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/sites/${site.id}` })).statusCode, 404)
    t.equal((await ctx.as(token, { method: 'DELETE', url: `/v1/sites/${site.id}` })).statusCode, 404)
  })

  t.test('a referenced site cannot be deleted, only deactivated', async (t) => {
    const site = (await post({ organizationId: org.id, name: unique('Warehouse') })).json()
    const eq = await ctx.as(token, { method: 'POST', url: '/v1/equipment', payload: { organizationId: org.id, siteId: site.id, name: 'Server', kind: 'server' } })
    t.equal(eq.statusCode, 201, eq.body)
    const del = await ctx.as(token, { method: 'DELETE', url: `/v1/sites/${site.id}` })
    t.equal(del.statusCode, 409)
    t.equal(del.json().code, 'IN_USE')
    const off = await ctx.as(token, { method: 'PATCH', url: `/v1/sites/${site.id}`, payload: { active: false } })
    t.equal(off.statusCode, 200)
    t.equal(off.json().active, false)
  })

  t.test('the organization must exist and be active', async (t) => {
    const missing = await post({ organizationId: '0190c5a4-0000-7000-8000-000000000000', name: 'Nowhere' })
    t.equal(missing.statusCode, 422)
    t.match(missing.json(), { code: 'REFERENCE_NOT_FOUND', errors: [{ field: 'organizationId' }] })
    const closed = await createOrganization(ctx, token)
    await ctx.as(token, { method: 'DELETE', url: `/v1/organizations/${closed.id}` })
    const inactive = await post({ organizationId: closed.id, name: 'Closed office' })
    t.equal(inactive.statusCode, 422)
    t.match(inactive.json(), { code: 'UNPROCESSABLE', errors: [{ field: 'organizationId' }] })
  })

  t.test('filters', async (t) => {
    const other = await createOrganization(ctx, token)
    const tag = unique('Filter')
    const a = (await post({ organizationId: org.id, name: `${tag} a`, city: 'Plovdiv' })).json()
    const b = (await post({ organizationId: other.id, name: `${tag} b` })).json()
    const c = (await post({ organizationId: org.id, name: `${tag} c` })).json()
    await ctx.as(token, { method: 'PATCH', url: `/v1/sites/${c.id}`, payload: { active: false } })
    const q = encodeURIComponent(tag)
    t.same(await listIds(ctx, token, `/v1/sites?q=${q}`), [a.id, b.id, c.id])
    t.same(await listIds(ctx, token, `/v1/sites?q=${q}&organizationId=${org.id}`), [a.id, c.id])
    t.same(await listIds(ctx, token, `/v1/sites?q=${q}&active=false`), [c.id])
    t.same(await listIds(ctx, token, `/v1/sites?q=${q}&active=true`), [a.id, b.id])
    t.same(await listIds(ctx, token, `/v1/sites?organizationId=${org.id}&q=plovdiv`), [a.id], 'q matches the city')
    t.same(await listIds(ctx, token, '/v1/sites?q=100%25_off'), [], 'LIKE wildcards are literal')
    const list = (await ctx.as(token, { method: 'GET', url: `/v1/sites?organizationId=${other.id}` })).json()
    t.equal(list.data[0].effectiveTimeZone, other.timeZone, 'lists resolve the organization time zone too')
  })

  t.test('pagination walks every row once', async (t) => {
    const o = await createOrganization(ctx, token)
    const made: string[] = []
    for (let i = 0; i < 7; i++) made.push((await post({ organizationId: o.id, name: `Paged ${i}` })).json().id)
    const { ids, pages } = await walkPages(t, ctx, token, `/v1/sites?organizationId=${o.id}&limit=3`)
    t.same(ids, made)
    t.equal(pages, 3)
  })

  t.test('idempotency', async (t) => {
    const key = unique('site-key').replace(/ /g, '-')
    const body = { organizationId: org.id, name: unique('Idem') }
    const a = await post(body, { 'idempotency-key': key })
    const b = await post(body, { 'idempotency-key': key })
    t.equal(a.statusCode, 201)
    t.equal(b.statusCode, 201)
    t.equal(b.json().id, a.json().id)
    t.equal(b.headers['idempotent-replayed'], 'true')
    const c = await post({ ...body, name: 'Another' }, { 'idempotency-key': key })
    t.equal(c.statusCode, 422)
  })

  t.test('bad input', async (t) => {
    const wrongType = await post({ organizationId: org.id, name: 42 })
    t.equal(wrongType.statusCode, 400)
    t.match(wrongType.json(), { code: 'VALIDATION_FAILED', errors: [{ in: 'body', field: 'name' }] })
    t.match((await post({ name: 'No org' })).json().errors, [{ field: 'organizationId', message: 'is required' }])
    t.match((await post({ organizationId: org.id })).json().errors, [{ field: 'name', message: 'is required' }])
    const unknown = await post({ organizationId: org.id, name: 'U', active: false, id: 'x' })
    t.equal(unknown.statusCode, 400)
    t.match(unknown.json().errors, [{ message: 'is not a known field' }])
    t.equal((await post({ organizationId: org.id, name: 'x'.repeat(201) })).statusCode, 400)
    t.equal((await post({ organizationId: org.id, name: 'Long', address: 'x'.repeat(501) })).statusCode, 400)
    const tz = await post({ organizationId: org.id, name: 'TZ', timeZone: 'Mars/Olympus' })
    t.equal(tz.statusCode, 400)
    t.match(tz.json().errors, [{ field: 'timeZone' }])
    t.match((await post({ organizationId: org.id, name: 'C', country: 'Bulgaria' })).json().errors, [{ field: 'country' }])
    t.match((await post({ organizationId: 'nope', name: 'C' })).json().errors, [{ field: 'organizationId' }])
    t.equal((await post({ organizationId: org.id, name: 'Twin' })).statusCode, 201)
    const dup = await post({ organizationId: org.id, name: 'TWIN' })
    t.equal(dup.statusCode, 409)
    t.match(dup.json(), { code: 'DUPLICATE', errors: [{ field: 'name' }] })
    const emptyPatch = await ctx.as(token, { method: 'PATCH', url: `/v1/sites/${(await post({ organizationId: org.id, name: unique('P') })).json().id}`, payload: {} })
    t.equal(emptyPatch.statusCode, 400)
    const cursor = await ctx.as(token, { method: 'GET', url: '/v1/sites?cursor=garbage' })
    t.equal(cursor.statusCode, 400)
    t.equal(cursor.json().code, 'INVALID_CURSOR')
    const orgCursor = (await ctx.as(token, { method: 'GET', url: '/v1/organizations?limit=1' })).json().nextCursor
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/sites?cursor=${orgCursor}` })).statusCode, 400, "another list's cursor")
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/sites?active=maybe' })).statusCode, 400)
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/sites?organizationId=x' })).statusCode, 400)
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/sites/not-a-uuid' })).statusCode, 400)
  })

  t.test('access', async (t) => {
    const agent = (await ctx.login('agent')).token
    const manager = (await ctx.login('manager')).token
    t.equal((await post({ organizationId: org.id, name: unique('Agent') }, {}, agent)).statusCode, 403)
    t.equal((await ctx.as(agent, { method: 'GET', url: '/v1/sites' })).statusCode, 200, 'agents read')
    t.equal((await post({ organizationId: org.id, name: unique('Manager') }, {}, manager)).statusCode, 201)
    const reader = await createTestApiKey(ctx, ['directory:read'])
    const writer = await createTestApiKey(ctx, ['directory:write'])
    const none = await createTestApiKey(ctx, ['tickets:read'])
    t.equal((await ctx.as(none, { method: 'GET', url: '/v1/sites' })).statusCode, 403)
    t.equal((await ctx.as(reader, { method: 'GET', url: '/v1/sites' })).statusCode, 200)
    const denied = await post({ organizationId: org.id, name: unique('Key') }, {}, reader)
    t.equal(denied.statusCode, 403)
    t.equal(denied.json().code, 'FORBIDDEN')
    t.equal((await post({ organizationId: org.id, name: unique('Key') }, {}, writer)).statusCode, 201)
    t.equal((await ctx.as(undefined, { method: 'GET', url: '/v1/sites' })).statusCode, 401)
  })
})
