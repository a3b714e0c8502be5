/**
 * Where a mail-born ticket's CPU goes (diagnostic for issue 5 §3): the intake pipeline run in this
 * process, one message at a time, against PostgreSQL 15, with the CPU of each stage per message:
 *
 * - parse: mailparser and our normalisation of a 5 KB message (what the mail-intake sink does);
 * - intake: the intake transaction (raw blob, dedupe claim, loop guard, gate, ticket with its first
 *   message, events, SLA clocks and outbox row), this process's CPU and PostgreSQL's;
 * - acknowledgement: the dispatcher fanning the ticket's notification out into a rendered mail and
 *   delivering it (no relay: an .eml file), this process's CPU and PostgreSQL's.
 *
 * Sequential, so the figures do not depend on how the 2-core machine schedules concurrent work, as
 * the throughput ratios of bench/mail-intake.ts do (those moved by ±30 % from run to run).
 * `ratio` is the parse stage over the whole pipeline: the share of a committed, acknowledged
 * ticket's CPU that a parse-and-discard listener spends too.
 *
 *   npm run bench -- mail-stages [messages=500] [rounds=3]
 *
 * Each figure is the median over the rounds (the first round runs the code cold).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { loadConfig } from '../src/config.ts'
import { openPostgres } from '../src/db/client.ts'
import { systemClock } from '../src/lib/clock.ts'
import { createLogger, logDestination } from '../src/logger.ts'
import { createMailIntake, intakeMessage, parseForIntake } from '../src/modules/mail/inbound.service.ts'
import { createMailHandler } from '../src/modules/mail/mail-transport.ts'
import { deliverNotification } from '../src/modules/mail/notifications.service.ts'
import { routerFor } from '../src/modules/mail/router.ts'
import { dispatchOnce } from '../src/modules/outbox/outbox.service.ts'
import { apiClient, createBenchDatabase, mailSender, seedMailSenders, seedTicketWorld } from './_fixtures.ts'
import { cpuPerOp, fmt, median, printResult, startChildServer } from './_lib.ts'

const messages = Number(process.argv[2] ?? 500)
const rounds = Number(process.argv[3] ?? 3)
const SENDERS = 200
const MAILBOX = 'support@desk.bench.test'
const PARAGRAPH =
  'Since this morning the invoice export stops at the third page and the billing module shows error 42. We restarted the print service and the workstation, the error stays. '
const TEXT = PARAGRAPH.repeat(Math.ceil(4800 / PARAGRAPH.length)).slice(0, 4800)
const sender = (i: number) => mailSender(i, SENDERS)
const raw = (i: number) =>
  Buffer.from(
    [
      `From: Customer ${i % SENDERS} <${sender(i)}>`,
      `To: Support <${MAILBOX}>`,
      `Subject: Invoice export stops at page 3 (${i})`,
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <stages-${i}-${process.pid}@customer.bench.test>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      TEXT,
      '',
    ].join('\r\n'),
  )

const database = await createBenchDatabase('stages')
// The app child only seeds what the API validates (calendar, SLA policy, contract); the pipeline runs here.
const app = await startChildServer('app', { DATABASE_URL: database.url })
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'deskledger-stages-'))
const db = openPostgres(database.url, 2)
const client = new pg.Client({ connectionString: database.url })
try {
  const world = await seedTicketWorld(database.url, apiClient(app.info.port!, app.info.token!))
  await client.connect()
  await seedMailSenders(client, world, MAILBOX, SENDERS)
  const config = { ...loadConfig({ LOG_LEVEL: 'info', DATA_DIR: dataDir, AUTO_MAIL_CAP_PER_HOUR: '1000000' }), jwtSecrets: ['bench-secret-that-is-long-enough-0123456789abcdef'] }
  const deps = { db: db.db, config, clock: systemClock, log: createLogger('info', logDestination('/dev/null')) }
  const intake = createMailIntake(deps, routerFor(deps))
  const queue = { id: world.queueId, inboundEmail: MAILBOX }
  const handlers = { mail: createMailHandler(config), notification: deliverNotification }

  const stages: Record<string, { app: number[]; postgres: number[] }> = {}
  const record = (stage: string, cpu: { self: number; postgres: number }) => {
    const s = stages[stage] ?? { app: [], postgres: [] }
    stages[stage] = s
    s.app.push(cpu.self * 1000)
    s.postgres.push(cpu.postgres * 1000)
  }
  let next = 0
  for (let round = 1; round <= rounds; round++) {
    const raws = Array.from({ length: messages }, (_, k) => raw(next + k))
    const parsed = await cpuPerOp(
      undefined,
      async () => {
        const out = []
        for (const r of raws) out.push(await parseForIntake(r))
        return out
      },
      () => messages,
    )
    record('parse', parsed.cpu)
    const intaken = await cpuPerOp(
      undefined,
      async () => {
        for (let k = 0; k < messages; k++) {
          const result = await intakeMessage(intake, {
            raw: raws[k]!,
            parsed: parsed.result[k],
            mailbox: MAILBOX,
            queue,
            envelopeFrom: sender(next + k),
            receivedAt: new Date(),
            ourDomains: ['desk.bench.test'],
          })
          if (result.outcome !== 'ticket_created') throw new Error(`message ${next + k}: ${result.outcome} ${result.reason ?? ''}`)
        }
      },
      () => messages,
    )
    record('intake', intaken.cpu)
    // The notifications fan out into mail rows, which the following rounds deliver.
    const acked = await cpuPerOp(
      undefined,
      async () => {
        let claimed = 0
        do claimed = (await dispatchOnce(deps, handlers, { instanceId: 'stages' })).claimed
        while (claimed > 0)
      },
      () => messages,
    )
    record('acknowledgement', acked.cpu)
    next += messages
    console.log(
      `round ${round}  µs per message: ${Object.entries(stages)
        .map(([k, v]) => `${k} ${fmt(v.app.at(-1)!, 0)} + postgres ${fmt(v.postgres.at(-1)!, 0)}`)
        .join('; ')}`,
    )
  }
  const { rows } = await client.query<{ n: string }>("select count(*) n from outbox where kind = 'mail' and status = 'sent'")
  if (Number(rows[0]!.n) !== next) throw new Error(`${rows[0]!.n} acknowledgements sent for ${next} tickets`)

  const m = (stage: string, side: 'app' | 'postgres') => median(stages[stage]![side])
  const total = m('parse', 'app') + m('intake', 'app') + m('intake', 'postgres') + m('acknowledgement', 'app') + m('acknowledgement', 'postgres')
  console.log(
    `median µs per message: parse ${fmt(m('parse', 'app'), 0)}; intake ${fmt(m('intake', 'app'), 0)} + postgres ${fmt(m('intake', 'postgres'), 0)}; acknowledgement ${fmt(m('acknowledgement', 'app'), 0)} + postgres ${fmt(m('acknowledgement', 'postgres'), 0)}; total ${fmt(total, 0)}`,
  )
  printResult('mail-stages', {
    parse_us: Math.round(m('parse', 'app')),
    intake_app_us: Math.round(m('intake', 'app')),
    intake_pg_us: Math.round(m('intake', 'postgres')),
    ack_app_us: Math.round(m('acknowledgement', 'app')),
    ack_pg_us: Math.round(m('acknowledgement', 'postgres')),
    total_us: Math.round(total),
    ratio: m('parse', 'app') / total,
  })
} finally {
  await client.end().catch(() => {})
  await db.close()
  await app.stop()
  await database.drop()
  rmSync(dataDir, { recursive: true, force: true })
}
