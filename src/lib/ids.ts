import { randomBytes } from 'node:crypto'

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds then random bits. Time-ordered ids keep
 * b-tree inserts local and make `id` a stable keyset order for lists. Ids made by this process
 * are strictly increasing (RFC 9562 §6.2 method 1: a 12-bit counter in `rand_a`, seeded at
 * random below half its range each millisecond), so rows written in one millisecond — a
 * ticket's events, say — keep the order they were made in.
 */
let lastMs = -1
let counter = 0
export function newId(now = Date.now()): string {
  const b = randomBytes(16)
  let ms = now
  if (ms > lastMs) {
    lastMs = ms
    counter = b.readUInt16BE(6) & 0x7ff
  } else {
    ms = lastMs
    counter++
    if (counter > 0xfff) {
      lastMs = ++ms
      counter = b.readUInt16BE(6) & 0x7ff
    }
  }
  b.writeUIntBE(ms, 0, 6)
  b.writeUInt16BE(0x7000 | counter, 6)
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
