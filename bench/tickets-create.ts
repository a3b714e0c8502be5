/**
 * Ticket create through the API against a bare `pg` transaction, on PostgreSQL 15, same run.
 *
 * - API: `POST /v1/tickets` from autocannon (no Idempotency-Key), the app in a child process with
 *   its production pool of 10: authentication, the intake gate, SLA selection and clocks, the
 *   ticket, its first message, events and an outbox row, in one transaction.
 * - Bare: from this process, a pg Pool of the same size as the concurrency, each transaction
 *   `begin; insert the same ticket row; insert one event row; commit`, timed per transaction.
 *
 * At 8 and 32 connections. Targets: throughput ≥ 50 % of bare (aim 65 %), p99 ≤ 2.5 × bare p99.
 *
 *   npm run bench -- tickets-create [seconds=10] [rounds=5]
 */
import pg from 'pg'
import { cpuPerOp, fmt, httpLoad, median, percentile, printResult, startChildServer } from './_lib.ts'
import { apiClient, createBenchDatabase, seedTicketWorld, type TicketWorld, timedLoop } from './_fixtures.ts'

const seconds = Number(process.argv[2] ?? 10)
const ROUNDS = Number(process.argv[3] ?? 5)
const LEVELS = [8, 32]

const SUBJECT = 'Invoice printing fails with error 42'
const TEXT = 'Printing an invoice from the billing module shows error 42 and nothing is printed.'

async function bare(url: string, w: TicketWorld, concurrency: number) {
  const pool = new pg.Pool({ connectionString: url, max: concurrency })
  const description = JSON.stringify({ text: TEXT })
  const once = async () => {
    const c = await pool.connect()
    try {
      const now = new Date()
      await c.query('begin')
      const { rows } = await c.query<{ id: string }>(
        `insert into tickets (id, subject, description, channel, requester_id, organization_id, contract_id, queue_id, priority, state_id,
           state_category, team_id, tags, billable, created_by, last_customer_message_at, search, created_at, updated_at)
         values (gen_random_uuid(), $1, $2, 'phone', $3, $4, $5, $6, 'normal', $7, 'new', $8, '{}', true, 'agent:bench', $9, to_tsvector('simple', $10), $9, $9)
         returning id`,
        [SUBJECT, description, w.contactId, w.organizationId, w.contractId, w.queueId, w.stateId, w.teamId, now, `${SUBJECT}\n${TEXT}`],
      )
      await c.query(
        `insert into ticket_events (id, ticket_id, type, new, actor, actor_kind, channel, created_at)
         values (gen_random_uuid(), $1, 'ticket.created', $2, 'agent:bench', 'agent', 'phone', $3)`,
        [rows[0]!.id, JSON.stringify({ queueId: w.queueId, priority: 'normal' }), now],
      )
      await c.query('commit')
    } finally {
      c.release()
    }
  }
  for (let i = 0; i < concurrency * 20; i++) await once()
  const { result: r, cpu } = await cpuPerOp(undefined, () => timedLoop(concurrency, seconds, once), (r) => r.latencies.length)
  await pool.end()
  return { rps: r.rps, p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99), cpu }
}

const database = await createBenchDatabase('create')
const app = await startChildServer('app', { DATABASE_URL: database.url })
try {
  const world = await seedTicketWorld(database.url, apiClient(app.info.port!, app.info.token!))
  const body = JSON.stringify({ requesterId: world.contactId, queueId: world.queueId, subject: SUBJECT, description: { text: TEXT } })
  const post = (connections: number, secs: number) =>
    httpLoad({
      url: `http://127.0.0.1:${app.info.port}/v1/tickets`,
      method: 'POST',
      connections,
      seconds: secs,
      headers: { authorization: `Bearer ${app.info.token}`, 'content-type': 'application/json' },
      body,
    })
  await post(8, 3)
  const metrics: Record<string, number> = {}
  for (const c of LEVELS) {
    const rounds: Array<{ bare: number; api: number; bareP99: number; apiP99: number }> = []
    for (let round = 1; round <= ROUNDS; round++) {
      const b = await bare(database.url, world, c)
      const { result: a, cpu } = await cpuPerOp(app.pid, () => post(c, seconds), (r) => r.rps * seconds)
      if (a.non2xx || a.errors) throw new Error(`the app answered ${a.non2xx} non-2xx and ${a.errors} errors at c${c}`)
      rounds.push({ bare: b.rps, api: a.rps, bareP99: b.p99, apiP99: a.p99 })
      console.log(`c${c} round ${round}  bare pg ${fmt(b.rps, 0)} tx/s  p50 ${fmt(b.p50)} ms  p99 ${fmt(b.p99)} ms | API ${fmt(a.rps, 0)} req/s  p50 ${a.p50} ms  p99 ${a.p99} ms | ratio ${fmt(a.rps / b.rps)}  p99 ${fmt(a.p99 / b.p99)}×`)
      console.log(`c${c} round ${round}  CPU ms per op: bare client ${fmt(b.cpu.self)} + postgres ${fmt(b.cpu.postgres)}; load ${fmt(cpu.self)} + app ${fmt(cpu.child)} (kernel ${fmt(cpu.childSystem)}) + postgres ${fmt(cpu.postgres)}`)
    }
    const ratio = median(rounds.map((r) => r.api / r.bare))
    const p99Ratio = median(rounds.map((r) => r.apiP99 / r.bareP99))
    console.log(`c${c}  median of ${ROUNDS} rounds: throughput ${fmt(ratio)} (≥ 0.50, aim 0.65)  p99 ${fmt(p99Ratio)}× (≤ 2.5)`)
    Object.assign(metrics, {
      [`c${c}_api_rps`]: Math.round(median(rounds.map((r) => r.api))),
      [`c${c}_bare_rps`]: Math.round(median(rounds.map((r) => r.bare))),
      [`c${c}_api_p99_ms`]: median(rounds.map((r) => r.apiP99)),
      [`c${c}_bare_p99_ms`]: Number(median(rounds.map((r) => r.bareP99)).toFixed(2)),
      [`c${c}_ratio`]: ratio,
      [`c${c}_p99_ratio`]: p99Ratio,
    })
  }
  printResult('tickets-create', { ...metrics, ratio: Math.min(metrics.c8_ratio!, metrics.c32_ratio!) })
} finally {
  await app.stop()
  await database.drop()
}
