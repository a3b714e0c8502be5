import { createHash } from 'node:crypto'
import { Column, getTableName, is, Param, Placeholder, SQL, sql } from 'drizzle-orm'
import { databaseOf, type Db } from './client.ts'

/**
 * Hot queries built once per shape and run without drizzle's per-call machinery.
 *
 * Drizzle spends most of a ticket create's CPU turning the query builders into SQL text (about
 * a millisecond for the create's one statement: ~200 column values across five tables), and a
 * good share of the rest executing its prepared query (placeholder lookup by name with `is()`
 * checks per parameter, tracing spans, row mapping through generic paths). A Binder swaps every
 * value for a numbered placeholder and records the shape (which columns, how many rows), so equal
 * shapes give identical SQL. `preparedQuery` has drizzle build the query once per shape and keeps
 * what executing it needs: the SQL text, one encoder per parameter, one decoder per result
 * column. Those belong to the database, not to a session, so a transaction handle (mail intake,
 * recurring tickets) uses the same compiled statement as the pool.
 *
 * Columns with a default function (`$defaultFn`: the UUIDv7 ids) must be given in the rows:
 * drizzle runs that function while building, so a compiled statement would repeat its value.
 */
export class Binder {
  readonly list: unknown[] = []
  #shape: string[] = []

  /** A placeholder for one value, for use inside sql`` fragments. */
  value(v: unknown): Placeholder {
    const i = this.list.push(v) - 1
    return placeholderAt(i)
  }

  /** The row with each value replaced by a placeholder; undefined (the column default) and null stay. */
  row<T extends object>(row: T): T {
    const out: Record<string, unknown> = {}
    let keys = ''
    for (const k in row) {
      const v = row[k]
      if (v === undefined) continue
      // A null is part of the shape, so it is written into the statement as the literal NULL: a
      // parameter would cost its encoding here and its binding on the server on every call (a
      // ticket create has about thirty), and the column encoders do not take null anyway.
      if (v === null) {
        keys += `${k}=null,`
        out[k] = NULL
        continue
      }
      keys += `${k},`
      out[k] = this.value(v)
    }
    this.#shape.push(keys)
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

const NULL = sql`null`

// Placeholders are immutable: one object per index, shared by every Binder.
const placeholders: Placeholder[] = []
function placeholderAt(i: number): Placeholder {
  for (let n = placeholders.length; n <= i; n++) placeholders.push(new Placeholder(`p${n}`))
  return placeholders[i]!
}

interface Preparable<T> {
  prepare(name: string): { execute(values?: Record<string, unknown>): Promise<T> }
}

/** What drizzle's prepared query holds (drizzle-orm 0.45, node-postgres and PGlite drivers alike). */
interface DrizzlePrepared {
  queryString: string
  params: unknown[]
  fields?: Array<{ path: string[]; field: unknown }>
  joinsNotNullableMap?: Record<string, boolean>
  customResultMapper?: unknown
  queryConfig: Record<string, unknown>
  rawQueryConfig: Record<string, unknown>
}

interface QueryClient {
  query(config: unknown, values?: unknown, options?: unknown): Promise<{ rows: unknown[] }>
}

interface Compiled {
  encode(values: unknown[]): unknown[]
  run(client: QueryClient, params: unknown[]): Promise<unknown>
}

interface Decoder {
  mapFromDriverValue(v: unknown): unknown
}

/** The decoder drizzle would use for a selected field (utils.js mapResultRow). */
function decoderOf(field: unknown): Decoder {
  if (is(field, Column)) return field
  if (is(field, SQL)) return (field as unknown as { decoder: Decoder }).decoder
  const f = field as { _?: { sql: { decoder: Decoder } }; sql?: { decoder: Decoder } }
  return f._?.sql.decoder ?? f.sql!.decoder
}

/**
 * Rows (arrays, in the order of `fields`) into the objects drizzle returns: nested by path, each
 * value through its column's decoder, and a left-joined table's object null when its first
 * column is null (drizzle's rule for joins that may not match).
 */
function rowMapper(fields: NonNullable<DrizzlePrepared['fields']>, notNullable: Record<string, boolean> | undefined) {
  const cols = fields.map(({ path, field }) => ({
    path,
    decoder: decoderOf(field),
    table: notNullable && path.length === 2 && is(field, Column) ? getTableName(field.table) : undefined,
  }))
  const nullable = new Map<string, string>()
  for (const c of cols) {
    if (!c.table) continue
    const first = nullable.get(c.path[0]!)
    if (first === undefined) nullable.set(c.path[0]!, c.table)
    else if (first !== c.table) nullable.set(c.path[0]!, '')
  }
  const nullables = [...nullable].filter(([, table]) => table && !notNullable![table])
  const firstIndex = new Map(nullables.map(([object]) => [object, cols.findIndex((c) => c.path[0] === object)]))
  return (row: unknown[]) => {
    const out: Record<string, unknown> = {}
    for (let i = 0; i < cols.length; i++) {
      const { path, decoder } = cols[i]!
      let node = out
      for (let j = 0; j < path.length - 1; j++) {
        node[path[j]!] ??= {}
        node = node[path[j]!] as Record<string, unknown>
      }
      const raw = row[i]
      node[path[path.length - 1]!] = raw === null ? null : decoder.mapFromDriverValue(raw)
    }
    for (const [object, index] of firstIndex) if (row[index] === null) out[object] = null
    return out
  }
}

// pg asks for a parser per result column on every execution; drizzle's lookup runs a chain of
// comparisons each time, so the answer is remembered per type.
function memoTypes(types: { getTypeParser(oid: number, format: string): unknown }) {
  const known = new Map<string, unknown>()
  return {
    getTypeParser(oid: number, format: string) {
      const key = `${oid}:${format}`
      let p = known.get(key)
      if (!p) {
        p = types.getTypeParser(oid, format)
        known.set(key, p)
      }
      return p
    },
  }
}

function compile(q: DrizzlePrepared, name: string): Compiled {
  // Relational queries (db.query.…) map their rows themselves; the app does not use them (db/client.ts).
  if (q.customResultMapper) throw new Error('preparedQuery takes query-builder and sql queries, not relational queries')
  const encoders = q.params.map((p): ((values: unknown[]) => unknown) => {
    if (is(p, Placeholder)) {
      const i = Number(p.name.slice(1))
      return (values) => values[i]
    }
    if (is(p, Param) && is(p.value, Placeholder)) {
      const i = Number(p.value.name.slice(1))
      const encoder = p.encoder as { mapToDriverValue(v: unknown): unknown }
      return (values) => encoder.mapToDriverValue(values[i])
    }
    return () => p
  })
  const encode = (values: unknown[]) => encoders.map((e) => e(values))
  const isPg = 'types' in q.queryConfig
  const fields = q.fields
  const config = fields ? q.queryConfig : q.rawQueryConfig
  const mapRow = fields ? rowMapper(fields, q.joinsNotNullableMap) : undefined
  if (isPg) {
    const pgConfig = { ...config, name, types: memoTypes(config.types as Parameters<typeof memoTypes>[0]) }
    return {
      encode,
      run: async (client, params) => {
        const result = await client.query(pgConfig, params)
        return mapRow ? (result.rows as unknown[][]).map(mapRow) : result
      },
    }
  }
  return {
    encode,
    run: async (client, params) => {
      const result = await client.query(q.queryString, params, config)
      return mapRow ? (result.rows as unknown[][]).map(mapRow) : result
    },
  }
}

// Lists compile a statement per combination of filters, sort and limit: bounded per database,
// oldest first out (a statement still in use is compiled again on its next call).
const MAX_SHAPES = 1024
// Per database (databaseOf: a database handle and its transactions share it).
const cache = new WeakMap<object, Map<string, Compiled>>()

/** The driver client behind a drizzle handle: the pool or PGlite, or a transaction's own connection. */
const clientOf = (handle: Db) => (handle as unknown as { session: { client: QueryClient } }).session.client

/**
 * Runs `build(handle)` with the binder's values, from a statement compiled once per (database,
 * `site`, shape). `handle` is the application's database or a transaction on it. `site` names the
 * code that builds it: the shape alone does not say which statement the columns belong to.
 */
export function preparedQuery<T>(handle: Db, site: string, b: Binder, build: (h: Db) => Preparable<T>): Promise<T> {
  const key = `${site}|${b.shape}`
  const database = databaseOf(handle)
  let shapes = cache.get(database)
  if (!shapes) {
    shapes = new Map()
    cache.set(database, shapes)
  }
  let compiled = shapes.get(key)
  if (!compiled) {
    if (shapes.size >= MAX_SHAPES) shapes.delete(shapes.keys().next().value!)
    const name = `w_${createHash('sha1').update(key).digest('base64url')}`
    compiled = compile(build(handle).prepare(name) as unknown as DrizzlePrepared, name)
    shapes.set(key, compiled)
  }
  return compiled.run(clientOf(handle), compiled.encode(b.list)) as Promise<T>
}

/**
 * `preparedQuery` for a statement written as SQL (drizzle's `sql` template) rather than with the
 * query builder: its rows come back as the driver gives them, objects keyed by column name.
 */
export function preparedSql<R>(handle: Db, site: string, b: Binder, build: () => SQL): Promise<{ rows: R[] }> {
  return preparedQuery(handle, site, b, (h) => {
    const { session, dialect } = h as unknown as {
      session: { prepareQuery(q: unknown, fields: undefined, name: string, arrayMode: boolean): { execute(v?: Record<string, unknown>): Promise<{ rows: R[] }> } }
      dialect: { sqlToQuery(s: SQL): unknown }
    }
    return { prepare: (name: string) => session.prepareQuery(dialect.sqlToQuery(build()), undefined, name, false) }
  })
}
