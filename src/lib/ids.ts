import { randomFillSync } from 'node:crypto'

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds then random bits. Time-ordered ids keep
 * b-tree inserts local and make `id` a stable keyset order for lists. Ids made by this process
 * are strictly increasing (RFC 9562 §6.2 method 1: a 12-bit counter in `rand_a`, seeded at
 * random below half its range each millisecond), so rows written in one millisecond — a
 * ticket's events, say — keep the order they were made in.
 */
// Random bytes are drawn from the kernel a pool at a time, as crypto.randomUUID does: a ticket
// create makes about ten ids, and one getrandom call per id was a measurable share of its CPU.
const POOL_IDS = 256
const pool = Buffer.alloc(16 * POOL_IDS)
let poolNext = POOL_IDS
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** A UUIDv7 source with its own monotonic state (the process has one: `newId`; tests make their own). */
export function uuidv7Source(): (now?: number) => string {
  let lastMs = -1
  let counter = 0
  return (now = Date.now()) => {
    if (poolNext === POOL_IDS) {
      randomFillSync(pool)
      poolNext = 0
    }
    const o = 16 * poolNext++
    let ms = now
    if (ms > lastMs) {
      lastMs = ms
      counter = pool.readUInt16BE(o + 6) & 0x7ff
    } else {
      ms = lastMs
      counter++
      if (counter > 0xfff) {
        lastMs = ++ms
        counter = pool.readUInt16BE(o + 6) & 0x7ff
      }
    }
    pool.writeUIntBE(ms, o, 6)
    pool.writeUInt16BE(0x7000 | counter, o + 6)
    pool[o + 8] = (pool[o + 8]! & 0x3f) | 0x80
    let s = ''
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += '-'
      s += HEX[pool[o + i]!]
    }
    return s
  }
}

export const newId: (now?: number) => string = uuidv7Source()

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
