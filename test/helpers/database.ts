import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { type Database, openPglite, openPostgres } from '../../src/db/client.ts'
import { migrationsFolder, runMigrations } from '../../src/db/migrate.ts'

/**
 * A fresh, migrated database per test file: on PGlite (default) loaded from a migrated
 * data-directory dump built once per migration set; on PostgreSQL (TEST_DATABASE_URL) a
 * new database copied from a migrated template database.
 */
function migrationsHash(): string {
  const h = createHash('sha256')
  for (const f of readdirSync(migrationsFolder).sort()) if (f.endsWith('.sql')) h.update(readFileSync(path.join(migrationsFolder, f)))
  return h.digest('hex').slice(0, 12)
}

async function pgliteTemplate(): Promise<Blob> {
  const dir = path.join(os.tmpdir(), 'deskledger-test')
  const file = path.join(dir, `pglite-${migrationsHash()}.tar`)
  if (!existsSync(file)) {
    const db = await openPglite(undefined)
    await runMigrations(db)
    const dump = await db.pglite!.dumpDataDir('none')
    await db.close()
    mkdirSync(dir, { recursive: true })
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()))
    renameSync(tmp, file)
  }
  return new Blob([readFileSync(file)])
}

const urlWithDb = (url: string, dbName: string) => {
  const u = new URL(url)
  u.pathname = `/${dbName}`
  return u.toString()
}

async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

async function postgresTemplate(url: string): Promise<string> {
  const name = `dl_tpl_${migrationsHash()}`
  const exists = await withAdmin(url, async (c) => (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount)
  if (exists) return name
  // Built under a temporary name and renamed when complete, so nobody copies a half-migrated template.
  const tmp = `${name}_${randomBytes(4).toString('hex')}`
  await withAdmin(url, (c) => c.query(`create database "${tmp}"`))
  const db = openPostgres(urlWithDb(url, tmp), 2)
  await runMigrations(db)
  await db.close()
  await withAdmin(url, async (c) => {
    try {
      await c.query(`alter database "${tmp}" rename to "${name}"`)
    } catch {
      await c.query(`drop database if exists "${tmp}"`)
    }
  })
  return name
}

export interface TestDatabase extends Database {
  url?: string
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL
  if (!url) return openPglite(undefined, { loadDataDir: await pgliteTemplate() })
  const template = await postgresTemplate(url)
  const name = `dl_t_${randomBytes(6).toString('hex')}`
  for (let attempt = 0; ; attempt++) {
    try {
      await withAdmin(url, (c) => c.query(`create database "${name}" template "${template}"`))
      break
    } catch (e) {
      // 55006: the template is briefly in use by a concurrent copy; try again.
      if ((e as { code?: string }).code !== '55006' || attempt > 50) throw e
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200))
    }
  }
  const dbUrl = urlWithDb(url, name)
  const db = openPostgres(dbUrl, 10)
  return {
    ...db,
    url: dbUrl,
    close: async () => {
      await db.close()
      await withAdmin(url, (c) => c.query(`drop database if exists "${name}" with (force)`))
    },
  }
}
