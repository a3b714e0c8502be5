// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import fc from 'fast-check'
import t from 'tap'
import { isoFromPg } from '../../src/lib/pg-timestamp.ts'

t.test('isoFromPg writes what Date#toISOString() writes for the same PostgreSQL text', async (t) => {
  t.equal(isoFromPg(null), null)
  t.equal(isoFromPg('2026-01-19 08:00:00+00'), '2026-01-19T08:00:00.000Z', 'no fraction')
  t.equal(isoFromPg('2026-01-19 08:00:00.5+00'), '2026-01-19T08:00:00.500Z', 'trailing zeros dropped by PostgreSQL')
  t.equal(isoFromPg('2026-01-19 08:00:00.123999+00'), '2026-01-19T08:00:00.123Z', 'microseconds truncated, not rounded')
  t.equal(isoFromPg('2026-01-19 10:00:00.25+02'), '2026-01-19T08:00:00.250Z', 'another offset')
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 4_102_444_799_999 }), fc.integer({ min: 0, max: 999 }), (ms, us) => {
      // PostgreSQL's text form: ISO date style, UTC, the fraction without trailing zeros.
      const iso = new Date(ms).toISOString()
      const fraction = `${iso.slice(20, 23)}${String(us).padStart(3, '0')}`.replace(/0+$/, '')
      const text = `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00`
      return isoFromPg(text) === new Date(text).toISOString() && isoFromPg(text) === iso
    }),
  )
})
