/**
 * A short-lived, bounded, per-process cache of what authentication reads on every request
 * (an agent's active flag, role and token version; an API key's row). Without it every
 * request pays a database round trip before any work (STACK.md 25 measures what that costs).
 *
 * Changes made through this instance (disable an agent, change a password or role, revoke a
 * key) invalidate the entry at once; another instance sees them within `TTL_MS`. That bound
 * is the documented price of not querying per request.
 */
export const TTL_MS = 5_000
const MAX_ENTRIES = 10_000

export class TtlCache<V> {
  private readonly map = new Map<string, { at: number; value: V }>()
  constructor(private readonly ttlMs = TTL_MS) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.map.get(key)
    const now = performance.now()
    if (hit && now - hit.at < this.ttlMs) return hit.value
    const value = await load()
    if (this.map.size >= MAX_ENTRIES) this.map.delete(this.map.keys().next().value as string)
    this.map.set(key, { at: now, value })
    return value
  }

  delete(key: string): void {
    this.map.delete(key)
  }
}
