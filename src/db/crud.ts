import { type AnyColumn, and, asc, desc, eq, gt, lt, type SQL, type SQLWrapper, sql } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { TypedQueryBuilder } from 'drizzle-orm/query-builders/query-builder'
import { AppError, sqlState } from '../lib/errors.ts'
import { decodeCursor, type Page, toPage } from '../lib/pagination.ts'
import type { Db } from './client.ts'

/**
 * The two query shapes every directory-like resource shares. Lists walk the primary key
 * (UUIDv7, so creation order; `newestFirst` for logs) with a keyset cursor; updates bump
 * `version` and, when the caller sent If-Match, only touch the row at that version.
 */
type Keyed = PgTable & { id: PgColumn }

/**
 * A page's LIMIT written into the statement's text instead of bound. Statements with parameters
 * are prepared by name (db/client.ts), and after five runs PostgreSQL may keep a generic plan,
 * which does not know a bound limit: it estimates a tenth of the matching rows and may sort them
 * all rather than walk the index in order. Page sizes are few (1-201), so the texts stay few.
 * Typed as a number for drizzle's `.limit()`, which writes an SQL value as it is.
 */
export const literalLimit = (n: number): number => {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`a LIMIT must be a non-negative integer, got ${n}`)
  return sql.raw(String(n)) as unknown as number
}
type Versioned = Keyed & { version: PgColumn; updatedAt: PgColumn }

export async function listById<T extends Keyed, R>(
  db: Db,
  table: T,
  list: string,
  filters: Array<SQL | undefined>,
  page: { limit: number; cursor?: string },
  map: (row: T['$inferSelect']) => R,
  order: { newestFirst?: boolean } = {},
): Promise<Page<R>> {
  const after = decodeCursor(list, page.cursor, 1)
  const conds = [...filters]
  if (after) {
    const id = after[0]
    if (typeof id !== 'string') throw new AppError('INVALID_CURSOR', 'the cursor is malformed')
    conds.push(order.newestFirst ? lt(table.id, id) : gt(table.id, id))
  }
  const rows = (await db
    .select()
    .from(table as PgTable)
    .where(and(...conds))
    .orderBy(order.newestFirst ? desc(table.id) : asc(table.id))
    .limit(literalLimit(page.limit + 1))) as T['$inferSelect'][]
  return toPage(list, rows, page.limit, (r) => [(r as { id: string }).id], map)
}

export async function getById<T extends Keyed>(db: Db, table: T, id: string, lock = false): Promise<T['$inferSelect'] | undefined> {
  const q = db
    .select()
    .from(table as PgTable)
    .where(eq(table.id, id))
    .limit(1)
  return ((await (lock ? q.for('update') : q)) as T['$inferSelect'][])[0]
}

/**
 * Applies a patch. Returns the new row, or throws NOT_FOUND / PRECONDITION_FAILED (stale If-Match).
 * `now` comes from the caller's clock.
 */
export async function updateVersioned<T extends Versioned>(
  db: Db,
  table: T,
  what: string,
  id: string,
  expectedVersion: number | undefined,
  patch: Partial<T['$inferInsert']>,
  now: Date,
): Promise<T['$inferSelect']> {
  const conds = [eq(table.id, id)]
  if (expectedVersion !== undefined) conds.push(eq(table.version, expectedVersion))
  const rows = (await db
    .update(table as PgTable)
    .set({ ...patch, version: sql`${table.version} + 1`, updatedAt: now } as Record<string, unknown>)
    .where(and(...conds))
    .returning()) as T['$inferSelect'][]
  if (rows[0]) return rows[0]
  return missingOrStale(db, table, what, id, expectedVersion)
}

/** Why a write by id (and version) touched no row: the row is gone (404) or at another version (412). */
async function missingOrStale<T extends Versioned>(db: Db, table: T, what: string, id: string, expectedVersion: number | undefined): Promise<never> {
  const exists = await getById(db, table, id)
  if (!exists) throw new AppError('NOT_FOUND', `${what} ${id} does not exist`)
  throw new AppError('PRECONDITION_FAILED', `${what} ${id} is at version ${(exists as { version: number }).version}, not ${expectedVersion}; fetch it again`)
}

/**
 * Hard delete by id, honouring If-Match like updates. A row still referenced by a foreign key
 * (SQLSTATE 23503) is refused with IN_USE; `inUseHint` tells the client what to do instead.
 */
export async function deleteVersioned<T extends Versioned>(
  db: Db,
  table: T,
  what: string,
  id: string,
  expectedVersion: number | undefined,
  inUseHint = '',
): Promise<void> {
  const conds = [eq(table.id, id)]
  if (expectedVersion !== undefined) conds.push(eq(table.version, expectedVersion))
  let deleted: unknown[]
  try {
    deleted = await db
      .delete(table as PgTable)
      .where(and(...conds))
      .returning({ id: table.id })
  } catch (e) {
    if (sqlState(e)?.code === '23503') throw new AppError('IN_USE', `${what} ${id} is still referenced by other resources${inUseHint}`)
    throw e
  }
  if (!deleted.length) await missingOrStale(db, table, what, id, expectedVersion)
}

/** Case-insensitive substring filter for `q` query parameters, escaping LIKE wildcards. */
export function ilikeAny(columns: AnyColumn[], q: string | undefined): SQL | undefined {
  if (!q) return undefined
  const pattern = likePattern(q)
  return sql`(${sql.join(
    columns.map((c) => sql`${c} ilike ${pattern}`),
    sql` or `,
  )})`
}

/** `%q%` with LIKE wildcards in `q` escaped, for substring filters built by hand. */
export const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
/**
 * Deletes matching rows and returns how many went, without shipping them back: both drivers
 * report affected rows differently (STACK.md trap 4), and purges may delete thousands.
 */
export async function deleteCounted(db: Db, table: PgTable, where: SQL | undefined): Promise<number> {
  const res = await db.execute<{ n: number }>(sql`with d as (delete from ${table} where ${where ?? sql`true`} returning 1) select count(*)::int as n from d`)
  return Number(res.rows[0]?.n ?? 0)
}

/**
 * Writes that must land with another statement, as its data-modifying CTEs: `w0 as (insert …)`.
 * One statement is atomic without a transaction and costs one round trip. Drizzle renders any
 * query builder there (it only calls getSQL()) but types `$with` for selects alone, hence the cast.
 */
export const writeCtes = (db: Db, writes: SQLWrapper[]) => writes.map((w, i) => db.$with(`w${i}`).as(w as unknown as TypedQueryBuilder<undefined>))
