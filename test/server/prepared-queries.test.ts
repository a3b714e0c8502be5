import { eq, sql } from 'drizzle-orm'
import t from 'tap'
import { Binder, preparedQuery } from '../../src/db/prepared.ts'
import { settings } from '../../src/db/schema/index.ts'
import { openTestDatabase } from '../helpers/database.ts'

/**
 * A query compiled once for the database and run on a transaction handle runs inside
 * that transaction (its connection on PostgreSQL, its lock on PGlite): it sees the
 * transaction's uncommitted rows and its writes roll back with it.
 */
t.test('a kept prepared query runs inside the transaction it is given', async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  const { db } = database
  let builds = 0
  const write = (handle: typeof db, key: string, value: number) => {
    const b = new Binder()
    const row = b.row({ key, value: { n: value }, updatedAt: new Date('2026-01-19T10:00:00Z') })
    return preparedQuery(handle, 'test:write', b, (h) => {
      builds++
      return h.insert(settings).values(row).returning({ key: settings.key })
    })
  }
  const read = (handle: typeof db, key: string) => {
    const b = new Binder()
    const k = b.value(key)
    return preparedQuery(handle, 'test:read', b, (h) => {
      builds++
      return h.select({ value: settings.value }).from(settings).where(eq(settings.key, k))
    })
  }

  await write(db, 'outside', 1)
  t.same(await read(db, 'outside'), [{ value: { n: 1 } }], 'on the database handle')

  await t.rejects(
    db.transaction(async (tx) => {
      await write(tx, 'rolled-back', 2)
      t.same(await read(tx, 'rolled-back'), [{ value: { n: 2 } }], 'the transaction reads its own uncommitted row through the kept query')
      await tx.transaction(async (sp) => {
        t.same(await read(sp, 'rolled-back'), [{ value: { n: 2 } }], 'and so does a savepoint of it')
      })
      throw new Error('roll back')
    }),
    /roll back/,
  )
  t.same(await read(db, 'rolled-back'), [], 'the write made through the kept query rolled back with the transaction')

  await db.transaction(async (tx) => {
    await write(tx, 'committed', 3)
  })
  t.same(await read(db, 'committed'), [{ value: { n: 3 } }], 'and one in a committed transaction stays')
  t.equal(builds, 2, 'each query was built once, not once per transaction')

  const visible = await db.execute<{ n: number }>(sql`select count(*)::int as n from ${settings} where ${settings.key} in ('outside', 'committed')`)
  t.equal(visible.rows[0]!.n, 2)
})
