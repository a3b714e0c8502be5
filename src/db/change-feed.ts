import type { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { databaseOf, type Db } from './client.ts'

/**
 * Change feeds: PostgreSQL's LISTEN/NOTIFY turned into a counter that per-process caches compare.
 *
 * Triggers in the schema (migrations/0001_change_notify.sql) notify a channel after every
 * statement that writes one of its tables, whoever runs it: this instance, another instance on
 * the same database, a migration, an operator in psql. A feed listens on its own connection and
 * bumps `generation` for each notification and for each moment it cannot vouch for (not yet
 * listening, connection lost, reconnecting). A cache entry stamped with the generation seen before
 * its read is good while the generation is unchanged and the feed is `live`: a write committed
 * after the LISTEN took effect either is visible to that read or bumps the generation after it.
 *
 * Notifications are delivered after the writer commits, so another instance may act on the old
 * rows for the time a notification takes to arrive (well under a millisecond on an idle listener,
 * a few under load). That is the same window a read followed by a write always has under READ
 * COMMITTED; it is not a TTL.
 *
 * A database handle gets its feeds from the Database it was opened with (db/client.ts registers
 * them); a handle without one (a pool opened by hand) has none, and callers then read every time.
 */
/** Contacts, their addresses, organizations, contracts: what the intake gate decides from. */
export const DIRECTORY_CHANNEL = 'deskledger_directory'
/** SLA policies, business calendars, queues, ticket states and types: lib/config-cache.ts. */
export const CONFIG_CHANNEL = 'deskledger_config'

/** Agents and API keys: what authentication reads on every request (modules/auth/auth.service.ts). */
export const AUTH_CHANNEL = 'deskledger_auth'

/** Every channel a feed listens on: one connection per database serves them all. */
const CHANNELS = [DIRECTORY_CHANNEL, CONFIG_CHANNEL, AUTH_CHANNEL]

export interface ChangeFeed {
  /** Bumped by every notification on the channel and every loss or regain of the listening connection. */
  readonly generation: number
  /** True while every committed write is known to bump `generation`. */
  readonly live: boolean
}

/** Starts listening on `channels`; calls `onNotify` per notification and `onLost` once if the connection goes. Resolves to a stop function. */
export type Subscribe = (channels: string[], onNotify: (channel: string) => void, onLost: () => void) => Promise<() => Promise<void>>

const RETRY_MIN_MS = 500
const RETRY_MAX_MS = 30_000

/** The feeds of one database: one listening connection, a generation per channel. */
class FeedHost {
  live = false
  readonly #generations = new Map<string, number>(CHANNELS.map((c) => [c, 0]))
  #stop: (() => Promise<void>) | undefined
  #closed = false
  #retryMs = RETRY_MIN_MS
  #timer: NodeJS.Timeout | undefined
  #starting: Promise<void> | undefined

  constructor(private readonly subscribe: Subscribe) {}

  readonly #views = new Map<string, ChangeFeed>()

  feed(channel: string): ChangeFeed {
    this.#start()
    let view = this.#views.get(channel)
    if (!view) {
      if (!this.#generations.has(channel)) throw new Error(`no change feed for channel ${channel}`)
      const host = this
      view = {
        get generation() {
          return host.#generations.get(channel)!
        },
        get live() {
          return host.live
        },
      }
      this.#views.set(channel, view)
    }
    return view
  }

  bump(channel?: string): void {
    for (const [c, g] of this.#generations) if (channel === undefined || c === channel) this.#generations.set(c, g + 1)
  }

  #start(): void {
    if (this.#closed || this.#starting || this.live) return
    this.#starting = this.#connect().finally(() => {
      this.#starting = undefined
    })
  }

  async #connect(): Promise<void> {
    let lost = false
    const onLost = () => {
      if (lost) return
      lost = true
      this.bump()
      this.live = false
      this.#stop = undefined
      this.#retryLater()
    }
    try {
      const stop = await this.subscribe(CHANNELS, (channel) => this.bump(channel), onLost)
      if (this.#closed) {
        await stop().catch(() => {})
        return
      }
      if (lost) return
      this.#stop = stop
      this.bump()
      this.live = true
      this.#retryMs = RETRY_MIN_MS
    } catch {
      onLost()
    }
  }

  #retryLater(): void {
    if (this.#closed || this.#timer) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#start()
    }, this.#retryMs)
    this.#timer.unref()
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS)
  }

  async close(): Promise<void> {
    this.#closed = true
    this.live = false
    this.bump()
    if (this.#timer) clearTimeout(this.#timer)
    await this.#starting
    const stop = this.#stop
    this.#stop = undefined
    await stop?.().catch(() => {})
  }
}

const hosts = new WeakMap<object, FeedHost>()

/** Called by db/client.ts when a database is opened; the returned close belongs in its close(). */
export function registerChangeFeeds(db: Db, subscribe: Subscribe): () => Promise<void> {
  const host = new FeedHost(subscribe)
  hosts.set(databaseOf(db), host)
  return () => host.close()
}

/** The database's feed for `channel`, listening from the first call on; undefined when the handle has none. */
export function changeFeed(db: Db, channel: string): ChangeFeed | undefined {
  return hosts.get(databaseOf(db))?.feed(channel)
}

/**
 * A per-process, per-database cache of rows from tables that notify `channel`. While the
 * database's feed is live an entry holds until the channel's generation moves, however old it is;
 * while it is not, an entry holds for `fallbackTtlMs` (0: nothing is served from memory). At most
 * `max` entries per database, the oldest dropped first.
 */
export class FeedCache<V> {
  readonly #maps = new WeakMap<object, Map<string, { generation: number; at: number; value: V }>>()
  constructor(
    private readonly channel: string,
    private readonly opts: { max: number; fallbackTtlMs: number },
  ) {}

  /** The cached value for `key`, if it still holds. */
  peek(db: Db, key: string): V | undefined {
    const entry = this.#maps.get(databaseOf(db))?.get(key)
    if (!entry) return undefined
    const feed = changeFeed(db, this.channel)
    if (feed?.live) return entry.generation === feed.generation ? entry.value : undefined
    return performance.now() - entry.at < this.opts.fallbackTtlMs ? entry.value : undefined
  }

  /** The cached value, or `load`'s, kept unless the channel spoke while it loaded. */
  async get(db: Db, key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.peek(db, key)
    if (hit !== undefined) return hit
    const generation = this.stamp(db)
    const value = await load()
    this.store(db, key, value, generation)
    return value
  }

  /** The generation a read starting now belongs to: take it before reading, pass it to `store`. */
  stamp(db: Db): number {
    const feed = changeFeed(db, this.channel)
    return feed?.live ? feed.generation : -1
  }

  store(db: Db, key: string, value: V, generation: number): void {
    const feed = changeFeed(db, this.channel)
    if (feed?.live ? feed.generation !== generation : this.opts.fallbackTtlMs <= 0) return
    let map = this.#maps.get(databaseOf(db))
    if (!map) {
      map = new Map()
      this.#maps.set(databaseOf(db), map)
    }
    if (!map.has(key) && map.size >= this.opts.max) map.delete(map.keys().next().value!)
    map.set(key, { generation, at: performance.now(), value })
  }

  /**
   * After a write through this process: drops the entry, and moves the channel's generation so a
   * read already under way for any key of the channel is not kept either.
   */
  forget(db: Db, key: string): void {
    this.#maps.get(databaseOf(db))?.delete(key)
    hosts.get(databaseOf(db))?.bump(this.channel)
  }
}

/**
 * Runs a write and, once it has settled (committed or not), bumps the channel's generation in this
 * process: a request that follows the write on this instance must not wait for the notification
 * to see it. Other instances rely on the notification.
 */
export async function notifyingWrite<T>(db: Db, channel: string, write: Promise<T>): Promise<T> {
  try {
    return await write
  } finally {
    hosts.get(databaseOf(db))?.bump(channel)
  }
}

/** LISTEN on a dedicated connection, outside the pool: it must stay idle to receive notifications promptly. */
export function postgresSubscribe(url: string): Subscribe {
  return async (channels, onNotify, onLost) => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, keepAlive: true })
    let stopping = false
    client.on('notification', (m) => onNotify(m.channel))
    const lost = () => {
      if (!stopping) onLost()
    }
    client.on('error', lost)
    client.on('end', lost)
    try {
      await client.connect()
      await client.query(channels.map((c) => `listen ${c}`).join('; '))
    } catch (e) {
      stopping = true
      await client.end().catch(() => {})
      throw e
    }
    return async () => {
      stopping = true
      await client.end()
    }
  }
}

/** PGlite runs in this process and delivers its notifications with the writing statement's result. */
export function pgliteSubscribe(client: PGlite): Subscribe {
  return async (channels, onNotify) => {
    const stops = await Promise.all(channels.map((c) => client.listen(c, () => onNotify(c))))
    return async () => {
      for (const stop of stops) await stop()
    }
  }
}
