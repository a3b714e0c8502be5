import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'
import * as schema from './schema/index.ts'

/** Row shape shared by both drivers so `execute<T>()` stays typed (STACK.md trap 6). */
type Rows<T> = { rows: T[] }
export interface RowsHKT extends PgQueryResultHKT {
  type: Rows<this['row']>
}
export type Schema = typeof schema
export type Db = PgDatabase<RowsHKT, Schema>
/** A transaction handle; repos accept `Db` and therefore either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

export interface Database {
  db: Db
  kind: 'postgres' | 'pglite'
  /** Underlying handles, for migrations, health checks and tests. */
  pool?: pg.Pool
  pglite?: PGlite
  close(): Promise<void>
}

// Return int8 and numeric as strings in both drivers; timestamps are parsed by drizzle's column mappers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v)

export function openPostgres(url: string, max = 10): Database {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 })
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  const db = drizzlePg({ client: pool, schema, casing: 'snake_case' }) as unknown as Db
  return { db, kind: 'postgres', pool, close: () => pool.end() }
}

export class DataDirInUseError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `the data directory ${dir} is in use by another deskledger process (pid ${pid}); ` +
        'the embedded database allows one process per directory. Stop that process, choose another DATA_DIR, ' +
        'or run on PostgreSQL with DATABASE_URL.',
    )
    this.name = 'DataDirInUseError'
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes the data directory for this process. PGlite gives a second process on the same
 * directory no error and loses writes (STACK.md trap 3), so we hold a pid lock file like
 * PostgreSQL's postmaster.pid; a stale one (its process gone) is taken over.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'deskledger.pid')
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600)
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => {
        try {
          if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file)
        } catch {}
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      const pid = Number(readFileSync(file, 'utf8').trim())
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) throw new DataDirInUseError(dir, pid)
      try {
        unlinkSync(file)
      } catch {}
    }
  }
  throw new Error(`could not take the lock file ${file}`)
}

export async function openPglite(dataDir: string | undefined, options: { loadDataDir?: Blob } = {}): Promise<Database> {
  let release = () => {}
  let client: PGlite
  if (dataDir) {
    release = lockDataDir(dataDir)
    try {
      client = await PGlite.create(path.join(dataDir, 'pgdata'), options)
    } catch (e) {
      release()
      throw e
    }
  } else {
    client = await PGlite.create(options)
  }
  const db = drizzlePglite({ client, schema, casing: 'snake_case' }) as unknown as Db
  return {
    db,
    kind: 'pglite',
    pglite: client,
    close: async () => {
      await client.close()
      release()
    },
  }
}

export async function openDatabase(cfg: { DATABASE_URL?: string; DATA_DIR: string; DATABASE_POOL_MAX?: number }): Promise<Database> {
  return cfg.DATABASE_URL ? openPostgres(cfg.DATABASE_URL, cfg.DATABASE_POOL_MAX) : openPglite(cfg.DATA_DIR)
}

/**
 * JWT secrets: the configured one, or (embedded mode only) one generated on first start
 * and kept in the data directory, so tokens survive restarts without an insecure default.
 */
export function resolveJwtSecrets(cfg: { DATABASE_URL?: string; DATA_DIR: string; JWT_SECRET?: string; JWT_SECRET_PREVIOUS?: string }): string[] {
  const previous = cfg.JWT_SECRET_PREVIOUS ? [cfg.JWT_SECRET_PREVIOUS] : []
  if (cfg.JWT_SECRET) return [cfg.JWT_SECRET, ...previous]
  if (cfg.DATABASE_URL) throw new Error('JWT_SECRET: required when DATABASE_URL is set (at least 32 characters)')
  mkdirSync(cfg.DATA_DIR, { recursive: true })
  const file = path.join(cfg.DATA_DIR, 'jwt-secret')
  if (!existsSync(file)) writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' })
  return [readFileSync(file, 'utf8').trim(), ...previous]
}
