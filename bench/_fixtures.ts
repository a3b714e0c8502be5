import pg from 'pg'
import { openPostgres } from '../src/db/client.ts'
import { runMigrations } from '../src/db/migrate.ts'
import { contactEmails, contacts, organizations, queues, teams } from '../src/db/schema/index.ts'
import { seedTicketStates } from '../src/db/seed-defaults.ts'

/** Database fixtures shared by the ticket benchmarks: a throwaway PostgreSQL database and the configuration a ticket needs. */

export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

export interface BenchDatabase {
  url: string
  name: string
  drop(): Promise<void>
}

/** Creates `dl_bench_<label>_<pid>`, migrated, with the default ticket states; `drop()` removes it. */
export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `dl_bench_${label}_${process.pid}`
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL })
  await admin.connect()
  await admin.query(`drop database if exists ${name} with (force)`)
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = PG_ADMIN_URL.replace(/\/postgres$/, `/${name}`)
  const database = openPostgres(url, 2)
  await runMigrations(database)
  await seedTicketStates(database.db)
  await database.close()
  return {
    url,
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  }
}

/** A tiny JSON client for the app child server. */
export function apiClient(port: number | string, token: string | number) {
  return async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }
}

export interface TicketWorld {
  queueId: string
  teamId: string
  organizationId: string
  contactId: string
  contractId: string
  policyId: string
  stateId: string
}

/**
 * What a ticket create needs, made through the API where the API validates shapes (calendar,
 * SLA policy, contract) and straight in the database otherwise: a team and queue, a business
 * calendar, a policy with targets for every priority, one organization, contact and contract.
 */
export async function seedTicketWorld(url: string, api: ReturnType<typeof apiClient>): Promise<TicketWorld> {
  const database = openPostgres(url, 2)
  const now = new Date()
  try {
    const db = database.db
    const [team] = await db.insert(teams).values({ name: 'Bench team', createdAt: now, updatedAt: now }).returning()
    const [queue] = await db.insert(queues).values({ name: 'Bench queue', defaultTeamId: team!.id, billableByDefault: true, createdAt: now, updatedAt: now }).returning()
    const [org] = await db.insert(organizations).values({ name: 'Bench customer', defaultLocale: 'en', timeZone: 'Europe/Sofia', createdAt: now, updatedAt: now }).returning()
    const [contact] = await db.insert(contacts).values({ organizationId: org!.id, name: 'Bench contact', authorized: true, createdAt: now, updatedAt: now }).returning()
    await db.insert(contactEmails).values({ email: 'bench.contact@example.test', contactId: contact!.id })
    const cal = await api<{ id: string }>('POST', '/v1/calendars', {
      name: 'Bench office',
      timeZone: 'Europe/Sofia',
      weekly: [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '18:00' })),
    })
    const target = { firstResponse: { value: 2, unit: 'business_hours' }, nextResponse: { value: 4, unit: 'business_hours' }, resolution: { value: 16, unit: 'business_hours' } }
    const policy = await api<{ id: string }>('POST', '/v1/sla-policies', {
      name: 'Bench standard',
      calendarId: cal.id,
      rank: 10,
      targets: { low: target, normal: target, high: target, urgent: target },
    })
    const contract = await api<{ id: string }>('POST', '/v1/contracts', {
      organizationId: org!.id,
      number: 'B-1',
      startsOn: '2020-01-01',
      currency: 'EUR',
      hourlyRates: [{ rateMinor: 5000 }],
      allowedChannels: ['email', 'web', 'api', 'phone'],
      status: 'active',
    })
    const { rows } = await database.pool!.query<{ id: string }>(`select id from ticket_states where is_default limit 1`)
    return { queueId: queue!.id, teamId: team!.id, organizationId: org!.id, contactId: contact!.id, contractId: contract.id, policyId: policy.id, stateId: rows[0]!.id }
  } finally {
    await database.close()
  }
}

/** Runs `body` on `concurrency` workers for `seconds`, each timing its own calls: throughput and latency percentiles in ms. */
export async function timedLoop(concurrency: number, seconds: number, body: (worker: number) => Promise<void>) {
  const latencies: number[] = []
  const end = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < end) {
        const t0 = performance.now()
        await body(w)
        latencies.push(performance.now() - t0)
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  return { rps: latencies.length / elapsed, latencies }
}

/** Mail benchmarks' senders: `sender-<i>@customer.bench.test` for i < `count`, registered contacts of the world's organization. */
export const mailSender = (i: number, count: number) => `sender-${i % count}@customer.bench.test`

/** Gives the world's queue the inbound address `mailbox` and registers `count` mail senders (mailSender) on its organization. */
export async function seedMailSenders(client: pg.Client, world: TicketWorld, mailbox: string, count: number): Promise<void> {
  await client.query('update queues set inbound_email = $1 where id = $2', [mailbox, world.queueId])
  await client.query(
    `with c as (
       insert into contacts (id, organization_id, name, authorized, created_at, updated_at)
       select gen_random_uuid(), $1, 'Customer ' || g, true, now(), now() from generate_series(0, $2 - 1) g
       returning id, name)
     insert into contact_emails (email, contact_id) select 'sender-' || substr(name, 10) || '@customer.bench.test', id from c`,
    [world.organizationId, count],
  )
}
