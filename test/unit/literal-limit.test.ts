// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import { asc, eq } from 'drizzle-orm'
import { QueryBuilder } from 'drizzle-orm/pg-core'
import t from 'tap'
import { literalLimit } from '../../src/db/crud.ts'
import { organizations } from '../../src/db/schema/index.ts'

t.test('a page limit is written into the statement, not bound', async (t) => {
  const q = new QueryBuilder().select().from(organizations).where(eq(organizations.name, 'Acme')).orderBy(asc(organizations.id)).limit(literalLimit(51)).toSQL()
  t.match(q.sql, / limit 51$/, 'the text ends with the literal limit')
  t.same(q.params, ['Acme'], 'only the filter is a parameter')
  // A bound limit is what a generic plan cannot see: the two forms differ in exactly that.
  const bound = new QueryBuilder().select().from(organizations).where(eq(organizations.name, 'Acme')).orderBy(asc(organizations.id)).limit(51).toSQL()
  t.same(bound.params, ['Acme', 51])
})

t.test('anything but a non-negative integer is refused, so nothing else reaches the text', async (t) => {
  for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) t.throws(() => literalLimit(bad), { message: /non-negative integer/ }, String(bad))
  t.doesNotThrow(() => literalLimit(0))
})
