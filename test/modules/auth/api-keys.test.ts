import { eq } from 'drizzle-orm'
import t from 'tap'
import { AUTH_CHANNEL, changeFeed } from '../../../src/db/change-feed.ts'
import { agents, apiKeys } from '../../../src/db/schema/index.ts'
import { SCOPES } from '../../../src/lib/principal.ts'
import { buildTestApp, fixedClock } from '../../helpers/build-test-app.ts'
import { eventually, feedLive } from '../../helpers/eventually.ts'

const NO_SUCH_ID = '0190c5a4-0000-7000-8000-000000000000'

t.test('API keys', async (t) => {
  const clock = fixedClock(new Date())
  const ctx = await buildTestApp(t, { clock })
  const admin = await ctx.login('admin')
  const post = (payload: unknown, token = admin.token, headers: Record<string, string> = {}) =>
    ctx.as(token, { method: 'POST', url: '/v1/api-keys', payload: payload as object, headers })
  const get = (url: string, token = admin.token) => ctx.as(token, { method: 'GET', url })
  const create = async (payload: object) => {
    const res = await post(payload)
    if (res.statusCode !== 201) throw new Error(res.body)
    return res.json() as { id: string; key: string; prefix: string; scopes: string[] }
  }

  t.test('create shows the key once; reads never show it or its hash', async (t) => {
    const expiresAt = new Date(clock.now().getTime() + 86_400_000).toISOString()
    const res = await post({ name: 'Billing export', scopes: ['billing:read', 'directory:read'], expiresAt })
    t.equal(res.statusCode, 201, res.body)
    const k = res.json()
    t.match(k.key, /^dlk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/)
    t.equal(k.key.slice(4, 16), k.prefix)
    t.match(k, {
      name: 'Billing export',
      scopes: ['billing:read', 'directory:read'],
      active: true,
      createdBy: admin.agentId,
      createdAt: clock.now().toISOString(),
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
    })
    t.equal(res.headers.location, `/v1/api-keys/${k.id}`)

    const one = await get(`/v1/api-keys/${k.id}`)
    t.equal(one.statusCode, 200)
    const { key: _key, ...withoutKey } = k
    t.same(one.json(), withoutKey)
    const list = await get('/v1/api-keys')
    const listed = list.json().data.find((x: { id: string }) => x.id === k.id)
    t.same(listed, withoutKey)
    for (const body of [one.body, list.body]) {
      t.notOk(body.includes(k.key.slice(17)), 'the secret part never reappears')
      t.notOk(/keyHash|key_hash|"key"/.test(body), 'neither the key nor its hash')
    }
    t.equal((await get(`/v1/api-keys/${NO_SUCH_ID}`)).statusCode, 404)
    t.equal((await get('/v1/api-keys/not-a-uuid')).statusCode, 400)
  })

  t.test('bad input', async (t) => {
    const bad: Array<[string, unknown, string]> = [
      ['missing name', { scopes: ['tickets:read'] }, 'name'],
      ['empty name', { name: '', scopes: ['tickets:read'] }, 'name'],
      ['name too long', { name: 'x'.repeat(201), scopes: ['tickets:read'] }, 'name'],
      ['missing scopes', { name: 'k' }, 'scopes'],
      ['empty scopes', { name: 'k', scopes: [] }, 'scopes'],
      ['unknown scope', { name: 'k', scopes: ['tickets:delete'] }, 'scopes.0'],
      ['duplicate scopes', { name: 'k', scopes: ['tickets:read', 'tickets:read'] }, 'scopes'],
      ['scopes wrong type', { name: 'k', scopes: 'tickets:read' }, 'scopes'],
      ['expiry not a date', { name: 'k', scopes: ['tickets:read'], expiresAt: 'tomorrow' }, 'expiresAt'],
      ['unknown field (mass assignment)', { name: 'k', scopes: ['tickets:read'], prefix: 'chosen12abcd' }, 'prefix'],
      ['revokedAt is not writable', { name: 'k', scopes: ['tickets:read'], revokedAt: null }, 'revokedAt'],
    ]
    for (const [what, payload, field] of bad) {
      const res = await post(payload)
      t.equal(res.statusCode, 400, what)
      t.match(res.json(), { code: 'VALIDATION_FAILED', errors: [{ in: 'body', field }] }, what)
    }
    const past = await post({ name: 'k', scopes: ['tickets:read'], expiresAt: new Date(clock.now().getTime() - 1000).toISOString() })
    t.equal(past.statusCode, 400)
    t.match(past.json().errors, [{ field: 'expiresAt', message: 'must be in the future' }])
    const nowExpiry = await post({ name: 'k', scopes: ['tickets:read'], expiresAt: clock.now().toISOString() })
    t.equal(nowExpiry.statusCode, 400, 'expiring right now is not the future')
    const all = await post({ name: 'Everything', scopes: [...SCOPES] })
    t.equal(all.statusCode, 201, 'every scope at once is allowed')
  })

  t.test('using a key: scopes, last use, /me', async (t) => {
    const k = await create({ name: 'Directory reader', scopes: ['directory:read'] })
    const me = await get('/v1/auth/me', k.key)
    t.equal(me.statusCode, 200)
    t.same(me.json(), { kind: 'apiKey', id: k.id, name: 'Directory reader', scopes: ['directory:read'] })
    t.equal((await get(`/v1/api-keys/${k.id}`)).json().lastUsedAt, clock.now().toISOString(), 'last use recorded')

    t.equal((await get('/v1/organizations', k.key)).statusCode, 200, 'with the scope: allowed')
    const write = await ctx.as(k.key, { method: 'POST', url: '/v1/organizations', payload: { name: 'Key Co' } })
    t.equal(write.statusCode, 403, 'without the scope: refused')
    t.equal(write.json().code, 'FORBIDDEN')
    t.match(write.json().detail, /directory:write/)
    t.same(write.json().missingScopes, ['directory:write'])

    // last_used_at is written at most once a minute.
    const firstUse = clock.now().toISOString()
    clock.advance(30)
    await get('/v1/auth/me', k.key)
    t.equal((await get(`/v1/api-keys/${k.id}`)).json().lastUsedAt, firstUse, 'not rewritten within a minute')
    clock.advance(31)
    await get('/v1/auth/me', k.key)
    t.equal((await get(`/v1/api-keys/${k.id}`)).json().lastUsedAt, clock.now().toISOString(), 'rewritten after a minute')
  })

  t.test('API keys never reach admin-only routes, not even to manage keys', async (t) => {
    const k = await create({ name: 'All scopes', scopes: [...SCOPES] })
    for (const [method, url] of [
      ['GET', '/v1/api-keys'],
      ['GET', `/v1/api-keys/${k.id}`],
      ['POST', '/v1/api-keys'],
      ['DELETE', `/v1/api-keys/${k.id}`],
    ] as const) {
      const res = await ctx.as(k.key, { method, url, ...(method === 'POST' ? { payload: { name: 'x', scopes: ['tickets:read'] } } : {}) })
      t.equal(res.statusCode, 403, `${method} ${url}`)
      t.match(res.json().detail, /not available to API keys/)
    }
    t.equal((await get('/v1/auth/me', k.key)).statusCode, 200, 'the key itself still works (not revoked by its own attempt)')
  })

  t.test('revoke: stops working at once, idempotent', async (t) => {
    const k = await create({ name: 'To revoke', scopes: ['tickets:read'] })
    t.equal((await get('/v1/auth/me', k.key)).statusCode, 200)
    const del = await ctx.as(admin.token, { method: 'DELETE', url: `/v1/api-keys/${k.id}` })
    t.equal(del.statusCode, 204)
    t.equal(del.body, '')
    const refused = await get('/v1/auth/me', k.key)
    t.equal(refused.statusCode, 401)
    t.equal(refused.json().code, 'INVALID_TOKEN')
    const revokedAt = clock.now().toISOString()
    clock.advance(5)
    t.equal((await ctx.as(admin.token, { method: 'DELETE', url: `/v1/api-keys/${k.id}` })).statusCode, 204, 'again: still 204')
    const shown = (await get(`/v1/api-keys/${k.id}`)).json()
    t.equal(shown.revokedAt, revokedAt, 'the first revocation instant is kept')
    t.equal(shown.active, false)
    t.equal((await ctx.as(admin.token, { method: 'DELETE', url: `/v1/api-keys/${NO_SUCH_ID}` })).statusCode, 404)
  })

  t.test('a key revoked or an agent disabled behind the API is refused once the notification arrives; a key\'s last use does not empty the cache', async (t) => {
    const { db } = ctx.deps
    const k = await create({ name: 'Revoked in psql', scopes: ['tickets:read'] })
    t.equal((await get('/v1/auth/me', k.key)).statusCode, 200)
    t.ok(await feedLive(db, AUTH_CHANNEL), 'the auth feed listens')
    const feed = changeFeed(db, AUTH_CHANNEL)!
    const answered = (token: string, status: number) => eventually(() => get('/v1/auth/me', token), (res) => res.statusCode === status)
    // Let notifications of the writes above arrive first.
    await new Promise((r) => setTimeout(r, 100))
    const before = feed.generation
    await db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, k.id))
    await new Promise((r) => setTimeout(r, 100))
    t.equal(feed.generation, before, 'writing last_used_at notifies nobody')
    await db.update(apiKeys).set({ revokedAt: clock.now() }).where(eq(apiKeys.id, k.id))
    t.equal((await answered(k.key, 401)).statusCode, 401, 'revoked in SQL: refused without waiting for a TTL')

    const other = await ctx.login('agent')
    t.equal((await get('/v1/auth/me', other.token)).statusCode, 200)
    await db.update(agents).set({ active: false }).where(eq(agents.id, other.agentId))
    t.equal((await answered(other.token, 401)).statusCode, 401, 'an agent disabled in SQL: refused as soon as notified')
  })

  t.test('expiry, wrong keys', async (t) => {
    const k = await create({ name: 'Short lived', scopes: ['tickets:read'], expiresAt: new Date(clock.now().getTime() + 60_000).toISOString() })
    t.equal((await get('/v1/auth/me', k.key)).statusCode, 200)
    clock.advance(60)
    const expired = await get('/v1/auth/me', k.key)
    t.equal(expired.statusCode, 401, 'expired at expiresAt')
    t.equal(expired.json().code, 'INVALID_TOKEN')
    t.equal((await get(`/v1/api-keys/${k.id}`)).json().active, false)

    const live = await create({ name: 'Live', scopes: ['tickets:read'] })
    const secret = live.key.slice(17)
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`
    for (const wrong of [`dlk_${live.prefix}_${flipped}`, `dlk_${'Z'.repeat(12)}_${secret}`, 'dlk_', `${live.key}x`]) {
      t.equal((await get('/v1/auth/me', wrong)).statusCode, 401, wrong)
    }
    t.equal((await get('/v1/auth/me', live.key)).statusCode, 200, 'the real key still works (control)')
  })

  t.test('list filters and pagination', async (t) => {
    const tag = `Filt${Date.now()}`
    const a = await create({ name: `${tag} active`, scopes: ['tickets:read'] })
    const r = await create({ name: `${tag} revoked`, scopes: ['tickets:read'] })
    const e = await create({ name: `${tag} expiring`, scopes: ['tickets:read'], expiresAt: new Date(clock.now().getTime() + 10_000).toISOString() })
    await ctx.as(admin.token, { method: 'DELETE', url: `/v1/api-keys/${r.id}` })
    clock.advance(11)
    const ids = async (qs: string) => {
      const res = await get(`/v1/api-keys?q=${tag}${qs}`)
      t.equal(res.statusCode, 200, res.body)
      return (res.json().data as Array<{ id: string }>).map((x) => x.id)
    }
    t.same(await ids(''), [a.id, r.id, e.id])
    t.same(await ids('&active=true'), [a.id])
    t.same(await ids('&active=false'), [r.id, e.id])
    const byPrefix = (await get(`/v1/api-keys?q=${a.prefix}`)).json().data as Array<{ id: string }>
    t.same(
      byPrefix.map((x) => x.id),
      [a.id],
      'q matches the prefix',
    )
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page = (await get(`/v1/api-keys?q=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json() as { data: Array<{ id: string }>; nextCursor: string | null }
      seen.push(...page.data.map((x) => x.id))
      cursor = page.nextCursor
    } while (cursor)
    t.same(seen, [a.id, r.id, e.id], 'pages walk every key once')
    t.equal((await get('/v1/api-keys?active=maybe')).statusCode, 400)
    t.equal((await get('/v1/api-keys?limit=0')).statusCode, 400)
    t.equal((await get('/v1/api-keys?cursor=garbage')).json().code, 'INVALID_CURSOR')
    t.equal((await get('/v1/api-keys?unknown=1')).statusCode, 400)
  })

  t.test('Idempotency-Key is ignored on create: the key is never stored for replay', async (t) => {
    const headers = { 'idempotency-key': `key-create-${Date.now()}` }
    const a = await post({ name: 'Idem', scopes: ['tickets:read'] }, admin.token, headers)
    const b = await post({ name: 'Idem', scopes: ['tickets:read'] }, admin.token, headers)
    t.equal(a.statusCode, 201)
    t.equal(b.statusCode, 201)
    t.notOk(b.headers['idempotent-replayed'])
    t.not(a.json().id, b.json().id)
  })

  t.test('unauthenticated and non-admin callers', async (t) => {
    t.equal((await ctx.as(undefined, { method: 'GET', url: '/v1/api-keys' })).statusCode, 401)
    const manager = await ctx.login('manager')
    const res = await post({ name: 'x', scopes: ['tickets:read'] }, manager.token)
    t.equal(res.statusCode, 403)
    t.match(res.json().detail, /role admin/)
  })
})
