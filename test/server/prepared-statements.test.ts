import { sql } from 'drizzle-orm'
import t from 'tap'
import { PREPARED_PER_CONNECTION } from '../../src/db/client.ts'
import { openTestDatabase } from '../helpers/database.ts'

/**
 * The PostgreSQL pool runs parameterised statements as named prepared statements (planned once
 * per connection), keeps multi-statement texts on the simple protocol, and bounds how many
 * distinct texts a connection prepares.
 */
t.test('named prepared statements on PostgreSQL', { skip: process.env.TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL (PostgreSQL)' }, async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  // One connection, so every statement below meets the same session's prepared statements.
  const client = await database.pool!.connect()
  t.teardown(() => client.release())
  const prepared = async () => Number((await client.query('select count(*)::int as n from pg_prepared_statements')).rows[0].n)

  const before = await prepared()
  for (let i = 0; i < 3; i++) t.equal((await client.query({ text: 'select $1::int + 1 as n' }, [i])).rows[0].n, i + 1)
  t.equal(await prepared(), before + 1, 'one text, run three times, is prepared once')
  const { rows } = await client.query<{ name: string; statement: string }>('select name, statement from pg_prepared_statements')
  t.ok(rows.some((r) => r.name.startsWith('s_') && r.statement === 'select $1::int + 1 as n'), 'named by a hash of its text')

  await client.query('create temporary table pst (n int); insert into pst values (1); insert into pst values (2)')
  t.equal((await client.query('select count(*)::int as n from pst')).rows[0].n, 2, 'a parameterless multi-statement text still runs (simple protocol)')

  for (let i = 0; i < PREPARED_PER_CONNECTION + 20; i++) await client.query({ text: `select $1::int + ${i} as n` }, [1])
  t.equal(await prepared(), PREPARED_PER_CONNECTION, `a connection prepares at most ${PREPARED_PER_CONNECTION} distinct texts; the rest run unnamed`)
  t.equal((await client.query({ text: 'select $1::int * 7 as n' }, [6])).rows[0].n, 42, 'and an unnamed statement past the bound still answers')
  // A statement its caller names (db/prepared.ts) counts against the same bound.
  t.equal((await client.query({ name: 'w_past_the_bound', text: 'select $1::int + 100 as n' }, [1])).rows[0].n, 101, 'a caller-named statement past the bound answers')
  const named = await client.query<{ n: number }>("select count(*)::int as n from pg_prepared_statements where name = 'w_past_the_bound'")
  t.equal(named.rows[0]!.n, 0, 'and runs unnamed')
  t.equal(await prepared(), PREPARED_PER_CONNECTION)

  const viaDrizzle = await database.db.execute<{ n: number }>(sql`select ${5}::int * 2 as n`)
  t.equal(viaDrizzle.rows[0]!.n, 10, 'drizzle queries go through the same pool')
})
