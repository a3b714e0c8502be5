/**
 * Ticket lists and search on 1,000,000 tickets across 10,000 organizations (3 messages each),
 * through the API against the bare-pg keyset query, on PostgreSQL 15, same run:
 *
 * - org:  the 50 most recently updated open tickets of one organization
 * - team: the 50 next-due open tickets of a team
 * - search: a two-word full-text query (p95, next to the keyset list latency of this run)
 *
 * At concurrency 1 (targets: API p50 ≤ bare p50 + 1 ms, p99 ≤ 3 × bare p99) and 8 (API
 * throughput ≥ 40 % of bare), bare and API in alternating slices. The bare queries select the columns a list returns (every Ticket
 * field, not the search document) and let pg parse them; EXPLAIN of each is printed, with the index
 * it uses, and how many tickets the search query matches (the seeded text: bench/_seed-tickets.ts).
 *
 *   npm run bench -- tickets-list [seconds] [tickets]
 */
import http from 'node:http'
import { toSnakeCase } from 'drizzle-orm/casing'
import pg from 'pg'
import { Ticket } from '../src/modules/tickets/tickets.schemas.ts'
import { fmt, httpLoad, percentile, printResult, startChildServer } from './_lib.ts'
import { apiClient, createBenchDatabase, seedTicketWorld, timedLoop } from './_fixtures.ts'
import { seedTickets } from './_seed-tickets.ts'

const seconds = Number(process.argv[2] ?? 10)
const nTickets = Number(process.argv[3] ?? 1_000_000)
const OPEN = ['new', 'open', 'pending']
const QUERY = 'printer offline'
const COLUMNS = Object.keys(Ticket.properties).map(toSnakeCase).join(', ')

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
function get(port: number, path: string, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${path}: ${res.statusCode}`))
      res.resume()
      res.on('end', () => resolve())
    })
    req.on('error', reject)
  })
}

/**
 * Runs `bare` and `api` in alternating slices, `rounds` of each: a load spike from the other work on
 * this shared machine then falls on both sides instead of on whichever ran at the time.
 */
async function alternate<B, A>(rounds: number, bare: () => Promise<B>, api: () => Promise<A>): Promise<[B[], A[]]> {
  const out: [B[], A[]] = [[], []]
  for (let i = 0; i < rounds; i++) {
    out[0].push(await bare())
    out[1].push(await api())
  }
  return out
}
const merged = (runs: Array<{ latencies: number[] }>) => runs.flatMap((r) => r.latencies).sort((x, y) => x - y)
const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length

const stats = (latencies: number[]) => ({ p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) })

const database = await createBenchDatabase('list')
const app = await startChildServer('app', { DATABASE_URL: database.url })
const pool = new pg.Pool({ connectionString: database.url, max: 8 })
try {
  await seedTicketWorld(database.url, apiClient(app.info.port!, app.info.token!))
  console.log(`seeding ${nTickets} tickets …`)
  await seedTickets(database.url, nTickets, 10_000)
  const { rows: picks } = await pool.query<{ org: string; team: string }>(
    `select (select organization_id from tickets where created_by = 'system:seed' order by id limit 1) as org,
            (select team_id from tickets where created_by = 'system:seed' order by id limit 1) as team`,
  )
  const { org, team } = picks[0]!
  const port = Number(app.info.port)
  const token = String(app.info.token)
  const cases = {
    org: {
      path: `/v1/tickets?organizationId=${org}&${OPEN.map((c) => `stateCategory=${c}`).join('&')}&sort=updated&limit=50`,
      sql: `select ${COLUMNS} from tickets where organization_id = $1 and state_category in ('new', 'open', 'pending') order by updated_at desc, id desc limit 51`,
      params: [org],
    },
    team: {
      path: `/v1/tickets?teamId=${team}&${OPEN.map((c) => `stateCategory=${c}`).join('&')}&sort=due&limit=50`,
      sql: `select ${COLUMNS} from tickets where team_id = $1 and state_category in ('new', 'open', 'pending') order by next_due_at asc nulls last, id asc limit 51`,
      params: [team],
    },
    search: {
      path: `/v1/tickets?q=${encodeURIComponent(QUERY)}&limit=50`,
      sql: `select ${COLUMNS} from tickets where search @@ websearch_to_tsquery('simple', $1) order by updated_at desc, id desc limit 51`,
      params: [QUERY],
    },
  }
  const { rows: matched } = await pool.query<{ n: number }>(`select count(*)::int as n from tickets where search @@ websearch_to_tsquery('simple', $1)`, [QUERY])
  const matches = matched[0]!.n
  console.log(`search "${QUERY}" matches ${matches} of ${nTickets} seeded tickets`)
  for (const [name, c] of Object.entries(cases)) {
    const plan = (await pool.query(`explain ${c.sql}`, c.params)).rows.map((r: Record<string, string>) => r['QUERY PLAN']!)
    const used = plan.join('\n').match(/\b(tickets_\w+_idx|tickets_pkey)\b/g) ?? ['(no index)']
    console.log(`EXPLAIN ${name}: ${[...new Set(used)].join(', ')}\n  ${plan.join('\n  ')}`)
  }

  const metrics: Record<string, number> = {}
  const summary: string[] = []
  for (const [name, c] of Object.entries(cases)) {
    for (let i = 0; i < 200; i++) await get(port, c.path, token)
    const [bare1, api1] = await alternate(
      10,
      () => timedLoop(1, seconds / 10, async () => void (await pool.query(c.sql, c.params))),
      () => timedLoop(1, seconds / 10, () => get(port, c.path, token)),
    )
    const b = stats(merged(bare1))
    const a = stats(merged(api1))
    console.log(`${name} c1  bare p50 ${fmt(b.p50)} ms p95 ${fmt(b.p95)} p99 ${fmt(b.p99)}   API p50 ${fmt(a.p50)} ms p95 ${fmt(a.p95)} p99 ${fmt(a.p99)}`)
    Object.assign(metrics, { [`${name}_c1_api_p50_ms`]: a.p50, [`${name}_c1_bare_p50_ms`]: b.p50, [`${name}_c1_api_p99_ms`]: a.p99, [`${name}_c1_bare_p99_ms`]: b.p99 })
    if (name === 'search') {
      metrics.search_c1_api_p95_ms = a.p95
      summary.push(`search ("${QUERY}", ${matches} matches) p95 ${fmt(a.p95)} ms (aim < 100) next to org list p95 ${fmt(metrics.org_c1_api_p95_ms!)} ms`)
      continue
    }
    metrics[`${name}_c1_api_p95_ms`] = a.p95
    summary.push(`${name} c1: p50 ${fmt(a.p50)} vs bare ${fmt(b.p50)} + 1 ms ${a.p50 <= b.p50 + 1 ? 'ok' : 'MISSED'}; p99 ${fmt(a.p99 / b.p99)}× (≤ 3)`)
    const slice = Math.max(1, Math.round(seconds / 5))
    const [bare8runs, api8runs] = await alternate(
      Math.max(1, Math.round(seconds / slice)),
      () => timedLoop(8, slice, async () => void (await pool.query(c.sql, c.params))),
      () => httpLoad({ url: `http://127.0.0.1:${port}${c.path}`, connections: 8, seconds: slice, headers: { authorization: `Bearer ${token}` } }),
    )
    if (api8runs.some((r) => r.non2xx || r.errors)) throw new Error(`${name}: non-2xx responses or errors at concurrency 8`)
    const bare8 = { rps: mean(bare8runs.map((r) => r.rps)) }
    const api8 = { rps: mean(api8runs.map((r) => r.rps)) }
    console.log(`${name} c8  bare ${fmt(bare8.rps, 0)} q/s   API ${fmt(api8.rps, 0)} req/s   ratio ${fmt(api8.rps / bare8.rps)} (≥ 0.40)`)
    Object.assign(metrics, { [`${name}_c8_api_rps`]: Math.round(api8.rps), [`${name}_c8_bare_rps`]: Math.round(bare8.rps), [`${name}_c8_ratio`]: api8.rps / bare8.rps })
  }
  for (const line of summary) console.log(line)
  const rounded = Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, Number.isInteger(v) ? v : Number(v.toFixed(3))]))
  printResult('tickets-list', { ...rounded, search_matches: matches, ratio: Math.min(metrics.org_c8_ratio!, metrics.team_c8_ratio!) })
} finally {
  agent.destroy()
  await pool.end()
  await app.stop()
  await database.drop()
}
