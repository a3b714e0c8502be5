import { createHmac, generateKeyPairSync, sign as rsaSign } from 'node:crypto'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { updateAgent } from '../../../src/modules/agents/agents.service.ts'
import { buildTestApp, fixedClock, TEST_JWT_SECRET } from '../../helpers/build-test-app.ts'

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
/** A JWT assembled by hand, so tests can make tokens the library would refuse to make. */
function craft(header: object, payload: object, secret = TEST_JWT_SECRET, hash: 'sha256' | 'sha512' = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`
}
const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'))
const PREVIOUS_SECRET = 'previous-secret-still-accepted-while-tokens-expire-0123'

t.test('access tokens, refresh tokens, roles', async (t) => {
  const outer = t
  const clock = fixedClock(new Date())
  const ctx = await buildTestApp(t, { clock, config: { jwtSecrets: [TEST_JWT_SECRET, PREVIOUS_SECRET] } })
  const me = (token: string | undefined, headers: Record<string, string> = {}) =>
    ctx.as(token, { method: 'GET', url: '/v1/auth/me', headers })
  const nowSec = () => Math.floor(clock.now().getTime() / 1000)
  const admin = await ctx.login('admin')
  const adminActor = { kind: 'agent' as const, id: admin.agentId, role: 'admin' as const, name: 'Test admin' }
  const claims = (over: object = {}) => ({ sub: admin.agentId, typ: 'agent', tv: 1, iat: nowSec(), exp: nowSec() + 600, ...over })
  const HS256 = { alg: 'HS256', typ: 'JWT' }

  const assertRefused = (t: typeof outer, res: Awaited<ReturnType<typeof me>>, code: string, msg: string) => {
    t.equal(res.statusCode, 401, `${msg}: ${res.body}`)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', msg)
    t.equal(res.json().code, code, msg)
  }

  t.test('issued tokens: HS256, sub/iat/exp present, 15-minute TTL on the injected clock', async (t) => {
    const login = await ctx.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'nobody@example.test', password: 'x' } })
    t.equal(login.statusCode, 401)
    // Away from real time, so a token dated by the system clock would show.
    clock.advance(3600)
    const { token, agentId } = await ctx.login('agent')
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'))
    t.equal(header.alg, 'HS256')
    const c = decode(token)
    t.equal(c.sub, agentId)
    t.equal(c.typ, 'agent')
    t.equal(c.iat, nowSec(), 'iat comes from the injected clock')
    t.equal(c.exp - c.iat, 900, '15 minutes')
    t.equal(ctx.config.ACCESS_TOKEN_TTL_SECONDS, 900)
    clock.advance(899)
    t.equal((await me(token)).statusCode, 200, 'valid until the last second')
    clock.advance(2)
    const expired = await me(token)
    assertRefused(t, expired, 'INVALID_TOKEN', 'expired')
    t.match(expired.json().detail, /expired/)
  })

  t.test('missing or malformed credentials', async (t) => {
    const none = await me(undefined)
    assertRefused(t, none, 'UNAUTHENTICATED', 'no header')
    t.match(none.json(), { status: 401, type: '/problems/unauthenticated', requestId: String })
    for (const h of ['Basic YWRtaW46cGFzcw==', 'Bearer', 'Bearer a b', `Token ${admin.token}`, 'Bearer  ']) {
      assertRefused(t, await ctx.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: h } }), 'UNAUTHENTICATED', h)
    }
    for (const tok of ['garbage', 'a.b.c', 'dlk_short', `${admin.token}x`]) assertRefused(t, await me(tok), 'INVALID_TOKEN', tok)
  })

  t.test('forged tokens are refused', async (t) => {
    const fresh = await ctx.login('admin')
    t.equal((await me(craft(HS256, claims({ sub: fresh.agentId })))).statusCode, 200, 'a well-formed HS256 token passes (control)')

    const cases: Array<[string, string]> = [
      ['no exp', craft(HS256, { sub: admin.agentId, typ: 'agent', tv: 1, iat: nowSec() })],
      ['no iat', craft(HS256, { sub: admin.agentId, typ: 'agent', tv: 1, exp: nowSec() + 600 })],
      ['no sub', craft(HS256, { typ: 'agent', tv: 1, iat: nowSec(), exp: nowSec() + 600 })],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`],
      ['alg none, lower and upper', `${b64({ alg: 'NONE' })}.${b64(claims())}.`],
      ['HS512 with the right secret', craft({ alg: 'HS512', typ: 'JWT' }, claims(), TEST_JWT_SECRET, 'sha512')],
      ['RS256 header on an HMAC signature', craft({ alg: 'RS256', typ: 'JWT' }, claims())],
      ['another secret', craft(HS256, claims(), 'another-secret-of-sufficient-length-for-hs256-xyz')],
      ['expired one second ago', craft(HS256, claims({ iat: nowSec() - 901, exp: nowSec() - 1 }))],
      ['not an access token', craft(HS256, claims({ typ: 'refresh' }))],
      ['unknown agent', craft(HS256, claims({ sub: '0190c5a4-0000-7000-8000-000000000000' }))],
    ]
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const rsInput = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims())}`
    cases.push(['RS256 properly signed by an unknown key', `${rsInput}.${rsaSign('sha256', Buffer.from(rsInput), privateKey).toString('base64url')}`])
    const [h, p, s] = craft(HS256, claims()).split('.') as [string, string, string]
    cases.push(['payload tampered (sub)', `${h}.${b64(claims({ sub: fresh.agentId }))}.${s}`])
    cases.push(['signature tampered', `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`])
    cases.push(['signature stripped', `${h}.${p}.`])
    for (const [name, tok] of cases) assertRefused(t, await me(tok), 'INVALID_TOKEN', name)
    // Rotation: a token signed with the previous secret still works until it expires.
    t.equal((await me(craft(HS256, claims(), PREVIOUS_SECRET))).statusCode, 200, 'previous secret accepted')
    t.equal((await me(craft({ alg: 'HS512' }, claims(), PREVIOUS_SECRET, 'sha512'))).statusCode, 401, 'but never another algorithm')
  })

  t.test('a disabled agent is locked out at once', async (t) => {
    const a = await ctx.login('agent')
    t.equal((await me(a.token)).statusCode, 200)
    await updateAgent(ctx.deps, adminActor, a.agentId, undefined, { active: false })
    assertRefused(t, await me(a.token), 'INVALID_TOKEN', 'access token of a disabled agent')
    const refreshed = await ctx.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: a.refreshToken } })
    t.equal(refreshed.statusCode, 401, 'its refresh tokens too')
  })

  t.test('a password change revokes tokens issued before it', async (t) => {
    const email = `pw.${Date.now()}@example.test`
    const a = await ctx.login('manager', email)
    await updateAgent(ctx.deps, adminActor, a.agentId, undefined, { password: 'a brand new password 42' })
    const old = await me(a.token)
    assertRefused(t, old, 'INVALID_TOKEN', 'token from before the change')
    t.match(old.json().detail, /revoked/)
    t.equal((await ctx.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: a.refreshToken } })).statusCode, 401)
    const again = await ctx.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'a brand new password 42' } })
    t.equal(again.statusCode, 200)
    t.equal(decode(again.json().accessToken).tv, 2)
    t.equal((await me(again.json().accessToken)).statusCode, 200)
  })

  t.test('refresh rotation and reuse detection', async (t) => {
    const refresh = (refreshToken: string) => ctx.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken } })
    const email = `rotate.${Date.now()}@example.test`
    const a = await ctx.login('agent', email)
    const r1 = await refresh(a.refreshToken)
    t.equal(r1.statusCode, 200, r1.body)
    const pair2 = r1.json()
    t.not(pair2.refreshToken, a.refreshToken)
    t.equal((await me(pair2.accessToken)).statusCode, 200)
    const r2 = await refresh(pair2.refreshToken)
    t.equal(r2.statusCode, 200, 'the newest token rotates')
    const newest = r2.json().refreshToken as string

    // A parallel login of the same agent is another family and must survive the revocation below.
    const other = await ctx.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'correct horse battery staple' } })
    t.equal(other.statusCode, 200)

    const reuse = await refresh(a.refreshToken)
    t.equal(reuse.statusCode, 401, 'a used refresh token is refused')
    t.equal(reuse.json().code, 'INVALID_TOKEN')
    t.equal((await refresh(newest)).statusCode, 401, 'reuse revoked the whole family, newest included')
    t.equal((await refresh(other.json().refreshToken)).statusCode, 200, 'another family is untouched')

    for (const bad of ['', 'garbage', `${'-'.repeat(36)}.${'a'.repeat(43)}`, `0190c5a4-0000-7000-8000-000000000000.${'a'.repeat(43)}`]) {
      const res = await refresh(bad)
      t.ok([400, 401].includes(res.statusCode), `refused: ${JSON.stringify(bad)} → ${res.statusCode}`)
    }
    const [id] = newest.split('.')
    t.equal((await refresh(`${id}.${'A'.repeat(43)}`)).statusCode, 401, 'right id, wrong secret')
  })

  t.test('refresh tokens expire', async (t) => {
    const a = await ctx.login('agent')
    clock.advance(ctx.config.REFRESH_TOKEN_TTL_SECONDS + 1)
    const res = await ctx.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: a.refreshToken } })
    t.equal(res.statusCode, 401)
  })

  t.test('logout revokes the family; unknown tokens are ignored', async (t) => {
    const a = await ctx.login('agent')
    const rotated = (await ctx.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: a.refreshToken } })).json()
    const out = await ctx.app.inject({ method: 'POST', url: '/v1/auth/logout', payload: { refreshToken: rotated.refreshToken } })
    t.equal(out.statusCode, 204)
    t.equal(out.body, '')
    const after = await ctx.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: rotated.refreshToken } })
    t.equal(after.statusCode, 401)
    t.equal((await ctx.app.inject({ method: 'POST', url: '/v1/auth/logout', payload: { refreshToken: 'unknown' } })).statusCode, 204)
    t.equal((await ctx.app.inject({ method: 'POST', url: '/v1/auth/logout', payload: {} })).statusCode, 400)
  })

  t.test('/v1/auth/me for an agent', async (t) => {
    const a = await ctx.login('manager')
    const res = await me(a.token)
    t.equal(res.statusCode, 200)
    t.same(res.json(), { kind: 'agent', id: a.agentId, name: 'Test manager', role: 'manager' })
  })

  t.test('roles: an agent or manager may not use admin-only routes', async (t) => {
    for (const role of ['agent', 'manager'] as const) {
      const { token } = await ctx.login(role)
      const res = await ctx.as(token, { method: 'GET', url: '/v1/api-keys' })
      t.equal(res.statusCode, 403, role)
      t.equal(res.json().code, 'FORBIDDEN')
      t.match(res.json().detail, new RegExp(`role admin.*you are ${role}`))
    }
    const fresh = await ctx.login('admin')
    t.equal((await ctx.as(fresh.token, { method: 'GET', url: '/v1/api-keys' })).statusCode, 200, 'admin passes (control)')
  })

  t.test('login and refresh responses are never stored for idempotent replay', async (t) => {
    const email = `idem.${Date.now()}@example.test`
    await ctx.login('agent', email)
    const headers = { 'idempotency-key': `login-${Date.now()}` }
    const a = await ctx.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'correct horse battery staple' }, headers })
    const b = await ctx.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'correct horse battery staple' }, headers })
    t.equal(a.statusCode, 200)
    t.equal(b.statusCode, 200)
    t.notOk(b.headers['idempotent-replayed'])
    t.not(a.json().refreshToken, b.json().refreshToken, 'each login issues its own tokens')
    const stored = await ctx.database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from idempotency_keys where key = ${headers['idempotency-key']}`,
    )
    t.equal(Number(stored.rows[0]!.n), 0)
  })
})
