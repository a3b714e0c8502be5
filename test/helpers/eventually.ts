import { type ChangeFeed, changeFeed } from '../../src/db/change-feed.ts'
import type { Db } from '../../src/db/client.ts'

/**
 * Calls `probe` until `done` holds of its result or `timeoutMs` has passed, and returns the last
 * result: notifications from another connection (db/change-feed.ts) arrive asynchronously.
 */
export async function eventually<T>(probe: () => T | Promise<T>, done: (v: T) => boolean, timeoutMs = 2_000, everyMs = 10): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (done(v) || Date.now() >= until) return v
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** Whether the database's feed for `channel` is listening, waiting up to 2 s for it. */
export async function feedLive(db: Db, channel: string): Promise<boolean> {
  return (await eventually(() => changeFeed(db, channel), (f?: ChangeFeed) => f?.live === true))?.live === true
}
