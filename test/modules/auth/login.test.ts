import { Writable } from 'node:stream'
import t from 'tap'
import { buildTestApp, fixedClock, uniqueEmail } from '../../helpers/build-test-app.ts'

const PASSWORD = 'correct horse battery staple'

t.test('login', async (t) => {
  const lines: string[] = []
  const logStream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      done()
    },
  })
  const clock = fixedClock(new Date())
  const ctx = await buildTestApp(t, { clock, logStream })
  const login = (email: string, password: string, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password }, headers })

  t.test('success, case-insensitive email, bad input', async (t) => {
    const email = uniqueEmail('Case')
    await ctx.login('agent', email)
    const res = await login(email.toUpperCase(), PASSWORD)
    t.equal(res.statusCode, 200, res.body)
    t.match(res.json(), { tokenType: 'Bearer', expiresIn: 900, accessToken: String, refreshToken: String })
    t.equal((await ctx.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email } })).statusCode, 400)
    t.equal((await login('not-an-email', PASSWORD)).statusCode, 400)
    t.equal((await login(email, '')).statusCode, 400)
    const extra = await ctx.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: PASSWORD, role: 'admin' } })
    t.equal(extra.statusCode, 400, 'unknown fields refused')
  })

  t.test('wrong email, wrong password and disabled account look alike', async (t) => {
    const email = uniqueEmail('alike')
    await ctx.login('agent', email)
    const timed = async (e: string, p: string) => {
      const start = process.hrtime.bigint()
      const res = await login(e, p)
      return { res, ms: Number(process.hrtime.bigint() - start) / 1e6 }
    }
    const wrongEmail = await timed(uniqueEmail('nobody'), PASSWORD)
    const wrongPassword = await timed(email, 'not the password at all')
    const strip = (body: string) => {
      const { requestId: _r, instance: _i, ...rest } = JSON.parse(body)
      return rest
    }
    t.equal(wrongEmail.res.statusCode, 401)
    t.equal(wrongPassword.res.statusCode, 401)
    t.same(strip(wrongEmail.res.body), strip(wrongPassword.res.body), 'same body apart from request id')
    t.equal(strip(wrongEmail.res.body).code, 'INVALID_CREDENTIALS')
    t.same(Object.keys(wrongEmail.res.headers).sort(), Object.keys(wrongPassword.res.headers).sort(), 'same headers')
    // Both paths ran one argon2 verify (~25 ms here); an unknown email that skipped it would take < 5 ms.
    t.ok(wrongEmail.ms > 5, `wrong email took ${wrongEmail.ms.toFixed(1)} ms`)
    t.ok(wrongPassword.ms > 5, `wrong password took ${wrongPassword.ms.toFixed(1)} ms`)
  })

  t.test('per-account throttling: 429 with Retry-After, then the window passes', async (t) => {
    const max = ctx.config.LOGIN_MAX_ATTEMPTS_PER_ACCOUNT
    t.equal(max, 5)
    const email = uniqueEmail('throttle')
    await ctx.login('agent', email) // one successful login, which resets the account counter
    for (let i = 1; i <= max; i++) t.equal((await login(email, `wrong password ${i}`)).statusCode, 401, `attempt ${i}`)
    const blocked = await login(email, 'wrong again')
    t.equal(blocked.statusCode, 429)
    t.equal(blocked.json().code, 'TOO_MANY_REQUESTS')
    const retry = Number(blocked.headers['retry-after'])
    t.ok(retry > 0 && retry <= ctx.config.LOGIN_WINDOW_SECONDS, `Retry-After ${retry}`)
    t.equal((await login(email, PASSWORD)).statusCode, 429, 'even the right password waits')
    t.equal((await login(email.toUpperCase(), PASSWORD)).statusCode, 429, 'the account key ignores case')

    const neighbour = uniqueEmail('neighbour')
    await ctx.login('agent', neighbour)
    t.equal((await login(neighbour, PASSWORD)).statusCode, 200, 'other accounts from the same address are not blocked')

    clock.advance(ctx.config.LOGIN_WINDOW_SECONDS)
    t.equal((await login(email, PASSWORD)).statusCode, 200, 'a new window lets the owner in')
  })

  t.test('a successful login resets the account counter', async (t) => {
    const email = uniqueEmail('reset')
    await ctx.login('agent', email)
    for (let i = 0; i < 4; i++) await login(email, 'wrong')
    t.equal((await login(email, PASSWORD)).statusCode, 200)
    for (let i = 0; i < 4; i++) t.equal((await login(email, 'wrong')).statusCode, 401)
    t.equal((await login(email, PASSWORD)).statusCode, 200)
  })

  t.test('logs carry request ids but no password, token or key', async (t) => {
    const email = uniqueEmail('logs')
    const password = 'log-canary-password-8a7f3e'
    const requestId = `log-test-${Date.now()}`
    await ctx.login('admin', email)
    await ctx.as(undefined, { method: 'PATCH', url: '/v1/auth/me', headers: { 'x-request-id': `${requestId}-404` } })
    const res = await ctx.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: PASSWORD }, headers: { 'x-request-id': requestId } })
    const { accessToken, refreshToken } = res.json()
    await login(email, password, { 'x-request-id': `${requestId}-wrong` })
    const key = (
      await ctx.as(accessToken, { method: 'POST', url: '/v1/api-keys', payload: { name: 'log key', scopes: ['tickets:read'] } })
    ).json().key as string
    t.ok(key, 'a key was created')
    await ctx.as(key, { method: 'GET', url: '/v1/auth/me', headers: { 'x-api-key': key } })
    await ctx.as(`${key}x`, { method: 'GET', url: '/v1/auth/me' })
    await ctx.as(accessToken, { method: 'GET', url: '/v1/auth/me', headers: { cookie: `session=${accessToken}` } })
    await ctx.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken } })
    await ctx.app.inject({ method: 'POST', url: '/v1/auth/logout', payload: { refreshToken } })

    const log = lines.join('\n')
    t.ok(lines.length > 5, `captured ${lines.length} log lines`)
    t.ok(log.includes(requestId), 'the request id is logged')
    for (const [what, secret] of [
      ['password', PASSWORD],
      ['wrong password', password],
      ['access token', accessToken],
      ['access token signature', accessToken.split('.')[2]],
      ['refresh token secret', refreshToken.split('.')[1]],
      ['API key secret', key.slice(17)],
    ] as const) {
      t.notOk(log.includes(secret), `no ${what} in the log`)
    }
    t.notOk(/authorization/i.test(log) && /Bearer [^\s"[]/.test(log), 'no bearer credentials')
  })
})
