// test-scope: no-database
import t from 'tap'
import { newId as processNewId, UUID_RE, uuidv7Source } from '../../src/lib/ids.ts'

const msOf = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)

// Its own source: the process's one is shared with whatever ran before in this process.
const newId = uuidv7Source()

t.test('the process source makes valid, increasing ids', async (t) => {
  const a = processNewId()
  const b = processNewId()
  t.match(a, UUID_RE)
  t.ok(b > a)
})

t.test('UUIDv7 layout: version 7, RFC 9562 variant, the given millisecond', async (t) => {
  const at = Date.UTC(2026, 10, 22, 12, 0, 0, 123)
  const id = newId(at + 10_000_000)
  t.match(id, UUID_RE)
  t.equal(id[14], '7', 'version nibble')
  t.ok('89ab'.includes(id[19]!), 'variant bits 10')
  t.equal(msOf(id), at + 10_000_000)
})

t.test('strictly increasing within one millisecond, across many pool refills', async (t) => {
  const at = Date.UTC(2027, 0, 1)
  const ids = Array.from({ length: 5000 }, () => newId(at))
  let sorted = true
  for (let i = 1; i < ids.length; i++) if (!(ids[i]! > ids[i - 1]!)) sorted = false
  t.ok(sorted, 'each id sorts after the one before')
  t.equal(new Set(ids).size, ids.length, 'no repeats')
  // 5000 ids in one millisecond overflow the 12-bit counter (4096 values at most): the clock field moves on.
  t.ok(msOf(ids.at(-1)!) > at, 'counter overflow borrows the next millisecond')
})

t.test('a clock that goes backwards never yields a smaller id', async (t) => {
  const a = newId(Date.UTC(2028, 0, 1))
  const b = newId(Date.UTC(2020, 0, 1))
  t.ok(b > a)
})

t.test('random bits differ between ids of different milliseconds', async (t) => {
  const tails = new Set(Array.from({ length: 500 }, (_, i) => newId(Date.UTC(2029, 0, 1) + i).slice(19)))
  t.equal(tails.size, 500)
})
