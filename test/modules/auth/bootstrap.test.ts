import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { bootstrapTokenFile, ensureBootstrapToken } from '../../../src/modules/auth/bootstrap.service.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'

t.test('first admin bootstrap', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'deskledger-bootstrap-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const ctx = await buildTestApp(t, { config: { DATA_DIR: dataDir } })
  const bootstrap = (payload: object) => ctx.app.inject({ method: 'POST', url: '/v1/bootstrap', payload })
  const admin = { email: 'first.admin@example.test', name: 'First Admin', password: 'a long first admin password' }

  const early = await bootstrap({ ...admin, bootstrapToken: 'x'.repeat(32) })
  t.equal(early.statusCode, 401, 'no token waiting yet')
  t.match(early.json().detail, /no bootstrap token is waiting/)

  const file = await ensureBootstrapToken(ctx.deps)
  t.equal(file, bootstrapTokenFile(dataDir))
  t.equal(statSync(file!).mode & 0o777, 0o600, 'only the owner may read the token')
  const first = readFileSync(file!, 'utf8').trim()
  t.equal(await ensureBootstrapToken(ctx.deps), file, 'kept while waiting')
  t.equal(readFileSync(file!, 'utf8').trim(), first, 'the same token is kept across restarts')
  await ensureBootstrapToken(ctx.deps, { renew: true })
  const token = readFileSync(file!, 'utf8').trim()
  t.not(token, first, 'renewing writes a new token')
  t.equal((await bootstrap({ ...admin, bootstrapToken: first })).statusCode, 401, 'the renewed-away token no longer works')

  const wrong = await bootstrap({ ...admin, bootstrapToken: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` })
  t.equal(wrong.statusCode, 401)
  t.equal(wrong.json().code, 'INVALID_TOKEN')
  t.equal((await bootstrap({ ...admin, password: 'short', bootstrapToken: token })).statusCode, 400, 'password too short')
  t.equal((await bootstrap({ ...admin, role: 'agent', bootstrapToken: token })).statusCode, 400, 'unknown fields refused')

  const ok = await bootstrap({ ...admin, bootstrapToken: `${token}\n` })
  t.equal(ok.statusCode, 201, ok.body)
  t.match(ok.json(), { email: admin.email, name: admin.name, role: 'admin', active: true })
  t.notOk(existsSync(file!), 'the token file is burnt')

  const again = await bootstrap({ ...admin, email: 'second@example.test', bootstrapToken: token })
  t.equal(again.statusCode, 409)
  t.equal(again.json().code, 'ALREADY_BOOTSTRAPPED')
  t.equal(await ensureBootstrapToken(ctx.deps), undefined, 'no new token once an agent exists')
  t.notOk(existsSync(file!))

  const login = await ctx.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: admin.email, password: admin.password } })
  t.equal(login.statusCode, 200)
  const me = await ctx.as(login.json().accessToken, { method: 'GET', url: '/v1/auth/me' })
  t.match(me.json(), { kind: 'agent', role: 'admin', id: ok.json().id })
})
