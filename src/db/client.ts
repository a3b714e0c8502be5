import { createHash, randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'
import { pgliteSubscribe, postgresSubscribe, registerChangeFeeds } from './change-feed.ts'

/** Row shape shared by both drivers so `execute<T>()` stays typed (STACK.md trap 6). */
type Rows<T> = { rows: T[] }
export interface RowsHKT extends PgQueryResultHKT {
  type: Rows<this['row']>
}
/**
 * No schema is given to drizzle: the relational API (`db.query.…`) is not used, and with a schema
 * every transaction and savepoint built a query builder per table (61), ~100 µs of CPU each time.
 */
export type Db = PgDatabase<RowsHKT>
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

/**
 * Every statement as a named prepared statement, named by a hash of its text, per connection:
 * PostgreSQL then parses and plans a statement once per connection instead of once per call.
 * Planning is most of the server's work for the hot writes (a ticket create's one statement with
 * its CTEs plans in milliseconds and executes in a fraction of that), as postgres.js and JDBC
 * drivers know. Identical text always gets the same name, so a name never meets another text.
 * Statements whose text varies without bound (multi-row inserts, IN lists) would pile up on a
 * long-lived connection, so a connection names at most PREPARED_PER_CONNECTION distinct texts
 * and runs the rest unnamed, as before.
 */
export const PREPARED_PER_CONNECTION = 500

/**
 * Which database a handle belongs to, for per-database caches (compiled statements,
 * configuration): drizzle's dialect object, which a database handle and every transaction or
 * savepoint on it share, and no other database has.
 */
export const databaseOf = (handle: Db): object => (handle as unknown as { dialect: object }).dialect
const statementNames = new Map<string, string>()
function statementName(text: string): string {
  let name = statementNames.get(text)
  if (!name) {
    name = `s_${createHash('sha1').update(text).digest('base64url')}`
    // The map is per process and shared by connections; bounded like the connections' own sets.
    if (statementNames.size >= PREPARED_PER_CONNECTION * 4) statementNames.clear()
    statementNames.set(text, name)
  }
  return name
}

class PreparingClient extends pg.Client {
  #prepared = new Set<string>()
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() is a set of overloads; this only adds a name to config objects.
  override query(config: any, values?: any, callback?: any): any {
    if (config && typeof config === 'object') {
      // Named by the caller (db/prepared.ts), or by its text when it has parameters: those go
      // through the extended protocol anyway, while a parameterless text may hold several
      // statements (migrations), which only the simple protocol runs.
      const hasParams = typeof config.text === 'string' && Array.isArray(values) && values.length > 0
      const name: string | undefined = config.name ?? (hasParams ? statementName(config.text) : undefined)
      if (name !== undefined) {
        // Past the budget a statement runs unnamed, whoever named it.
        const kept = this.#prepared.has(name) || this.#prepared.size < PREPARED_PER_CONNECTION
        if (kept) this.#prepared.add(name)
        const want = kept ? name : undefined
        if (want !== config.name) config = { ...config, name: want }
      }
    }
    return super.query(config, values, callback)
  }
}

export function openPostgres(url: string, max = 10): Database {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000, Client: PreparingClient })
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  const db = drizzlePg({ client: pool, casing: 'snake_case' }) as unknown as Db
  const closeFeeds = registerChangeFeeds(db, postgresSubscribe(url))
  return {
    db,
    kind: 'postgres',
    pool,
    close: async () => {
      await closeFeeds()
      await pool.end()
    },
  }
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
  const db = drizzlePglite({ client, casing: 'snake_case' }) as unknown as Db
  const closeFeeds = registerChangeFeeds(db, pgliteSubscribe(client))
  return {
    db,
    kind: 'pglite',
    pglite: client,
    close: async () => {
      await closeFeeds()
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
