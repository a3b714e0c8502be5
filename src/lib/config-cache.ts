import { databaseOf, type Db } from '../db/client.ts'

/**
 * Per-process caches of configuration that every ticket write needs and that changes rarely:
 * SLA policies and business calendars, queues, ticket types and states.
 *
 * One generation counter covers all of it. Every configuration write through this process bumps
 * it once the write has settled (committed or not), so this instance's caches drop what they hold
 * at once; another instance's edits reach them when their short TTL runs out (documented in
 * docs/architecture.md). Configuration writes are rare, so invalidating everything on any of them
 * costs nothing worth a finer key.
 */
let generation = 0
export const configGeneration = () => generation
export const forgetConfig = (): void => {
  generation++
}

/** Runs a configuration write and bumps the generation once it has settled. */
export async function invalidatingConfig<T>(write: Promise<T>): Promise<T> {
  try {
    return await write
  } finally {
    forgetConfig()
  }
}

/**
 * A cached loader: `get(db)` answers from memory while the entry is younger than `ttlMs` and no
 * configuration write happened since, else loads through `db`. Entries are per database
 * (`databaseOf`), so a transaction on the application's database shares them and tests with
 * their own databases never do. A failed load is not kept.
 */
export function configCache<T>(ttlMs: number, load: (db: Db) => Promise<T>) {
  const entries = new WeakMap<object, { at: number; generation: number; value: Promise<T> }>()
  return (db: Db): Promise<T> => {
    const cacheKey = databaseOf(db)
    const hit = entries.get(cacheKey)
    const now = performance.now()
    if (hit && hit.generation === generation && now - hit.at < ttlMs) return hit.value
    const value = load(db)
    entries.set(cacheKey, { at: now, generation, value })
    value.catch(() => {
      if (entries.get(cacheKey)?.value === value) entries.delete(cacheKey)
    })
    return value
  }
}
