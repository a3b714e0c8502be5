import { createHash } from 'node:crypto'
import { type Placeholder, sql } from 'drizzle-orm'
import type { Db } from './client.ts'

/**
 * Hot queries built once per shape. Drizzle spends most of a ticket create's CPU turning the query
 * builders into SQL text (about a millisecond for the create's one statement: ~200 column values
 * across five tables). A Binder swaps every value for a numbered placeholder and records the
 * shape (which columns, how many rows), so equal shapes give identical SQL; `preparedQuery` keeps
 * drizzle's prepared query per shape for the application's database handle and only fills in
 * the values on later calls. A prepared query holds the client it was made on (the pool); on a
 * transaction handle (mail intake, recurring tickets) the kept query runs on a copy bound to the
 * transaction's client, so a transaction neither rebuilds the statement nor leaves its connection.
 *
 * Columns with a default function (`$defaultFn`: the UUIDv7 ids) must be given in the rows:
 * drizzle runs that function while building, so a prepared statement would repeat its value.
 */
export class Binder {
  readonly values: Record<string, unknown> = {}
  #shape: string[] = []
  #n = 0

  /** A placeholder for one value, for use inside sql`` fragments. */
  value(v: unknown): Placeholder {
    const name = `p${this.#n++}`
    this.values[name] = v
    return sql.placeholder(name)
  }

  /** The row with each value replaced by a placeholder; undefined (the column default) and null stay. */
  row<T extends object>(row: T): T {
    const out: Record<string, unknown> = {}
    const keys: string[] = []
    for (const [k, v] of Object.entries(row)) {
      if (v === undefined) continue
      // Drizzle maps a placeholder's value through the column's encoder, which does not take null;
      // a null is kept as a plain parameter instead, fixed in the prepared query, so it is part of the shape.
      if (v === null) {
        keys.push(`${k}=null`)
        out[k] = null
        continue
      }
      keys.push(k)
      out[k] = this.value(v)
    }
    this.#shape.push(keys.join(','))
    return out as T
  }

  rows<T extends object>(rows: readonly T[]): T[] {
    this.#shape.push(`${rows.length} rows`)
    return rows.map((r) => this.row(r))
  }

  get shape(): string {
    return this.#shape.join(';')
  }
}

interface Preparable<T> {
  prepare(name: string): { execute(values?: Record<string, unknown>): Promise<T> }
}
type Prepared<T> = ReturnType<Preparable<T>['prepare']>

const MAX_SHAPES = 256
const cache = new WeakMap<object, Map<string, Prepared<unknown>>>()

/**
 * The driver client a handle's queries run on: the pool (or PGlite) for the database, the
 * checked-out connection (or PGlite's transaction) for a transaction and its savepoints. Both
 * drizzle drivers keep it as `session.client`, and their prepared queries as `client`; undefined
 * when a driver does not, and the caller then builds the query on the handle as drizzle would.
 */
function clientOf(handle: Db): object | undefined {
  const client = (handle as unknown as { session?: { client?: unknown } }).session?.client
  return typeof client === 'object' && client !== null ? client : undefined
}

/** The kept query, running on `client` instead of the one it was prepared on. */
function boundTo<T>(q: Prepared<T>, client: object): Prepared<T> | undefined {
  if (!Object.hasOwn(q, 'client')) return undefined
  return Object.assign(Object.create(Object.getPrototypeOf(q)) as Prepared<T>, q, { client })
}

/**
 * Runs `build(handle)` with the binder's values, from a prepared query kept per (`cacheKey`,
 * `site`, shape). `handle` is `cacheKey` or a transaction on it: the query is kept for
 * `cacheKey` and run on `handle`'s client. `site` names the code that builds it: the shape alone
 * does not say which statement the columns belong to.
 */
export function preparedQuery<T>(cacheKey: Db, handle: Db, site: string, b: Binder, build: (h: Db) => Preparable<T>): Promise<T> {
  const key = `${site}|${b.shape}`
  const name = () => `w_${createHash('sha1').update(key).digest('base64url')}`
  let shapes = cache.get(cacheKey)
  if (!shapes) {
    shapes = new Map()
    cache.set(cacheKey, shapes)
  }
  let q = shapes.get(key) as Prepared<T> | undefined
  if (!q) {
    if (shapes.size >= MAX_SHAPES) shapes.clear()
    q = build(cacheKey).prepare(name())
    shapes.set(key, q)
  }
  if (handle === cacheKey) return q.execute(b.values)
  const client = clientOf(handle)
  const onHandle = client && boundTo(q, client)
  return (onHandle ?? build(handle).prepare(name())).execute(b.values)
}
