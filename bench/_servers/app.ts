// The real app (buildApp with production settings and an info-level logger writing to /dev/null),
// on PGlite in memory or on DATABASE_URL, with an admin and an access token for the load.
// With BENCH_SMTP=1, also the SMTP listener as `npm start` runs it (tickets router, 250 after
// commit) on a free port, and the outbox dispatcher with no relay (mail to .eml files in a
// temporary DATA_DIR), since `npm start` delivers the acknowledgements in the same process while
// mail comes in; the SMTP_* and AUTO_MAIL_CAP_PER_HOUR settings come from the environment.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { openPglite, openPostgres } from '../../src/db/client.ts'
import { runMigrations } from '../../src/db/migrate.ts'
import { systemClock } from '../../src/lib/clock.ts'
import { createLogger, logDestination } from '../../src/logger.ts'
import { createAgent } from '../../src/modules/agents/agents.service.ts'
import { createMailHandler } from '../../src/modules/mail/mail-transport.ts'
import { deliverNotification } from '../../src/modules/mail/notifications.service.ts'
import { routerFor } from '../../src/modules/mail/router.ts'
import { startDispatcher } from '../../src/modules/outbox/outbox.service.ts'
import { startSmtpServer } from '../../src/modules/mail/smtp-server.ts'

const url = process.env.DATABASE_URL
const database = url ? openPostgres(url, 10) : await openPglite(undefined)
await runMigrations(database)
const mailEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SMTP_') || k === 'AUTO_MAIL_CAP_PER_HOUR'))
const smtpBench = process.env.BENCH_SMTP === '1'
const dataDir = smtpBench ? mkdtempSync(path.join(os.tmpdir(), 'deskledger-bench-')) : undefined
const config = { ...loadConfig({ ...mailEnv, LOG_LEVEL: 'info', ...(dataDir ? { DATA_DIR: dataDir } : {}) }), jwtSecrets: ['bench-secret-that-is-long-enough-0123456789abcdef'] }
// The production logger and destination, into /dev/null. sonic-boom opens /dev/null itself and keeps
// the descriptor. (Passing the fd of a FileHandle let the handle be garbage-collected and its fd
// closed and reused by a pg socket: log lines went into the database protocol, requests hung and
// the server could not stop.)
const logger = createLogger('info', logDestination('/dev/null'))
const app = await buildApp({ deps: { db: database.db, config, clock: systemClock }, logger })
const email = `bench.${process.pid}.${Date.now()}@example.test`
const deps = { db: database.db, config, clock: systemClock, log: app.log }
await createAgent(deps, { name: 'Bench Admin', email, role: 'admin', password: 'bench password 123' })
await app.listen({ host: '127.0.0.1', port: 0 })
const smtp = smtpBench ? await startSmtpServer(deps, { host: '127.0.0.1', port: 0, router: routerFor(deps) }) : undefined
const mail = smtpBench ? createMailHandler(config) : undefined
const dispatcher = mail ? startDispatcher(deps, { mail, notification: deliverNotification }) : undefined
const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'bench password 123' } })
const token = (login.json() as { accessToken: string }).accessToken
console.log(JSON.stringify({ ready: true, port: (app.server.address() as { port: number }).port, token, ...(smtp ? { smtpPort: smtp.port } : {}) }))
process.on('SIGTERM', () =>
  void Promise.resolve(smtp?.close())
    .then(() => dispatcher?.stop())
    .then(() => {
      mail?.close()
      if (dataDir) rmSync(dataDir, { recursive: true, force: true })
    })
    .then(() => app.close())
    .then(() => database.close())
    .then(() => process.exit(0)),
)
