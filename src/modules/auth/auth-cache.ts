/**
 * A short-lived, bounded, per-process cache for values that depend on nothing in the database:
 * access tokens whose signature checked out (src/plugins/auth.ts). Rows read from the database
 * are cached with db/change-feed.ts's FeedCache instead, which their tables' notifications keep exact.
 */
export const TTL_MS = 5_000
const MAX_ENTRIES = 10_000

export class TtlCache<V> {
  private readonly map = new Map<string, { at: number; value: V }>()
  constructor(private readonly ttlMs = TTL_MS) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.peek(key)
    if (hit !== undefined) return hit
    const value = await load()
    this.set(key, value)
    return value
  }

  /** The fresh value for `key`, if any (no loading: for synchronous callers). */
  peek(key: string): V | undefined {
    const hit = this.map.get(key)
    return hit && performance.now() - hit.at < this.ttlMs ? hit.value : undefined
  }

  set(key: string, value: V): void {
    if (this.map.size >= MAX_ENTRIES) this.map.delete(this.map.keys().next().value as string)
    this.map.set(key, { at: performance.now(), value })
  }

  delete(key: string): void {
    this.map.delete(key)
  }
}
