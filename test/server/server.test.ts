// test-scope: no-database (processes on the embedded database only: CI runs it once, in the PGlite pass)
import { readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { freePort, startServer, waitForHttp, waitForOutput } from '../helpers/process.ts'
import { s3Config, startFakeS3 } from '../helpers/s3-server.ts'
import { tempDir } from '../helpers/temp-dir.ts'

const baseEnv = (dataDir: string, port: number) => ({
  DATA_DIR: dataDir,
  PORT: String(port),
  HOST: '127.0.0.1',
  SMTP_ENABLED: 'false',
  SCHEDULER_ENABLED: 'false',
})

t.test('the service starts on the embedded database, guards its data directory and stops gracefully', async (t) => {
  const dataDir = tempDir(t, 'deskledger-server-')
  const port = await freePort()
  const server = startServer(baseEnv(dataDir, port))
  t.teardown(() => {
    server.child.kill('SIGKILL')
  })

  const health = await waitForHttp(`http://127.0.0.1:${port}/health`, 150_000)
  t.equal(health.status, 200)
  t.ok(health.headers.get('x-request-id'), 'every response carries a request id')
  const ready = await fetch(`http://127.0.0.1:${port}/ready`)
  t.equal(ready.status, 200)
  t.same(await ready.json(), { status: 'ready', checks: { database: true, migrations: true } })

  const token = readFileSync(path.join(dataDir, 'bootstrap-token'), 'utf8').trim()
  t.ok(token.length >= 20, 'a first-admin bootstrap token waits in the data directory')
  t.match(await waitForOutput(server, /POST \/v1\/bootstrap/), /POST \/v1\/bootstrap/)
  t.ok(readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8').length >= 32, 'a JWT secret was generated and kept')

  // A second process on the same directory must refuse to start instead of losing writes.
  const second = startServer(baseEnv(dataDir, await freePort()))
  t.equal(await second.exited, 75)
  t.match(second.output(), /data directory .* is in use by another deskledger process/)

  // The documented first-admin path: bootstrap, log in, call the API.
  const boot = await fetch(`http://127.0.0.1:${port}/v1/bootstrap`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ bootstrapToken: token, email: 'admin@example.com', name: 'First Admin', password: 'a long enough password' }),
  })
  t.equal(boot.status, 201)
  const login = await fetch(`http://127.0.0.1:${port}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password: 'a long enough password' }),
  })
  t.equal(login.status, 200)
  const { accessToken } = (await login.json()) as { accessToken: string }
  const me = await fetch(`http://127.0.0.1:${port}/v1/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } })
  t.match(await me.json(), { kind: 'agent', role: 'admin', name: 'First Admin' })

  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0, 'SIGTERM ends the process cleanly')
  t.match(server.output(), /stopped/)
  t.notMatch(server.output(), /a long enough password/, 'passwords never reach the log')
})

t.test('BLOB_STORE=s3: the start checks the bucket without waiting for it, and logs what it found', async (t) => {
  const s3 = await startFakeS3()
  t.teardown(() => s3.close())
  const dataDir = tempDir(t, 'deskledger-server-s3-')
  const port = await freePort()
  s3.hang = true
  const env = Object.fromEntries(Object.entries(s3Config(s3, { S3_TIMEOUT_MS: 60_000 })).map(([k, v]) => [k, String(v)]))
  const server = startServer({ ...baseEnv(dataDir, port), ...env })
  t.teardown(() => {
    server.child.kill('SIGKILL')
  })
  const ready = await waitForHttp(`http://127.0.0.1:${port}/ready`, 150_000)
  t.equal(ready.status, 200, 'ready while the store has not answered')
  t.notMatch(server.output(), /S3 blob store/, 'the check is still waiting')
  s3.hang = false
  t.match(await waitForOutput(server, /S3 blob store reachable/), /"bucket":"deskledger"/)
  t.notMatch(server.output(), env.S3_SECRET_ACCESS_KEY!, 'the secret never reaches the log')
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0)
})

t.test('with the scheduler on, the process runs the jobs and lists their runs', async (t) => {
  const dataDir = tempDir(t, 'deskledger-server-')
  const port = await freePort()
  const server = startServer({ ...baseEnv(dataDir, port), SCHEDULER_ENABLED: 'true', SCHEDULER_DISABLED_JOBS: 'purge-job-runs' })
  t.teardown(() => {
    server.child.kill('SIGKILL')
  })
  await waitForHttp(`http://127.0.0.1:${port}/health`, 150_000)
  t.match(await waitForOutput(server, /scheduler started/), /"disabled":\["purge-job-runs"\]/)
  // Cron fires only at the hour's :07/:17; a real process proves the wiring, the job tests prove the runs.
  const token = readFileSync(path.join(dataDir, 'bootstrap-token'), 'utf8').trim()
  const json = { 'content-type': 'application/json' }
  await fetch(`http://127.0.0.1:${port}/v1/bootstrap`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ bootstrapToken: token, email: 'admin@example.com', name: 'Admin', password: 'a long enough password' }),
  })
  const login = await fetch(`http://127.0.0.1:${port}/v1/auth/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email: 'admin@example.com', password: 'a long enough password' }),
  })
  const { accessToken } = (await login.json()) as { accessToken: string }
  const runs = await fetch(`http://127.0.0.1:${port}/v1/jobs/runs`, { headers: { authorization: `Bearer ${accessToken}` } })
  t.equal(runs.status, 200)
  t.match(await runs.json(), { data: Array, nextCursor: null })
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0, 'SIGTERM stops the scheduler and the process cleanly')
  t.match(server.output(), /scheduler stopped/)

  const bad = startServer({ ...baseEnv(dataDir, 1), SCHEDULER_ENABLED: 'true', SCHEDULER_DISABLED_JOBS: 'no-such-job' })
  t.equal(await bad.exited, 78)
  t.match(bad.output(), /unknown job "no-such-job"/)
})

t.test('a bad setting stops the start with a message naming it', async (t) => {
  const dataDir = tempDir(t, 'deskledger-server-')
  const bad = startServer({ ...baseEnv(dataDir, 1), PORT: 'eighty' })
  t.equal(await bad.exited, 78)
  t.match(bad.output(), /PORT/)
  const tz = startServer({ ...baseEnv(dataDir, 1), DEFAULT_TIME_ZONE: 'Mars/Olympus' })
  t.equal(await tz.exited, 78)
  t.match(tz.output(), /DEFAULT_TIME_ZONE/)
  const noSecret = startServer({ ...baseEnv(dataDir, 1), DATABASE_URL: 'postgres://127.0.0.1:1/none' })
  t.equal(await noSecret.exited, 78)
  t.match(noSecret.output(), /JWT_SECRET: required when DATABASE_URL is set/)
})
