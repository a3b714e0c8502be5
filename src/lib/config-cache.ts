import { CONFIG_CHANNEL, changeFeed } from '../db/change-feed.ts'
import { databaseOf, type Db } from '../db/client.ts'

/**
 * Per-process caches of configuration that every ticket write needs and that changes rarely:
 * SLA policies and business calendars, queues, ticket types and states.
 *
 * One generation counter covers all of it. Every configuration write through this process bumps
 * it once the write has settled (committed or not), so this instance's caches drop what they hold
 * at once. Writes anywhere else (another instance, psql) reach them through the database's
 * configuration change feed (db/change-feed.ts: triggers notify `deskledger_config`); while that
 * feed is not live, entries fall back to a short TTL. Configuration writes are rare, so
 * invalidating everything on any of them costs nothing worth a finer key.
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
 * A cached loader: `get(db)` answers from memory while no configuration write happened since the
 * entry was loaded — as told by this process's generation and the database's live change feed,
 * or, while the feed is not live, for `ttlMs` — else loads through `db`. Entries are per database
 * (`databaseOf`), so a transaction on the application's database shares them and tests with
 * their own databases never do. A failed load is not kept.
 */
export function configCache<T>(ttlMs: number, load: (db: Db) => Promise<T>) {
  const entries = new WeakMap<object, { at: number; generation: number; feed: number | undefined; value: Promise<T> }>()
  return (db: Db): Promise<T> => {
    const cacheKey = databaseOf(db)
    const hit = entries.get(cacheKey)
    const now = performance.now()
    const feed = changeFeed(db, CONFIG_CHANNEL)
    const feedGeneration = feed?.live ? feed.generation : undefined
    if (hit && hit.generation === generation && (feedGeneration !== undefined ? hit.feed === feedGeneration : now - hit.at < ttlMs)) return hit.value
    const value = load(db)
    // Stamped with the feed's generation from before the load: a change notified meanwhile invalidates it.
    entries.set(cacheKey, { at: now, generation, feed: feedGeneration, value })
    value.catch(() => {
      if (entries.get(cacheKey)?.value === value) entries.delete(cacheKey)
    })
    return value
  }
}
