import t from 'tap'
import { createTestApiKey } from '../../helpers/api-keys.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { createOrganization, listIds, unique, walkPages } from '../../helpers/directory.ts'

t.test('equipment', async (t) => {
  const ctx = await buildTestApp(t)
  const token = await ctx.adminToken()
  const org = await createOrganization(ctx, token)
  const other = await createOrganization(ctx, token)
  const site = async (organizationId: string) =>
    (await ctx.as(token, { method: 'POST', url: '/v1/sites', payload: { organizationId, name: unique('Site') } })).json() as { id: string }
  const orgSite = await site(org.id)
  const otherSite = await site(other.id)
  const post = (payload: unknown, headers: Record<string, string> = {}, as = token) =>
    ctx.as(as, { method: 'POST', url: '/v1/equipment', payload: payload as object, headers })

  t.test('create, read, update with ETag/If-Match, delete', async (t) => {
    const res = await post({ organizationId: org.id, siteId: orgSite.id, name: 'Main server', kind: 'server', serialNumber: 'SN-1', notes: 'rack 2' })
    t.equal(res.statusCode, 201, res.body)
    const eq = res.json()
    t.match(eq, { organizationId: org.id, siteId: orgSite.id, name: 'Main server', kind: 'server', serialNumber: 'SN-1', notes: 'rack 2', active: true, version: 1 })
    t.equal(res.headers.location, `/v1/equipment/${eq.id}`)
    const got = await ctx.as(token, { method: 'GET', url: `/v1/equipment/${eq.id}` })
    t.equal(got.statusCode, 200)
    t.equal(got.headers.etag, '"1"')
    const upd = await ctx.as(token, { method: 'PATCH', url: `/v1/equipment/${eq.id}`, payload: { siteId: null, notes: null }, headers: { 'if-match': '"1"' } })
    t.equal(upd.statusCode, 200, upd.body)
    t.match(upd.json(), { siteId: null, notes: null, version: 2 })
    const stale = await ctx.as(token, { method: 'PATCH', url: `/v1/equipment/${eq.id}`, payload: { name: 'X' }, headers: { 'if-match': '"1"' } })
    t.equal(stale.statusCode, 412)
    const del = await ctx.as(token, { method: 'DELETE', url: `/v1/equipment/${eq.id}`, headers: { 'if-match': '"2"' } })
    t.equal(del.statusCode, 204)
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/equipment/${eq.id}` })).statusCode, 404)
  })

  t.test('the site must belong to the same organization', async (t) => {
    const cross = await post({ organizationId: org.id, siteId: otherSite.id, name: 'Cross', kind: 'printer' })
    t.equal(cross.statusCode, 422)
    t.match(cross.json(), { code: 'UNPROCESSABLE', errors: [{ field: 'siteId', message: 'belongs to another organization' }] })
    const missing = await post({ organizationId: org.id, siteId: '0190c5a4-0000-7000-8000-000000000000', name: 'Ghost', kind: 'printer' })
    t.equal(missing.statusCode, 422)
    t.match(missing.json().errors, [{ field: 'siteId', message: 'no such site' }])
    const eq = (await post({ organizationId: org.id, name: 'Movable', kind: 'printer' })).json()
    const move = await ctx.as(token, { method: 'PATCH', url: `/v1/equipment/${eq.id}`, payload: { siteId: otherSite.id } })
    t.equal(move.statusCode, 422)
    t.match(move.json().errors, [{ field: 'siteId' }])
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/equipment/${eq.id}` })).json().siteId, null, 'nothing changed')
    const ok = await ctx.as(token, { method: 'PATCH', url: `/v1/equipment/${eq.id}`, payload: { siteId: orgSite.id } })
    t.equal(ok.json().siteId, orgSite.id)
    const orgMissing = await post({ organizationId: '0190c5a4-0000-7000-8000-000000000000', name: 'X', kind: 'x' })
    t.match(orgMissing.json(), { code: 'REFERENCE_NOT_FOUND', errors: [{ field: 'organizationId' }] })
    t.equal((await ctx.as(token, { method: 'PATCH', url: '/v1/equipment/0190c5a4-0000-7000-8000-000000000000', payload: { siteId: orgSite.id } })).statusCode, 404)
  })

  t.test('serial numbers are unique per organization', async (t) => {
    const serial = unique('SER').replace(/ /g, '-')
    t.equal((await post({ organizationId: org.id, name: 'A', kind: 'pc', serialNumber: serial })).statusCode, 201)
    const dup = await post({ organizationId: org.id, name: 'B', kind: 'pc', serialNumber: serial })
    t.equal(dup.statusCode, 409)
    t.match(dup.json(), { code: 'DUPLICATE', errors: [{ field: 'serialNumber' }] })
    t.equal((await post({ organizationId: other.id, name: 'C', kind: 'pc', serialNumber: serial })).statusCode, 201, 'another organization may reuse it')
    t.equal((await post({ organizationId: org.id, name: 'D', kind: 'pc' })).statusCode, 201)
    t.equal((await post({ organizationId: org.id, name: 'E', kind: 'pc' })).statusCode, 201, 'no serial number is not a duplicate')
  })

  t.test('filters', async (t) => {
    const o = await createOrganization(ctx, token)
    const s = await site(o.id)
    const tag = unique('Kit')
    const a = (await post({ organizationId: o.id, siteId: s.id, name: `${tag} a`, kind: 'router', serialNumber: 'ZX-9' })).json()
    const b = (await post({ organizationId: o.id, name: `${tag} b`, kind: 'printer' })).json()
    const c = (await post({ organizationId: other.id, name: `${tag} c`, kind: 'router' })).json()
    await ctx.as(token, { method: 'PATCH', url: `/v1/equipment/${b.id}`, payload: { active: false } })
    t.same(await listIds(ctx, token, `/v1/equipment?organizationId=${o.id}`), [a.id, b.id])
    t.same(await listIds(ctx, token, `/v1/equipment?siteId=${s.id}`), [a.id])
    t.same(await listIds(ctx, token, `/v1/equipment?q=${encodeURIComponent(tag)}&kind=router`), [a.id, c.id])
    t.same(await listIds(ctx, token, `/v1/equipment?organizationId=${o.id}&q=zx-9`), [a.id], 'q matches the serial number')
    t.same(await listIds(ctx, token, `/v1/equipment?organizationId=${o.id}&active=false`), [b.id])
    t.same(await listIds(ctx, token, `/v1/equipment?organizationId=${o.id}&active=true`), [a.id])
  })

  t.test('pagination walks every row once', async (t) => {
    const o = await createOrganization(ctx, token)
    const made: string[] = []
    for (let i = 0; i < 5; i++) made.push((await post({ organizationId: o.id, name: `Paged ${i}`, kind: 'pc' })).json().id)
    const { ids, pages } = await walkPages(t, ctx, token, `/v1/equipment?organizationId=${o.id}&limit=2`)
    t.same(ids, made)
    t.equal(pages, 3)
  })

  t.test('idempotency', async (t) => {
    const key = unique('eq-key').replace(/ /g, '-')
    const body = { organizationId: org.id, name: 'Idem', kind: 'pc' }
    const a = await post(body, { 'idempotency-key': key })
    const b = await post(body, { 'idempotency-key': key })
    t.equal(a.statusCode, 201)
    t.equal(b.json().id, a.json().id)
    t.equal(b.headers['idempotent-replayed'], 'true')
    t.equal((await post({ ...body, kind: 'server' }, { 'idempotency-key': key })).statusCode, 422)
  })

  t.test('bad input', async (t) => {
    t.match((await post({ organizationId: org.id, name: 'X', kind: 7 })).json(), { code: 'VALIDATION_FAILED', errors: [{ field: 'kind' }] })
    t.match((await post({ organizationId: org.id, name: 'X' })).json().errors, [{ field: 'kind', message: 'is required' }])
    t.match((await post({ organizationId: org.id, name: 'X', kind: 'pc', owner: 'me' })).json().errors, [{ field: 'owner', message: 'is not a known field' }])
    t.equal((await post({ organizationId: org.id, name: 'X', kind: 'k'.repeat(65) })).statusCode, 400)
    t.equal((await post({ organizationId: org.id, name: 'X', kind: 'pc', serialNumber: 's'.repeat(101) })).statusCode, 400)
    t.equal((await post({ organizationId: org.id, name: 'X', kind: 'pc', serialNumber: ' padded ' })).statusCode, 400)
    t.equal((await post({ organizationId: org.id, name: 'X', kind: 'pc', notes: 'n'.repeat(4001) })).statusCode, 400)
    t.match((await post({ organizationId: org.id, name: 'X', kind: 'pc', siteId: 'nope' })).json().errors, [{ field: 'siteId' }])
    const eq = (await post({ organizationId: org.id, name: 'Fixed', kind: 'pc' })).json()
    t.equal((await ctx.as(token, { method: 'PATCH', url: `/v1/equipment/${eq.id}`, payload: { organizationId: other.id } })).statusCode, 400, 'organizationId is immutable')
    const cursor = await ctx.as(token, { method: 'GET', url: '/v1/equipment?cursor=%%%' })
    t.equal(cursor.statusCode, 400)
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/equipment?cursor=abc' })).json().code, 'INVALID_CURSOR')
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/equipment?siteId=x' })).statusCode, 400)
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/equipment?limit=0' })).statusCode, 400)
  })

  t.test('access', async (t) => {
    const agent = (await ctx.login('agent')).token
    t.equal((await post({ organizationId: org.id, name: 'A', kind: 'pc' }, {}, agent)).statusCode, 403)
    t.equal((await ctx.as(agent, { method: 'GET', url: '/v1/equipment' })).statusCode, 200)
    const reader = await createTestApiKey(ctx, ['directory:read'])
    const writer = await createTestApiKey(ctx, ['directory:write'])
    t.equal((await ctx.as(await createTestApiKey(ctx, []), { method: 'GET', url: '/v1/equipment' })).statusCode, 403)
    t.equal((await ctx.as(reader, { method: 'GET', url: '/v1/equipment' })).statusCode, 200)
    t.equal((await post({ organizationId: org.id, name: 'K', kind: 'pc' }, {}, reader)).statusCode, 403)
    const made = await post({ organizationId: org.id, name: 'K', kind: 'pc' }, {}, writer)
    t.equal(made.statusCode, 201)
    t.equal((await ctx.as(reader, { method: 'DELETE', url: `/v1/equipment/${made.json().id}` })).statusCode, 403)
    t.equal((await ctx.as(writer, { method: 'DELETE', url: `/v1/equipment/${made.json().id}` })).statusCode, 204)
  })
})
