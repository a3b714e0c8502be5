/**
 * The SLA scan tick against 1,000,000 open tickets on PostgreSQL, next to a full scan of the same
 * table in the same run. Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)
 * only to create a throwaway database, which it drops at the end.
 *
 *   npm run bench -- sla-scan [tickets=1000000]
 *
 * Seeding is one `INSERT … SELECT generate_series` per table (tickets, then one resolution clock
 * each), with every `next_sla_event_at` spread over the next 30 days. Measured:
 * - idle: `scanSla` when nothing is due (median of 20 ticks);
 * - due1000: `scanSla` when 1,000 tickets have a breach due (records 1,000 events and outbox rows);
 * - fullscan: the question "which open tickets have an SLA event due?" answered without the index
 *   (index scans disabled, so a sequential scan of the open tickets; median of 5).
 */
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { loadConfig } from '../src/config.ts'
import { openPostgres } from '../src/db/client.ts'
import { runMigrations } from '../src/db/migrate.ts'
import { contacts, organizations, queues, slaPolicies, ticketStates } from '../src/db/schema/index.ts'
import { systemClock } from '../src/lib/clock.ts'
import { createLogger } from '../src/logger.ts'
import { scanSla } from '../src/modules/automation/sla-scan.service.ts'
import { fmt, percentile, printResult } from './_lib.ts'

const N = Number(process.argv[2] ?? 1_000_000)
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const dbName = `dl_bench_sla_${process.pid}`
const url = new URL(adminUrl)
url.pathname = `/${dbName}`

const admin = new pg.Client({ connectionString: adminUrl })
await admin.connect()
await admin.query(`create database ${dbName}`)
const database = openPostgres(url.toString(), 4)
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50)
async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

try {
  await runMigrations(database)
  const { db, pool } = database
  const now = new Date('2030-06-03T10:00:00Z')
  const [org] = await db.insert(organizations).values({ name: 'Bench org', defaultLocale: 'en', timeZone: 'Europe/Sofia' }).returning()
  const [contact] = await db.insert(contacts).values({ organizationId: org!.id, name: 'Bench contact', authorized: true }).returning()
  const [queue] = await db.insert(queues).values({ name: 'Bench queue' }).returning()
  const [state] = await db.insert(ticketStates).values({ key: 'open', name: 'Open', category: 'open' }).returning()
  const [policy] = await db
    .insert(slaPolicies)
    .values({ name: 'Bench', targets: { normal: { resolution: { value: 60 * 24 * 30, unit: 'calendar_minutes' } } }, rank: 0 })
    .returning()

  const seedMs = await time(async () => {
    const c = await pool!.connect()
    try {
      await c.query('set synchronous_commit = off')
      // Bulk load, then build the secondary indexes once (much faster than maintaining them row by row).
      const indexes = (await c.query<{ name: string; def: string }>("select indexname as name, indexdef as def from pg_indexes where tablename = 'tickets' and indexname <> 'tickets_pkey'")).rows
      for (const i of indexes) await c.query(`drop index ${i.name}`)
      // Each ticket's next SLA event lies between 1 minute and 30 days after `now`.
      await c.query(
        `insert into tickets (id, subject, channel, requester_id, organization_id, queue_id, state_id, state_category, billable,
           gate_override_reason, created_by, next_sla_event_at, resolution_due_at, next_due_at, created_at, updated_at)
         select gen_random_uuid(), 'Bench ticket ' || g, 'api', $1, $2, $3, $4, 'open', false, 'bench', 'system:bench',
           $5::timestamptz + make_interval(secs => 60 + (g * 2591.0) % 2592000),
           $5::timestamptz + make_interval(secs => 60 + (g * 2591.0) % 2592000),
           $5::timestamptz + make_interval(secs => 60 + (g * 2591.0) % 2592000),
           $5::timestamptz - interval '1 day', $5::timestamptz - interval '1 day'
         from generate_series(1, $6) g`,
        [contact!.id, org!.id, queue!.id, state!.id, now.toISOString(), N],
      )
      await c.query(
        `insert into ticket_sla_clocks (ticket_id, kind, status, policy_id, measure, target_seconds, consumed_seconds, running_since, due_at, updated_at)
         select id, 'resolution', 'running', $1, 'calendar', 2592000, 0, created_at, next_sla_event_at, created_at from tickets`,
        [policy!.id],
      )
      await c.query('set maintenance_work_mem = \'256MB\'')
      for (const i of indexes) await c.query(i.def)
      await c.query('vacuum analyze tickets')
      await c.query('vacuum analyze ticket_sla_clocks')
    } finally {
      c.release()
    }
  })
  console.log(`seeded ${N} open tickets and clocks in ${fmt(seedMs / 1000, 1)} s`)

  const deps = { db, config: { ...loadConfig({ LOG_LEVEL: 'silent' }), jwtSecrets: [] }, clock: systemClock, log: createLogger('silent') }
  await scanSla(deps, now) // warm-up: plans cached, connections open
  const idle: number[] = []
  for (let i = 0; i < 20; i++) idle.push(await time(() => scanSla(deps, now)))

  const fullScan = async () => {
    const c = await pool!.connect()
    try {
      await c.query('begin')
      await c.query('set local enable_indexscan = off')
      await c.query('set local enable_bitmapscan = off')
      await c.query('set local enable_indexonlyscan = off')
      const r = await c.query(
        "select id from tickets where state_category in ('new', 'open', 'pending') and next_sla_event_at <= $1 order by next_sla_event_at limit 200",
        [now.toISOString()],
      )
      await c.query('commit')
      return r.rowCount
    } finally {
      c.release()
    }
  }
  const full: number[] = []
  for (let i = 0; i < 5; i++) full.push(await time(fullScan))

  // 1,000 tickets whose resolution is due: their clock and their next SLA event move into the past.
  const later = now
  await pool!.query(
    `with due as (select id from tickets order by id limit 1000)
     update ticket_sla_clocks c set due_at = $1::timestamptz - interval '1 minute' from due where c.ticket_id = due.id`,
    [now.toISOString()],
  )
  await pool!.query(`update tickets t set next_sla_event_at = c.due_at from ticket_sla_clocks c where c.ticket_id = t.id and c.due_at <= $1`, [now.toISOString()])
  let summary: Awaited<ReturnType<typeof scanSla>> | undefined
  const due1000 = await time(async () => {
    summary = await scanSla(deps, later)
  })
  const again = await time(() => scanSla(deps, later))
  console.log(`due tick: ${JSON.stringify(summary)}; rerun of the tick ${fmt(again)} ms`)

  const idleMs = median(idle)
  const fullMs = median(full)
  console.log(`idle tick: median ${fmt(idleMs)} ms (p90 ${fmt(percentile([...idle].sort((a, b) => a - b), 90))} ms) over 20 ticks`)
  console.log(`full scan of open tickets without the index: median ${fmt(fullMs)} ms over 5`)
  console.log(`1,000 due: ${fmt(due1000)} ms (${summary?.breaches} breaches recorded)`)
  printResult('sla-scan', { idle_ms: Number(idleMs.toFixed(3)), due1000_ms: Number(due1000.toFixed(1)), fullscan_ms: Number(fullMs.toFixed(1)), ratio: Math.round(fullMs / idleMs) })
} finally {
  await database.close()
  await admin.query(`drop database if exists ${dbName} with (force)`)
  await admin.end()
}
