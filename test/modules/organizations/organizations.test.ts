import t from 'tap'
import { idempotencyKeys } from '../../../src/db/schema/index.ts'
import { idempotencyHash } from '../../../src/plugins/idempotency.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'

t.test('organizations', async (t) => {
  const ctx = await buildTestApp(t)
  const token = await ctx.adminToken()
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    ctx.as(token, { method: 'POST', url: '/v1/organizations', payload: payload as object, headers })

  t.test('create, read, update with ETag/If-Match, deactivate', async (t) => {
    const res = await post({ name: 'Acme Ltd', taxId: 'BG123456789', emailDomains: ['Acme.BG'], timeZone: 'Europe/Sofia' })
    t.equal(res.statusCode, 201, res.body)
    const org = res.json()
    t.match(org, { name: 'Acme Ltd', taxId: 'BG123456789', emailDomains: ['acme.bg'], timeZone: 'Europe/Sofia', defaultLocale: 'en', active: true, version: 1 })
    t.equal(res.headers.location, `/v1/organizations/${org.id}`)
    t.equal(res.headers.etag, '"1"')

    const got = await ctx.as(token, { method: 'GET', url: `/v1/organizations/${org.id}` })
    t.equal(got.statusCode, 200)
    t.equal(got.headers.etag, '"1"')

    const upd = await ctx.as(token, { method: 'PATCH', url: `/v1/organizations/${org.id}`, payload: { name: 'Acme Bulgaria' }, headers: { 'if-match': '"1"' } })
    t.equal(upd.statusCode, 200, upd.body)
    t.equal(upd.json().name, 'Acme Bulgaria')
    t.equal(upd.headers.etag, '"2"')

    const stale = await ctx.as(token, { method: 'PATCH', url: `/v1/organizations/${org.id}`, payload: { name: 'X' }, headers: { 'if-match': '"1"' } })
    t.equal(stale.statusCode, 412)
    t.equal(stale.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.equal(stale.json().code, 'PRECONDITION_FAILED')

    const del = await ctx.as(token, { method: 'DELETE', url: `/v1/organizations/${org.id}` })
    t.equal(del.statusCode, 200)
    t.equal(del.json().active, false)
  })

  t.test('bad input', async (t) => {
    const wrongType = await post({ name: 123 })
    t.equal(wrongType.statusCode, 400)
    t.match(wrongType.json(), { code: 'VALIDATION_FAILED', errors: [{ in: 'body', field: 'name' }] })
    const missing = await post({})
    t.match(missing.json().errors, [{ field: 'name', message: 'is required' }])
    const unknown = await post({ name: 'Unknown Field Co', isAdmin: true })
    t.equal(unknown.statusCode, 400)
    t.match(unknown.json().errors, [{ field: 'isAdmin', message: 'is not a known field' }])
    const long = await post({ name: 'x'.repeat(201) })
    t.equal(long.statusCode, 400)
    const tz = await post({ name: 'Bad TZ', timeZone: 'Mars/Olympus' })
    t.equal(tz.statusCode, 400)
    t.match(tz.json().errors, [{ field: 'timeZone' }])
    const email = await post({ name: 'Bad mail', billingContacts: [{ name: 'A', email: 'not-an-email' }] })
    t.match(email.json().errors, [{ field: 'billingContacts.0.email' }])
    await post({ name: 'Dup Co' })
    const dup = await post({ name: 'dup co' })
    t.equal(dup.statusCode, 409)
    t.match(dup.json(), { code: 'DUPLICATE', errors: [{ field: 'name' }] })
    const badJson = await ctx.as(token, { method: 'POST', url: '/v1/organizations', payload: '{"name":', headers: { 'content-type': 'application/json' } })
    t.equal(badJson.statusCode, 400)
    const big = await post({ name: 'Big', notes: 'x'.repeat(2_000_000) })
    t.equal(big.statusCode, 413)
    const cursor = await ctx.as(token, { method: 'GET', url: '/v1/organizations?cursor=garbage' })
    t.equal(cursor.statusCode, 400)
    t.equal(cursor.json().code, 'INVALID_CURSOR')
    const badId = await ctx.as(token, { method: 'GET', url: '/v1/organizations/not-a-uuid' })
    t.equal(badId.statusCode, 400)
    const none = await ctx.as(token, { method: 'GET', url: '/v1/organizations/0190c5a4-0000-7000-8000-000000000000' })
    t.equal(none.statusCode, 404)
  })

  t.test('pagination walks every row once', async (t) => {
    const names = Array.from({ length: 7 }, (_, i) => `Paged ${i} ${Date.now()}`)
    for (const name of names) t.equal((await post({ name })).statusCode, 201)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const url = `/v1/organizations?limit=3&q=Paged${cursor ? `&cursor=${cursor}` : ''}`
      const res = await ctx.as(token, { method: 'GET', url })
      t.equal(res.statusCode, 200)
      const body = res.json() as { data: Array<{ name: string }>; nextCursor: string | null }
      seen.push(...body.data.map((o) => o.name))
      cursor = body.nextCursor
      pages++
    } while (cursor)
    t.same(seen, names)
    t.equal(pages, 3)
  })

  t.test('idempotency', async (t) => {
    const key = `key-${Date.now()}`
    const a = await post({ name: 'Idem Co' }, { 'idempotency-key': key })
    const b = await post({ name: 'Idem Co' }, { 'idempotency-key': key })
    t.equal(a.statusCode, 201)
    t.equal(b.statusCode, 201)
    t.equal(b.json().id, a.json().id)
    t.equal(b.headers['idempotent-replayed'], 'true')
    const c = await post({ name: 'Other Co' }, { 'idempotency-key': key })
    t.equal(c.statusCode, 422)
    const [x, y] = await Promise.all([
      post({ name: 'Race Co' }, { 'idempotency-key': `race-${key}` }),
      post({ name: 'Race Co' }, { 'idempotency-key': `race-${key}` }),
    ])
    // Either the second waits behind the first and replays it, or it arrives mid-flight and gets 409.
    t.ok([x, y].some((r) => r.statusCode === 201))
    for (const r of [x, y]) t.ok(r.statusCode === 201 ? r.json().id === (x.statusCode === 201 ? x : y).json().id : r.statusCode === 409)
    const list = await ctx.as(token, { method: 'GET', url: '/v1/organizations?q=Race%20Co' })
    t.equal(list.json().data.length, 1)
    // A first request still running (its row has no outcome yet) makes a retry wait: 409.
    await ctx.deps.db.insert(idempotencyKeys).values({
      principal: `agent:${(await ctx.as(token, { method: 'GET', url: '/v1/auth/me' })).json().id}`,
      key: 'in-flight',
      method: 'POST',
      path: '/v1/organizations',
      requestHash: idempotencyHash('POST', '/v1/organizations', { name: 'Busy Co' }),
      lockedUntil: new Date(Date.now() + 60_000),
    })
    const busy = await post({ name: 'Busy Co' }, { 'idempotency-key': 'in-flight' })
    t.equal(busy.statusCode, 409)
    t.equal(busy.json().code, 'IDEMPOTENCY_IN_PROGRESS')
  })
})
