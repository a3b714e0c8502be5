import t from 'tap'
import { createTestApiKey } from '../../helpers/api-keys.ts'
import { walkPages } from '../../helpers/pages.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'

t.test('ticket types', async (t) => {
  const ctx = await buildTestApp(t)
  const token = await ctx.adminToken()
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    ctx.as(token, { method: 'POST', url: '/v1/ticket-types', payload: payload as object, headers })
  const list = async (query: string) => {
    const res = await ctx.as(token, { method: 'GET', url: `/v1/ticket-types?${query}` })
    t.equal(res.statusCode, 200, res.body)
    return (res.json() as { data: Array<{ id: string; name: string }> }).data
  }

  t.test('create, read, update with ETag/If-Match, deactivate', async (t) => {
    const res = await post({ name: 'How do I …', billable: true, requiredFields: ['section', 'steps', 'expectedResult'] })
    t.equal(res.statusCode, 201, res.body)
    const tt = res.json()
    t.match(tt, { name: 'How do I …', description: null, billable: true, active: true, version: 1 })
    t.same(tt.requiredFields, ['steps', 'expectedResult', 'section'], 'stored in canonical order')
    t.equal(res.headers.location, `/v1/ticket-types/${tt.id}`)
    t.equal(res.headers.etag, '"1"')

    const free = (await post({ name: 'Licence re-issue' })).json()
    t.match(free, { billable: false, requiredFields: [] }, 'free and without required fields by default')

    const got = await ctx.as(token, { method: 'GET', url: `/v1/ticket-types/${tt.id}` })
    t.equal(got.headers.etag, '"1"')
    t.same(got.json(), tt)

    const upd = await ctx.as(token, {
      method: 'PATCH',
      url: `/v1/ticket-types/${tt.id}`,
      payload: { requiredFields: ['screenshot', 'steps'], description: 'Billable questions' },
      headers: { 'if-match': '"1"' },
    })
    t.equal(upd.statusCode, 200, upd.body)
    t.match(upd.json(), { requiredFields: ['steps', 'screenshot'], description: 'Billable questions', version: 2 })
    t.equal(upd.headers.etag, '"2"')
    const stale = await ctx.as(token, { method: 'PATCH', url: `/v1/ticket-types/${tt.id}`, payload: { billable: false }, headers: { 'if-match': '"1"' } })
    t.equal(stale.statusCode, 412)

    const del = await ctx.as(token, { method: 'DELETE', url: `/v1/ticket-types/${tt.id}`, headers: { 'if-match': '"2"' } })
    t.equal(del.statusCode, 200)
    t.match(del.json(), { active: false, version: 3 })
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/ticket-types/${tt.id}` })).statusCode, 200, 'kept after deactivation')
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/ticket-types/0190c5a4-0000-7000-8000-000000000000' })).statusCode, 404)
  })

  t.test('filters', async (t) => {
    const a = (await post({ name: 'Filter does not start', billable: false })).json()
    const b = (await post({ name: 'Filter question', billable: true, description: 'paid consultation' })).json()
    const c = (await post({ name: 'Filter old', billable: true })).json()
    await ctx.as(token, { method: 'DELETE', url: `/v1/ticket-types/${c.id}` })
    t.same((await list('q=filter')).map((x) => x.id), [a.id, b.id, c.id])
    t.same((await list('q=CONSULT')).map((x) => x.id), [b.id], 'q searches the description')
    t.same((await list('q=filter&billable=true')).map((x) => x.id), [b.id, c.id])
    t.same((await list('q=filter&billable=false')).map((x) => x.id), [a.id])
    t.same((await list('q=filter&active=false')).map((x) => x.id), [c.id])
    t.same((await list('q=filter&active=true&billable=true')).map((x) => x.id), [b.id])
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/ticket-types?billable=maybe' })).statusCode, 400)
  })

  t.test('pagination walks every row once', async (t) => {
    const names = Array.from({ length: 5 }, (_, i) => `Paged type ${i}`)
    for (const name of names) t.equal((await post({ name })).statusCode, 201)
    const { items, pages } = await walkPages<{ name: string }>(ctx, token, '/v1/ticket-types?limit=2&q=Paged')
    t.same(items.map((x) => x.name), names)
    t.equal(pages, 3)
  })

  t.test('idempotency replay', async (t) => {
    const key = `type-${Date.now()}`
    const a = await post({ name: 'Idem type' }, { 'idempotency-key': key })
    const b = await post({ name: 'Idem type' }, { 'idempotency-key': key })
    t.equal(b.statusCode, 201)
    t.equal(b.json().id, a.json().id)
    t.equal(b.headers['idempotent-replayed'], 'true')
    t.equal((await post({ name: 'Idem type 2' }, { 'idempotency-key': key })).statusCode, 422)
  })

  t.test('bad input', async (t) => {
    t.match((await post({ name: 'Typed', billable: 1 })).json(), { code: 'VALIDATION_FAILED', errors: [{ field: 'billable' }] })
    t.match((await post({ billable: true })).json().errors, [{ field: 'name', message: 'is required' }])
    t.match((await post({ name: 'Mass', id: '0190c5a4-0000-7000-8000-000000000000' })).json().errors, [{ field: 'id', message: 'is not a known field' }])
    t.equal((await post({ name: 'x'.repeat(201) })).statusCode, 400)
    t.equal((await post({ name: '' })).statusCode, 400)
    const field = await post({ name: 'Unknown field', requiredFields: ['steps', 'video'] })
    t.equal(field.statusCode, 400)
    t.match(field.json().errors, [{ field: 'requiredFields.1' }])
    t.equal((await post({ name: 'Repeated field', requiredFields: ['steps', 'steps'] })).statusCode, 400)
    t.equal((await post({ name: 'Not a list', requiredFields: 'steps' })).statusCode, 400)
    await post({ name: 'Dup type' })
    const dup = await post({ name: 'dup TYPE' })
    t.equal(dup.statusCode, 409)
    t.match(dup.json(), { code: 'DUPLICATE', errors: [{ field: 'name' }] })
    const other = (await post({ name: 'Renamed later' })).json()
    const dupPatch = await ctx.as(token, { method: 'PATCH', url: `/v1/ticket-types/${other.id}`, payload: { name: 'Dup Type' } })
    t.equal(dupPatch.statusCode, 409)
  })

  t.test('access', async (t) => {
    const tt = (await post({ name: 'Access type' })).json()
    for (const role of ['agent', 'manager'] as const) {
      const { token: other } = await ctx.login(role)
      t.equal((await ctx.as(other, { method: 'POST', url: '/v1/ticket-types', payload: { name: `By ${role}` } })).statusCode, 403)
      t.equal((await ctx.as(other, { method: 'PATCH', url: `/v1/ticket-types/${tt.id}`, payload: { billable: true } })).statusCode, 403)
      t.equal((await ctx.as(other, { method: 'DELETE', url: `/v1/ticket-types/${tt.id}` })).statusCode, 403)
      t.equal((await ctx.as(other, { method: 'GET', url: '/v1/ticket-types' })).statusCode, 200, `${role} reads`)
    }
    const without = await createTestApiKey(ctx, ['billing:read'])
    t.equal((await ctx.as(without, { method: 'GET', url: '/v1/ticket-types' })).statusCode, 403)
    const reader = await createTestApiKey(ctx, ['tickets:read'])
    t.equal((await ctx.as(reader, { method: 'GET', url: '/v1/ticket-types' })).statusCode, 200)
    t.equal((await ctx.as(reader, { method: 'GET', url: `/v1/ticket-types/${tt.id}` })).statusCode, 200)
    t.equal((await ctx.as(reader, { method: 'PATCH', url: `/v1/ticket-types/${tt.id}`, payload: { billable: true } })).statusCode, 403)
  })
})
