import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator'
import type { PgliteDatabase } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import type { Database } from './client.ts'

export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url))

/** An arbitrary constant: the advisory lock every instance takes to migrate one at a time. */
const MIGRATION_LOCK_KEY = 7_311_004_201

/**
 * Applies pending migrations. Several instances may start at once against one PostgreSQL:
 * each waits for a session advisory lock held on one dedicated connection, so exactly one
 * applies them and the others then find nothing to do.
 */
export async function runMigrations(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.db as unknown as PgliteDatabase, { migrationsFolder })
    return
  }
  const client = await database.pool!.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    try {
      await migratePg(drizzlePg({ client }), { migrationsFolder })
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
    }
  } finally {
    client.release()
  }
}

export function expectedMigrationCount(): number {
  const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] }
  return journal.entries.length
}

/** True when every migration in the folder has been applied (used by /ready). */
export async function migrationsApplied(database: Pick<Database, "db">): Promise<boolean> {
  const rows = await database.db.execute<{ n: number }>(
    sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
  )
  return Number(rows.rows[0]?.n ?? 0) >= expectedMigrationCount()
}
