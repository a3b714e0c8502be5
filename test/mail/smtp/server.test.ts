// test-scope: no-database (processes on the embedded database only: CI runs it once, in the PGlite pass)
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { freePort, startServer, waitForHttp, waitForOutput } from '../../helpers/process.ts'
import { tempDir } from '../../helpers/temp-dir.ts'

const run = promisify(execFile)

t.test('npm start: the SMTP listener beside the HTTP API, as the README shows it (curl smtp://)', async (t) => {
  const dataDir = tempDir(t, 'deskledger-smtp-')
  const [port, smtpPort] = [await freePort(), await freePort()]
  const server = startServer({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtpPort), SCHEDULER_ENABLED: 'false', OUTBOX_ENABLED: 'false' })
  t.teardown(() => {
    server.child.kill('SIGKILL')
  })
  const base = `http://127.0.0.1:${port}`
  await waitForHttp(`${base}/health`, 150_000)
  const ready = await fetch(`${base}/ready`)
  t.same(await ready.json(), { status: 'ready', checks: { database: true, migrations: true, smtp: true } })

  const json = (method: string, url: string, body: unknown, token?: string) =>
    fetch(`${base}${url}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) })
  const bootstrapToken = readFileSync(path.join(dataDir, 'bootstrap-token'), 'utf8').trim()
  t.equal((await json('POST', '/v1/bootstrap', { bootstrapToken, email: 'admin@example.com', name: 'Admin', password: 'a long enough password' })).status, 201)
  const { accessToken } = (await (await json('POST', '/v1/auth/login', { email: 'admin@example.com', password: 'a long enough password' })).json()) as { accessToken: string }
  t.equal((await json('POST', '/v1/queues', { name: 'Support', inboundEmail: 'support@desk.example' }, accessToken)).status, 201)

  const file = path.join(dataDir, 'mail.eml')
  writeFileSync(file, 'From: Ivan Petrov <ivan@acme.example>\r\nTo: support@desk.example\r\nSubject: The invoice printer is broken\r\nMessage-ID: <first-try@acme.example>\r\n\r\nHello, the invoice printer prints blank pages.\r\n')
  const curl = ['--silent', '--show-error', '--url', `smtp://127.0.0.1:${smtpPort}`, '--mail-from', 'ivan@acme.example', '--upload-file', file]
  await run('curl', [...curl, '--mail-rcpt', 'support@desk.example'])
  await run('curl', [...curl, '--mail-rcpt', 'support@desk.example'])
  await t.rejects(run('curl', [...curl, '--mail-rcpt', 'nobody@desk.example']), { message: /RCPT failed: 550/ }, 'an unknown recipient is refused')

  const list = await fetch(`${base}/v1/quarantine?from=ivan@acme.example`, { headers: { authorization: `Bearer ${accessToken}` } })
  t.match(await list.json(), { data: [{ from: 'ivan@acme.example', reason: 'unknown_contact', subject: 'The invoice printer is broken' }], nextCursor: null }, 'stored once, in quarantine')

  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0, 'SIGTERM stops SMTP and HTTP cleanly')
  t.match(await waitForOutput(server, /smtp listener started/), /smtp listener started/)
})
