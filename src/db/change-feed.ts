import type { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { databaseOf, type Db } from './client.ts'

/**
 * Change feeds: PostgreSQL's LISTEN/NOTIFY turned into a counter that per-process caches compare.
 *
 * Triggers in the schema (migrations/0001_directory_notify.sql) notify a channel after every
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
export const DIRECTORY_CHANNEL = 'deskledger_directory'

export interface ChangeFeed {
  /** Bumped by every notification and every loss or regain of the listening connection. */
  readonly generation: number
  /** True while every committed write is known to bump `generation`. */
  readonly live: boolean
}

/** Starts listening; calls `onNotify` per notification and `onLost` once if the connection goes. Resolves to a stop function. */
export type Subscribe = (channel: string, onNotify: () => void, onLost: () => void) => Promise<() => Promise<void>>

const RETRY_MIN_MS = 500
const RETRY_MAX_MS = 30_000

class Feed implements ChangeFeed {
  generation = 0
  live = false
  #stop: (() => Promise<void>) | undefined
  #closed = false
  #retryMs = RETRY_MIN_MS
  #timer: NodeJS.Timeout | undefined
  #starting: Promise<void> | undefined

  constructor(
    private readonly channel: string,
    private readonly subscribe: Subscribe,
  ) {}

  start(): void {
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
      this.generation++
      this.live = false
      this.#stop = undefined
      this.#retryLater()
    }
    try {
      const stop = await this.subscribe(this.channel, () => this.generation++, onLost)
      if (this.#closed) {
        await stop().catch(() => {})
        return
      }
      if (lost) return
      this.#stop = stop
      this.generation++
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
      this.start()
    }, this.#retryMs)
    this.#timer.unref()
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS)
  }

  async close(): Promise<void> {
    this.#closed = true
    this.live = false
    this.generation++
    if (this.#timer) clearTimeout(this.#timer)
    await this.#starting
    const stop = this.#stop
    this.#stop = undefined
    await stop?.().catch(() => {})
  }
}

class FeedHost {
  readonly #feeds = new Map<string, Feed>()
  constructor(readonly subscribe: Subscribe) {}
  feed(channel: string): Feed {
    let feed = this.#feeds.get(channel)
    if (!feed) {
      feed = new Feed(channel, this.subscribe)
      this.#feeds.set(channel, feed)
    }
    feed.start()
    return feed
  }
  bump(channel: string): void {
    const feed = this.#feeds.get(channel)
    if (feed) feed.generation++
  }
  async close(): Promise<void> {
    await Promise.all([...this.#feeds.values()].map((f) => f.close()))
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
  return async (channel, onNotify, onLost) => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, keepAlive: true })
    let stopping = false
    client.on('notification', (m) => {
      if (m.channel === channel) onNotify()
    })
    const lost = () => {
      if (!stopping) onLost()
    }
    client.on('error', lost)
    client.on('end', lost)
    try {
      await client.connect()
      await client.query(`listen ${channel}`)
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
  return async (channel, onNotify) => {
    const unlisten = await client.listen(channel, () => onNotify())
    return () => unlisten()
  }
}
