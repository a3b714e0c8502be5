/**
 * Mail intake (issue 5 §3) on PostgreSQL 15: messages per second to committed tickets through the
 * real SMTP listener (the app in a child process, tickets router, 250 only after the intake
 * transaction committed), next to a parse-and-discard smtp-server sink (smtp-server + mailparser,
 * nothing stored) in another child, fed the same way in the same run.
 *
 * - pooled: nodemailer `pool: true, maxConnections: 8`, 16 sends in flight, 5 KB text messages and
 *   200 KB messages carrying a PDF-like attachment. Targets ≥ 40 % and ≥ 30 % of the sink.
 * - per connection: one SMTP connection per message, 16 in parallel (as relays and `swaks` deliver).
 *   Target ≥ 80 % of the sink.
 * - memory: the app's RSS before and after `rssMessages` more 5 KB messages through the pool (flat).
 *
 * Every message comes from one of 200 registered contacts of an organization with an active contract
 * and has its own Message-ID, so each one really becomes a ticket; the run checks that every message
 * the app accepted is a `ticket_created` inbound mail. The app runs the outbox dispatcher as
 * `npm start` does (no relay: .eml files in a temporary data directory), so acknowledgements are
 * rendered and written while mail comes in; the run checks that every ticket's acknowledgement was
 * sent, and prints the rate with the dispatcher's backlog drained next to the committed rate. The per-sender caps (SMTP_RATE_PER_SENDER_PER_MINUTE,
 * AUTO_MAIL_CAP_PER_HOUR) are raised for the run: it sends hundreds of messages per sender in minutes.
 *
 *   npm run bench -- mail-intake [messages=600] [rssMessages=20000] [scenarios=pooled5k,pooled200k,perconn] [rounds=3]
 *
 * `messages` is per throughput measurement (200 KB ones send a third of it); `rssMessages` 0 skips
 * the memory part; `scenarios` picks which throughput measurements run (for profiling one of them;
 * the RESULT line then carries only those). With BENCH_CPU_PROF_DIR set, both servers write CPU profiles there.
 *
 * Each throughput line is followed by the CPU milliseconds per message of the load generator, the
 * server (app or sink, with its kernel share) and PostgreSQL (bench/_lib.ts cpuPerOp): on the 2-core
 * machine they share the cores, so CPU per message is what decides the ratios. The RESULT line
 * carries the total per message as app/sink.
 */
import { randomBytes } from 'node:crypto'
import nodemailer from 'nodemailer'
import pg from 'pg'
import { apiClient, createBenchDatabase, mailSender, seedMailSenders, seedTicketWorld } from './_fixtures.ts'
import { type ChildServer, cpuPerOp, fmt, median, printResult, rssMb, startChildServer } from './_lib.ts'

const messages = Number(process.argv[2] ?? 600)
const rssMessages = Number(process.argv[3] ?? 20_000)
const rounds = Number(process.argv[5] ?? 3)
const scenarios = new Set((process.argv[4] ?? 'pooled5k,pooled200k,perconn').split(','))
const SENDERS = 200
const IN_FLIGHT = 16
const MAILBOX = 'support@desk.bench.test'
const run = `${process.pid}-${Date.now()}`

const PARAGRAPH =
  'Since this morning the invoice export stops at the third page and the billing module shows error 42. We restarted the print service and the workstation, the error stays. '
const SMALL_TEXT = PARAGRAPH.repeat(Math.ceil(4800 / PARAGRAPH.length)).slice(0, 4800)
// 145 KB of bytes is 196 KB in base64 lines: with headers and the text part, a 200 KB message.
const ATTACHMENT = (randomBytes(145 * 1024).toString('base64').match(/.{1,76}/g) ?? []).join('\r\n')

const sender = (i: number) => mailSender(i, SENDERS)

function headers(i: number, tag: string, contentType: string) {
  return [
    `From: Customer ${i % SENDERS} <${sender(i)}>`,
    `To: Support <${MAILBOX}>`,
    `Subject: Invoice export stops at page 3 (${tag} ${i})`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${tag.replace(/\s+/g, '-')}-${i}-${run}@customer.bench.test>`,
    'MIME-Version: 1.0',
    contentType,
  ].join('\r\n')
}

const small = (i: number, tag: string) => `${headers(i, tag, 'Content-Type: text/plain; charset=utf-8')}\r\n\r\n${SMALL_TEXT}\r\n`

const big = (i: number, tag: string) =>
  [
    headers(i, tag, 'Content-Type: multipart/mixed; boundary="b1"'),
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    SMALL_TEXT,
    '--b1',
    'Content-Type: application/pdf; name="export-page-3.pdf"',
    'Content-Disposition: attachment; filename="export-page-3.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    ATTACHMENT,
    '--b1--',
    '',
  ].join('\r\n')

type Build = (i: number, tag: string) => string
type Transporter = ReturnType<typeof nodemailer.createTransport>

/** Sends messages first..first+count-1 with IN_FLIGHT workers; returns messages per second. */
async function feed(transport: Transporter, first: number, count: number, build: Build, tag: string): Promise<number> {
  let next = first
  const end = first + count
  const started = performance.now()
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < end) {
        const i = next++
        const info = await transport.sendMail({ envelope: { from: sender(i), to: [MAILBOX] }, raw: build(i, tag) })
        if (!/^250\b/.test(info.response)) throw new Error(`${tag} ${i}: ${info.response}`)
      }
    }),
  )
  return count / ((performance.now() - started) / 1000)
}

const base = { host: '127.0.0.1', secure: false, ignoreTLS: true, logger: false } as const
const pooled = (port: number) => nodemailer.createTransport({ ...base, port, pool: true, maxConnections: 8, maxMessages: Number.POSITIVE_INFINITY })
// Without `pool`, every sendMail opens its own connection and quits after the message.
const perConnection = (port: number) => nodemailer.createTransport({ ...base, port })

interface Scenario {
  name: string
  transport: (port: number) => Transporter
  build: Build
  count: number
}

let sent = 0
type Run = { rate: number; sustained: number; cpu: Awaited<ReturnType<typeof cpuPerOp>>['cpu'] }
/**
 * `rounds` pairs of runs, the sink's then the app's, after one warm-up on each side; the ratio is
 * app ÷ sink, messages per second to committed tickets, the median of the pairs' ratios (on the
 * 2-core machine one sink run's rate moved between 430 and 1370 msg/s from run to run, so a single
 * pair said little). The app's dispatcher delivers the acknowledgements meanwhile; what it still
 * owes when the feed ends is drained before anything else is measured (so it never runs during the
 * sink's measurement), and its CPU is counted in the app's CPU per message. `sustained` is the
 * app's rate with that drain time included.
 */
async function measure(s: Scenario, sinkPort: number, sinkPid: number, appPort: number, appPid: number) {
  // A third of the measured count first, on each side: the app's path (parsing, intake, the
  // dispatcher's rendering) runs cold for its first hundreds of messages, and 32 were not enough
  // for V8 to optimise it, while the sink's few functions warm at once.
  const warm = Math.max(IN_FLIGHT * 2, Math.ceil(s.count / 3))
  const sides = [
    { label: 'sink', transport: s.transport(sinkPort), pid: sinkPid },
    { label: 'app', transport: s.transport(appPort), pid: appPid },
  ] as const
  const pairs: Array<{ sink: Run; app: Run }> = []
  try {
    for (const side of sides) {
      await feed(side.transport, sent, warm, s.build, `warm-${s.name}-${side.label}`)
      await drainOutbox()
    }
    sent += warm
    for (let round = 1; round <= rounds; round++) {
      const runs: Run[] = []
      for (const side of sides) {
        const { result, cpu } = await cpuPerOp(
          side.pid,
          async () => {
            const started = performance.now()
            const rate = await feed(side.transport, sent, s.count, s.build, `${s.name}-${side.label}-${round}`)
            await drainOutbox()
            return { rate, sustained: s.count / ((performance.now() - started) / 1000) }
          },
          () => s.count,
        )
        runs.push({ ...result, cpu })
      }
      sent += s.count
      const [sink, app] = runs as [Run, Run]
      pairs.push({ sink, app })
      console.log(
        `${s.name.padEnd(12)} round ${round}  sink ${fmt(sink.rate, 1).padStart(7)} msg/s   app ${fmt(app.rate, 1).padStart(7)} msg/s   ratio ${fmt(app.rate / sink.rate)}   (app with its outbox drained ${fmt(app.sustained, 1)} msg/s, ratio ${fmt(app.sustained / sink.rate)})`,
      )
      cpuLine(sink.cpu, app.cpu)
    }
  } finally {
    for (const side of sides) side.transport.close()
  }
  const ratio = median(pairs.map((p) => p.app.rate / p.sink.rate))
  const sustainedRatio = median(pairs.map((p) => p.app.sustained / p.sink.rate))
  console.log(`${s.name.padEnd(12)} median of ${rounds} rounds: ratio ${fmt(ratio)}, with the outbox drained ${fmt(sustainedRatio)}`)
  const total = (c: Run['cpu']) => c.self + c.child + c.postgres
  return { ratio, sustainedRatio, sinkCpu: median(pairs.map((p) => total(p.sink.cpu))), appCpu: median(pairs.map((p) => total(p.app.cpu))) }
}

function cpuLine(sink: Run['cpu'], app: Run['cpu']) {
  // On a 2-core machine the load generator, the server and PostgreSQL share the cores: the CPU each
  // side spends per message bounds its rate, so this line says where a ratio is lost.
  const line = (c: Run['cpu']) => `load ${fmt(c.self)} + server ${fmt(c.child)} (kernel ${fmt(c.childSystem)}) + postgres ${fmt(c.postgres)}`
  console.log(`${''.padEnd(12)} CPU ms per message: sink ${line(sink)}; app ${line(app)}`)
}

/** Outbox rows still owed (the app's dispatcher delivers acknowledgements while mail comes in). */
async function outboxBacklog(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>("select count(*) n from outbox where status in ('pending', 'sending')")
  return Number(rows[0]!.n)
}

/** Waits until the app's dispatcher owes nothing (`minutes` at most). */
async function drainOutbox(minutes = 5) {
  const deadline = Date.now() + minutes * 60_000
  while ((await outboxBacklog(client)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
}

/** Every ticket's acknowledgement was delivered (written to the outbound directory). */
async function checkAcknowledged(client: pg.Client, expected: number) {
  // After the memory run the dispatcher may owe thousands of acknowledgements.
  await drainOutbox(20)
  const { rows } = await client.query<{ n: string }>(
    "select count(*) n from outbox where kind = 'mail' and status = 'sent' and payload->'to'->>0 like '%@customer.bench.test'",
  )
  const { rows: failed } = await client.query<{ n: string }>("select count(*) n from outbox where status <> 'sent'")
  console.log(`outbox       ${rows[0]!.n} acknowledgements sent for ${expected} tickets; ${failed[0]!.n} rows not sent`)
  if (Number(failed[0]!.n) > 0 || Number(rows[0]!.n) !== expected) throw new Error('not every acknowledgement was delivered')
}

/** Every message the app answered 250 became a ticket: no quarantine, no throttling, no duplicate. */
async function checkOutcomes(client: pg.Client, expected: number) {
  const { rows } = await client.query<{ outcome: string; n: string }>('select outcome, count(*) n from inbound_mail group by outcome')
  const by = Object.fromEntries(rows.map((r) => [r.outcome, Number(r.n)]))
  const { rows: t } = await client.query<{ n: string }>('select count(*) n from tickets')
  if (by.ticket_created !== expected || Object.keys(by).length !== 1 || Number(t[0]!.n) !== expected) {
    throw new Error(`expected ${expected} tickets from mail, got outcomes ${JSON.stringify(by)} and ${t[0]!.n} tickets`)
  }
}

const database = await createBenchDatabase('mail')
let app: ChildServer | undefined
let sink: ChildServer | undefined
const client = new pg.Client({ connectionString: database.url })
try {
  app = await startChildServer('app', {
    DATABASE_URL: database.url,
    BENCH_SMTP: '1',
    SMTP_RATE_PER_SENDER_PER_MINUTE: '1000000',
    AUTO_MAIL_CAP_PER_HOUR: '1000000',
  })
  sink = await startChildServer('mail-sink')
  const world = await seedTicketWorld(database.url, apiClient(app.info.port!, app.info.token!))
  await client.connect()
  await seedMailSenders(client, world, MAILBOX, SENDERS)

  const appPort = Number(app.info.smtpPort)
  const sinkPort = Number(sink.info.smtpPort)
  const ratios: Record<string, number | string> = {}
  const scenarioList: Array<[string, Scenario]> = [
    ['pooled5k', { name: 'pooled 5k', transport: pooled, build: small, count: messages }],
    ['pooled200k', { name: 'pooled 200k', transport: pooled, build: big, count: Math.ceil(messages / 3) }],
    ['perconn', { name: 'per-conn 5k', transport: perConnection, build: small, count: messages }],
  ]
  for (const [key, scenario] of scenarioList) {
    if (!scenarios.has(key)) continue
    const m = await measure(scenario, sinkPort, sink.pid, appPort, app.pid)
    ratios[`${key}_ratio`] = m.ratio
    ratios[`${key}_sustained_ratio`] = m.sustainedRatio
    ratios[`${key}_cpu_ms`] = `${fmt(m.appCpu)}/${fmt(m.sinkCpu)}`
  }
  console.log('targets: pooled 5k ≥ 0.40, pooled 200k ≥ 0.30, per-connection ≥ 0.80')
  await checkOutcomes(client, sent)
  await checkAcknowledged(client, sent)

  const rssStart = rssMb(app.pid)
  if (rssMessages > 0) {
    const t = pooled(appPort)
    try {
      const step = Math.min(5000, rssMessages)
      for (let done = 0; done < rssMessages; done += step) {
        const n = Math.min(step, rssMessages - done)
        const rate = await feed(t, sent, n, small, 'rss')
        sent += n
        console.log(`memory       ${String(done + n).padStart(6)} messages  ${fmt(rate, 1)} msg/s  app RSS ${fmt(rssMb(app.pid), 1)} MB`)
      }
    } finally {
      t.close()
    }
    await checkOutcomes(client, sent)
    await checkAcknowledged(client, sent)
  }
  const rssEnd = rssMb(app.pid)
  console.log(`memory       RSS ${fmt(rssStart, 1)} MB → ${fmt(rssEnd, 1)} MB over ${rssMessages} messages`)
  const measured = scenarioList.filter(([key]) => scenarios.has(key)).map(([key]) => ratios[`${key}_ratio`] as number)
  printResult('mail-intake', { ...ratios, rss_start_mb: Math.round(rssStart), rss_end_mb: Math.round(rssEnd), ratio: Math.min(...measured) })
} finally {
  await client.end().catch(() => {})
  await app?.stop()
  await sink?.stop()
  await database.drop()
}
