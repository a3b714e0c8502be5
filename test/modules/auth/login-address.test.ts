import t from 'tap'
import { buildTestApp, uniqueEmail } from '../../helpers/build-test-app.ts'

t.test('per-address login throttling', async (t) => {
  const ctx = await buildTestApp(t, { config: { LOGIN_MAX_ATTEMPTS_PER_ADDRESS: 3 } })
  const login = (email: string, remoteAddress: string) =>
    ctx.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'guessing passwords' }, remoteAddress })

  // A spray across many accounts from one address: each account stays under its own limit.
  for (let i = 1; i <= 3; i++) t.equal((await login(uniqueEmail('spray'), '203.0.113.7')).statusCode, 401, `attempt ${i}`)
  const blocked = await login(uniqueEmail('spray'), '203.0.113.7')
  t.equal(blocked.statusCode, 429)
  t.ok(Number(blocked.headers['retry-after']) > 0)
  t.equal((await login(uniqueEmail('spray'), '203.0.113.8')).statusCode, 401, 'another address is not blocked')
  // X-Forwarded-For is ignored unless TRUST_PROXY is set, so it cannot dodge the limit.
  const spoofed = await ctx.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email: uniqueEmail('spray'), password: 'guessing passwords' },
    remoteAddress: '203.0.113.7',
    headers: { 'x-forwarded-for': '198.51.100.1' },
  })
  t.equal(spoofed.statusCode, 429)
})
