import { and, eq, isNull, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { agents, apiKeys, loginAttempts, refreshTokens, settings } from '../../db/schema/index.ts'

export const findAgentByEmail = async (db: Db, email: string) =>
  (await db.select().from(agents).where(eq(sql`lower(${agents.email})`, email.toLowerCase())).limit(1))[0]

export const findAgentAuth = async (db: Db, id: string) =>
  (
    await db
      .select({ id: agents.id, role: agents.role, name: agents.name, active: agents.active, tokenVersion: agents.tokenVersion })
      .from(agents)
      .where(eq(agents.id, id))
      .limit(1)
  )[0]

export const insertRefreshToken = (db: Db, row: typeof refreshTokens.$inferInsert) => db.insert(refreshTokens).values(row)

export const findRefreshToken = async (db: Db, id: string) =>
  (await db.select().from(refreshTokens).where(eq(refreshTokens.id, id)).for('update').limit(1))[0]

/** Marks a token used only if nobody used it first: the loser of a race sees a reuse. */
export const markRefreshUsed = async (db: Db, id: string, at: Date) =>
  (
    await db
      .update(refreshTokens)
      .set({ usedAt: at })
      .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)))
      .returning({ id: refreshTokens.id })
  ).length === 1

export const revokeFamily = (db: Db, familyId: string, at: Date) =>
  db
    .update(refreshTokens)
    .set({ revokedAt: at })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))

export const revokeAgentTokens = (db: Db, agentId: string, at: Date) =>
  db
    .update(refreshTokens)
    .set({ revokedAt: at })
    .where(and(eq(refreshTokens.agentId, agentId), isNull(refreshTokens.revokedAt)))

/**
 * Counts an attempt in a fixed window shared by every instance and returns the count so far
 * (including this one). A window older than `windowSeconds` restarts at 1.
 */
export async function countAttempt(db: Db, key: string, now: Date, windowSeconds: number): Promise<{ count: number; windowStart: Date }> {
  const rows = await db.execute<{ count: number; window_start: string }>(sql`
    insert into ${loginAttempts} (key, window_start, count) values (${key}, ${now.toISOString()}::timestamptz, 1)
    on conflict (key) do update set
      count = case when ${loginAttempts.windowStart} <= ${now.toISOString()}::timestamptz - make_interval(secs => ${windowSeconds})
                   then 1 else ${loginAttempts.count} + 1 end,
      window_start = case when ${loginAttempts.windowStart} <= ${now.toISOString()}::timestamptz - make_interval(secs => ${windowSeconds})
                   then excluded.window_start else ${loginAttempts.windowStart} end
    returning count::int as count, window_start::text as window_start`)
  const r = rows.rows[0]!
  return { count: Number(r.count), windowStart: new Date(r.window_start) }
}

export const clearAttempts = (db: Db, key: string) => db.delete(loginAttempts).where(eq(loginAttempts.key, key))

export const findApiKeyByPrefix = async (db: Db, prefix: string) =>
  (await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)).limit(1))[0]

/** last_used_at is written at most once a minute per key, so authentication stays read-mostly. */
export const touchApiKey = (db: Db, id: string, now: Date) =>
  db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.id, id),
        sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < ${now.toISOString()}::timestamptz - interval '60 seconds')`,
      ),
    )

export const getSetting = async (db: Db, key: string) =>
  (await db.select().from(settings).where(eq(settings.key, key)).limit(1))[0]?.value

export const putSetting = (db: Db, key: string, value: unknown) =>
  db
    .insert(settings)
    .values({ key, value })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: sql`now()` } })

export const deleteSetting = (db: Db, key: string) => db.delete(settings).where(eq(settings.key, key))

export const countAgents = async (db: Db) =>
  Number((await db.select({ n: sql<number>`count(*)::int` }).from(agents))[0]?.n ?? 0)

export const getSettingForUpdate = async (db: Db, key: string) =>
  (await db.select().from(settings).where(eq(settings.key, key)).for('update').limit(1))[0]?.value
