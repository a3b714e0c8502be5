import os from 'node:os'
import { ConfigError, loadConfig, loadDotEnv } from './config.ts'
import { buildApp } from './app.ts'
import { DataDirInUseError, openDatabase, resolveJwtSecrets } from './db/client.ts'
import { runMigrations } from './db/migrate.ts'
import { seedTicketStates } from './db/seed-defaults.ts'
import { systemClock } from './lib/clock.ts'
import { JOBS } from './jobs/index.ts'
import { createScheduler, type Scheduler } from './jobs/scheduler.ts'
import { createLogger } from './logger.ts'
import { ensureBootstrapToken } from './modules/auth/bootstrap.service.ts'
import { createMailHandler } from './modules/mail/mail-transport.ts'
import { deliverNotification } from './modules/mail/notifications.service.ts'
import { routerFor } from './modules/mail/router.ts'
import { type SmtpListener, startSmtpServer } from './modules/mail/smtp-server.ts'
import { s3ClientFor } from './modules/blobs/blob-store.ts'
import { startDispatcher } from './modules/outbox/outbox.service.ts'

/**
 * Process entry: configuration → database (migrated under an advisory lock) → HTTP, SMTP
 * listener and scheduler → graceful shutdown on SIGTERM/SIGINT.
 */
async function main() {
  loadDotEnv()
  let base: ReturnType<typeof loadConfig>
  try {
    base = loadConfig()
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`deskledger: ${e.message}`)
      process.exit(78)
    }
    throw e
  }
  const log = createLogger(base.LOG_LEVEL)
  let jwtSecrets: string[]
  try {
    jwtSecrets = resolveJwtSecrets(base)
  } catch (e) {
    console.error(`deskledger: invalid configuration:\n  ${(e as Error).message}`)
    process.exit(78)
  }
  const config = { ...base, jwtSecrets }

  let database: Awaited<ReturnType<typeof openDatabase>>
  try {
    database = await openDatabase(config)
  } catch (e) {
    if (e instanceof DataDirInUseError) {
      console.error(`deskledger: ${e.message}`)
      process.exit(75)
    }
    throw e
  }
  await runMigrations(database)
  await seedTicketStates(database.db, systemClock)
  log.info({ database: database.kind, dataDir: database.kind === 'pglite' ? config.DATA_DIR : undefined }, 'database ready')

  const deps = { db: database.db, config, clock: systemClock }
  const s3 = s3ClientFor(config)
  if (s3) {
    // Said at start, not at the first upload: a wrong key or bucket is a setup mistake. Not awaited
    // and not fatal: an unreachable store takes three timed-out attempts to say so, the store may be
    // down for a moment, and everything but files works without it.
    void s3.checkBucket().then(
      () => log.info({ endpoint: config.S3_ENDPOINT, bucket: config.S3_BUCKET, writes: config.BLOB_STORE === 's3' }, 'S3 blob store reachable'),
      (err) => log.error({ err }, 'the S3 blob store cannot be used: uploads and mail intake fail until it can'),
    )
  }
  // Assigned once the listener is up; /ready reports it (false while starting or stopping).
  let smtp: SmtpListener | undefined
  const readiness = config.SMTP_ENABLED ? async () => ({ smtp: smtp?.listening ?? false }) : undefined
  const app = await buildApp({ deps, logger: log, ...(readiness ? { readiness } : {}) })

  const bootstrapFile = await ensureBootstrapToken(deps)
  if (bootstrapFile) {
    log.warn({ file: bootstrapFile }, 'no agent exists yet: create the first admin with POST /v1/bootstrap and the token in this file (see README)')
  }

  // Built apart from buildApp so tests get apps without timers; it starts once HTTP is up.
  let scheduler: Scheduler | undefined
  if (config.SCHEDULER_ENABLED) {
    const disabled = config.SCHEDULER_DISABLED_JOBS?.split(',').map((n) => n.trim()) ?? []
    try {
      scheduler = createScheduler({ ...deps, log: app.log }, JOBS, { instanceId: `${os.hostname()}:${process.pid}`, disabled })
    } catch (e) {
      console.error(`deskledger: invalid configuration:\n  ${(e as Error).message}`)
      process.exit(78)
    }
  }

  await app.listen({ host: config.HOST, port: config.PORT })
  if (config.SMTP_ENABLED) {
    const mailDeps = { ...deps, log: app.log }
    try {
      smtp = await startSmtpServer(mailDeps, { host: config.SMTP_HOST, port: config.SMTP_PORT, router: routerFor(mailDeps) })
    } catch (err) {
      // A port in use or an unreadable certificate: say so plainly rather than run without mail.
      log.fatal({ err, host: config.SMTP_HOST, port: config.SMTP_PORT }, 'the SMTP listener could not start (SMTP_ENABLED=false runs without it)')
      process.exit(1)
    }
  }
  scheduler?.start()
  // Catch up at boot: ticks missed while the service was down run now, not at their next tick.
  void scheduler?.runDue().catch((err) => log.error({ err }, 'catch-up run failed'))

  const mail = createMailHandler(config)
  const dispatcher = config.OUTBOX_ENABLED ? startDispatcher({ ...deps, log: app.log }, { mail, notification: deliverNotification }) : undefined

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    const timer = setTimeout(() => {
      log.error('shutdown took too long; exiting')
      process.exit(1)
    }, config.SHUTDOWN_TIMEOUT_MS)
    timer.unref()
    try {
      // First: no new mail, and messages in their intake transaction finish before the database closes.
      await smtp?.close()
      await app.close()
      await dispatcher?.stop()
      mail.close()
      s3?.close()
      // Before the database: runs in progress finish and record their outcome.
      await scheduler?.stop()
      await database.close()
      log.info('stopped')
      process.exit(0)
    } catch (err) {
      log.error({ err }, 'error during shutdown')
      process.exit(1)
    }
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}

await main()
