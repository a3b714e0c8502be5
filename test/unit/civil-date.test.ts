// test-scope: no-database
import fc from 'fast-check'
import t from 'tap'
import { dateIn } from '../../src/lib/civil-date.ts'

const ZONES = ['UTC', 'Europe/Sofia', 'Europe/Bucharest', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/St_Johns', 'Pacific/Chatham', 'Pacific/Kiritimati', 'America/Los_Angeles']
const reference = (at: Date, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at)

t.test('dateIn agrees with a fresh Intl formatter, in any order of calls', async (t) => {
  const instant = fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2100, 0, 1) })
  fc.assert(
    fc.property(fc.array(fc.tuple(instant, fc.constantFrom(...ZONES)), { minLength: 1, maxLength: 30 }), (calls) => {
      for (const [ms, zone] of calls) if (dateIn(new Date(ms), zone) !== reference(new Date(ms), zone)) return false
      return true
    }),
    { numRuns: 300 },
  )
  t.pass()
})

t.test('each side of local midnight and of offset changes, asked one after the other', async (t) => {
  // Kathmandu (+05:45): midnight is 18:15 UTC; Lord Howe moves by half an hour; Sofia by an hour.
  const cases: Array<[string, number]> = [
    ['Asia/Kathmandu', Date.UTC(2026, 10, 22, 18, 15)],
    ['Australia/Lord_Howe', Date.UTC(2026, 9, 3, 15, 30)],
    ['Europe/Sofia', Date.UTC(2026, 2, 28, 22, 0)],
    ['America/St_Johns', Date.UTC(2026, 10, 23, 3, 30)],
    ['Pacific/Chatham', Date.UTC(2026, 10, 22, 10, 15)],
  ]
  for (const [zone, edge] of cases) {
    for (const ms of [edge - 60_000, edge - 1, edge, edge + 1, edge + 14 * 60_000, edge - 1]) {
      t.equal(dateIn(new Date(ms), zone), reference(new Date(ms), zone), `${zone} at ${new Date(ms).toISOString()}`)
    }
  }
})

t.test('instants before 1970 are answered (and not cached)', async (t) => {
  const old = new Date(Date.UTC(1890, 5, 1, 23, 50))
  t.equal(dateIn(old, 'Europe/Sofia'), reference(old, 'Europe/Sofia'))
  t.equal(dateIn(new Date(old.getTime() + 60_000), 'Europe/Sofia'), reference(new Date(old.getTime() + 60_000), 'Europe/Sofia'))
})
