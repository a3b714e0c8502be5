import { type AnyColumn, and, eq, gt, type SQL, sql } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import { AppError } from '../lib/errors.ts'
import { decodeCursor, type Page, toPage } from '../lib/pagination.ts'
import type { Db } from './client.ts'

/**
 * The two query shapes every directory-like resource shares. Lists walk the primary key
 * (UUIDv7, so creation order) with a keyset cursor; updates bump `version` and, when the
 * caller sent If-Match, only touch the row at that version.
 */
type WithId = PgTable & { id: PgColumn }
type Versioned = WithId & { version: PgColumn; updatedAt: PgColumn }

export async function listById<T extends WithId, R>(
  db: Db,
  table: T,
  list: string,
  filters: Array<SQL | undefined>,
  page: { limit: number; cursor?: string },
  map: (row: T['$inferSelect']) => R,
): Promise<Page<R>> {
  const after = decodeCursor(list, page.cursor, 1)
  const conds = [...filters]
  if (after) {
    const id = after[0]
    if (typeof id !== 'string') throw new AppError('INVALID_CURSOR', 'the cursor is malformed')
    conds.push(gt(table.id, id))
  }
  const rows = (await db
    .select()
    .from(table as PgTable)
    .where(and(...conds))
    .orderBy(table.id)
    .limit(page.limit + 1)) as T['$inferSelect'][]
  return toPage(list, rows, page.limit, (r) => [(r as { id: string }).id], map)
}

export async function getById<T extends WithId>(db: Db, table: T, id: string, lock = false): Promise<T['$inferSelect'] | undefined> {
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
  const exists = await getById(db, table, id)
  if (!exists) throw new AppError('NOT_FOUND', `${what} ${id} does not exist`)
  throw new AppError('PRECONDITION_FAILED', `${what} ${id} is at version ${(exists as { version: number }).version}, not ${expectedVersion}; fetch it again`)
}

/** Case-insensitive substring filter for `q` query parameters, escaping LIKE wildcards. */
export function ilikeAny(columns: AnyColumn[], q: string | undefined): SQL | undefined {
  if (!q) return undefined
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  return sql`(${sql.join(
    columns.map((c) => sql`${c} ilike ${pattern}`),
    sql` or `,
  )})`
}
