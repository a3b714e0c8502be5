/**
 * Fast, repeatable seeding for the list and search benchmarks: organizations with one contact
 * each, extra teams, then tickets and three public messages per ticket, all with
 * `INSERT … SELECT generate_series` inside PostgreSQL (nothing crosses the wire per row).
 * Subjects and messages are drawn deterministically from a word list, so a two-word query
 * matches the same tickets on every run; the search document is built as the service builds it.
 *
 * For speed the tickets' and messages' secondary indexes are dropped during the load and
 * recreated after it (their definitions read from pg_indexes, so they stay the migration's),
 * and foreign-key triggers are skipped for the session (every reference is made here).
 *
 *   npx tsx bench/_seed-tickets.ts <database url> [tickets] [organizations]
 */
import pg from 'pg'

export const WORDS = [
  'invoice', 'printer', 'offline', 'report', 'export', 'login', 'password', 'licence', 'update', 'install',
  'database', 'backup', 'restore', 'payroll', 'warehouse', 'stock', 'barcode', 'scanner', 'receipt', 'fiscal',
  'error', 'crash', 'slow', 'freeze', 'timeout', 'network', 'server', 'client', 'module', 'screen',
  'button', 'menu', 'window', 'field', 'total', 'tax', 'discount', 'customer', 'supplier', 'order',
  'delivery', 'shipment', 'accounting', 'ledger', 'balance', 'journal', 'period', 'closing', 'opening', 'template',
  // Bulgarian, Russian, Romanian and Croatian words, so the `simple` configuration sees other scripts too.
  'фактура', 'принтер', 'грешка', 'склад', 'отчет', 'счёт', 'ошибка', 'сервер', 'factură', 'eroare',
  'imprimantă', 'depozit', 'račun', 'greška', 'pisač', 'skladište', 'izvještaj', 'lozinka', 'ažuriranje', 'mreža',
]

const N_TEAMS = 20

export interface SeedResult {
  tickets: number
  organizations: number
  seconds: number
}

/** Seeds `tickets` tickets across `organizations` new organizations; the queue, state and team come from the database. */
export async function seedTickets(url: string, tickets = 1_000_000, organizations = 10_000, log: (s: string) => void = console.log): Promise<SeedResult> {
  const t0 = performance.now()
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  const step = async (label: string, q: string, params: unknown[] = []) => {
    const s = performance.now()
    await c.query(q, params)
    log(`  ${label} (${((performance.now() - s) / 1000).toFixed(1)} s)`)
  }
  try {
    await c.query(`set session_replication_role = replica`)
    await c.query(`set maintenance_work_mem = '256MB'`)
    await c.query(`set synchronous_commit = off`)
    const indexes = (
      await c.query<{ indexname: string; indexdef: string }>(
        `select indexname, indexdef from pg_indexes where tablename in ('tickets', 'ticket_messages') and indexname not like '%pkey'`,
      )
    ).rows
    for (const i of indexes) await c.query(`drop index ${i.indexname}`)
    log(`dropped ${indexes.length} secondary indexes`)

    await step(
      `${organizations} organizations, contacts`,
      `with o as (
         insert into organizations (id, name, default_locale, time_zone, created_at, updated_at)
         select gen_random_uuid(), 'Seed org ' || g, 'en', 'Europe/Sofia', now(), now() from generate_series(1, $1) g
         returning id)
       insert into contacts (id, organization_id, name, authorized, created_at, updated_at)
       select gen_random_uuid(), id, 'Seed contact', true, now(), now() from o`,
      [organizations],
    )
    await step(
      `${N_TEAMS} teams`,
      `insert into teams (id, name, created_at, updated_at) select gen_random_uuid(), 'Seed team ' || g, now(), now() from generate_series(1, ${N_TEAMS}) g`,
    )
    await c.query(`create temporary table seed_orgs as
      select row_number() over (order by o.id) - 1 as n, o.id, (select id from contacts where organization_id = o.id limit 1) as contact_id
      from organizations o where o.name like 'Seed org %'`)
    await c.query(`create temporary table seed_teams as select row_number() over (order by id) - 1 as n, id from teams where name like 'Seed team %'`)
    await c.query(`create temporary table seed_states as select row_number() over (order by position, key) - 1 as n, id, category from ticket_states`)
    await c.query(`create index on seed_orgs (n)`)
    const words = `array[${WORDS.map((w) => `'${w}'`).join(',')}]`
    const W = WORDS.length
    // A deterministic pseudo-random word for ticket g, slot k.
    const word = (k: number) => `(${words})[1 + ((g::bigint * ${2654435761 + k * 40503} + ${k * 97}) % ${W})::int]`
    const subject = `${word(1)} || ' ' || ${word(2)} || ' ' || ${word(3)}`
    const message = (m: number) => `${word(10 * m)} || ' ' || ${word(10 * m + 1)} || ' ' || ${word(10 * m + 2)} || ' ' || ${word(10 * m + 3)} || ' ' || ${word(10 * m + 4)}`
    await step(
      `${tickets} tickets`,
      `insert into tickets (id, subject, description, channel, requester_id, organization_id, contract_id, queue_id, priority, state_id, state_category,
         team_id, tags, billable, gate_override_reason, created_by, last_customer_message_at, search, next_due_at, created_at, updated_at)
       select gen_random_uuid(), x.subject, jsonb_build_object('text', x.m1), 'email', o.contact_id, o.id, null, q.id,
         (array['low','normal','high','urgent'])[1 + (g % 4)], s.id, s.category, t.id, '{}', true, 'seeded', 'system:seed', x.created,
         to_tsvector('simple', x.subject || E'\\n' || x.m1 || E'\\n' || x.m2 || E'\\n' || x.m3),
         case when s.category in ('new', 'open') and g % 7 <> 0 then x.created + make_interval(hours => 1 + (g % 200)) end,
         x.created, x.created + make_interval(mins => (g % 5000))
       from generate_series(1, $1) g
       cross join lateral (select ${subject} as subject, ${message(1)} as m1, ${message(2)} as m2, ${message(3)} as m3,
         now() - make_interval(mins => ((g::bigint * 7919) % 525600)::int) as created) x
       join seed_orgs o on o.n = g % $2
       join seed_teams t on t.n = g % ${N_TEAMS}
       join seed_states s on s.n = (g / 3) % (select count(*) from seed_states)
       cross join (select id from queues order by created_at limit 1) q`,
      [tickets, organizations],
    )
    await step(
      `${tickets * 3} messages`,
      `insert into ticket_messages (id, ticket_id, visibility, author_kind, author_contact_id, created_by, channel, body_text, created_at)
       select gen_random_uuid(), t.id, 'public', 'contact', t.requester_id, 'system:seed', 'email',
         'message ' || m || ' of ' || t.subject, t.created_at + make_interval(mins => m)
       from tickets t cross join generate_series(1, 3) m where t.created_by = 'system:seed'`,
    )
    await c.query(`set session_replication_role = origin`)
    for (const i of indexes) await step(`index ${i.indexname}`, i.indexdef)
    await step('analyze', `analyze tickets; analyze ticket_messages; analyze organizations; analyze contacts`)
  } finally {
    await c.end()
  }
  const seconds = (performance.now() - t0) / 1000
  log(`seeded in ${seconds.toFixed(0)} s`)
  return { tickets, organizations, seconds }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [url, n, orgs] = process.argv.slice(2)
  if (!url) throw new Error('usage: npx tsx bench/_seed-tickets.ts <database url> [tickets] [organizations]')
  await seedTickets(url, Number(n ?? 1_000_000), Number(orgs ?? 10_000))
}
