import { and, eq, isNull, not, or, type SQL, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { getById, ilikeAny, listById } from '../../db/crud.ts'
import { apiKeys } from '../../db/schema/index.ts'
import type { ListApiKeysQuery } from './api-keys.schemas.ts'

export type ApiKeyRow = typeof apiKeys.$inferSelect

export const insertApiKey = async (db: Db, row: typeof apiKeys.$inferInsert) => (await db.insert(apiKeys).values(row).returning())[0]!

export const findApiKey = (db: Db, id: string) => getById(db, apiKeys, id)

/** The same rule as authentication: not revoked and not expired at `now`. */
const isActive = (now: Date): SQL =>
  and(isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), sql`${apiKeys.expiresAt} > ${now.toISOString()}::timestamptz`))!

export const listApiKeys = <R>(db: Db, q: ListApiKeysQuery & { limit: number }, now: Date, map: (r: ApiKeyRow) => R) =>
  listById(
    db,
    apiKeys,
    'apiKeys',
    [ilikeAny([apiKeys.name, apiKeys.prefix], q.q), q.active === undefined ? undefined : q.active ? isActive(now) : not(isActive(now))],
    q,
    map,
  )

/** Revokes once: a second revocation keeps the first instant. */
export const revokeApiKey = (db: Db, id: string, now: Date) =>
  db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
