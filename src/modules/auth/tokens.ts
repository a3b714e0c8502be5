import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && timingSafeEqual(x, y)
}

export const randomSecret = (bytes = 32) => randomBytes(bytes).toString('base64url')

/** API keys look like `dlk_<prefix>_<secret>`: the prefix finds the row, the hash of the whole key proves it. */
export const API_KEY_RE = /^dlk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/
export function newApiKey(): { key: string; prefix: string } {
  const prefix = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12)
  return { key: `dlk_${prefix}_${randomSecret(32)}`, prefix }
}

/** Refresh tokens are `<row id>.<secret>`; only the secret's hash is stored. */
export const REFRESH_RE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/
