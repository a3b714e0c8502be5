// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import t from 'tap'
import { addMonths, dateIn } from '../../src/lib/civil-date.ts'
import { applyDiscount, divRoundHalfUp, isCurrency } from '../../src/lib/money.ts'
import { checkTermination, dueFor, minimumTermEnd, type RecurringService, unservedRemainder } from '../../src/lib/recurring.ts'
import { slotMonth } from '../../src/lib/slots.ts'

const svc = (o: Partial<RecurringService> = {}): RecurringService => ({
  monthlyAmountMinor: 3100,
  prepaymentPeriod: 'monthly',
  startsOn: '2026-01-01',
  endsOn: null,
  ...o,
})

t.test('money', async (t) => {
  t.equal(divRoundHalfUp(5n, 2n), 3)
  t.equal(divRoundHalfUp(4n, 3n), 1)
  t.equal(divRoundHalfUp(-5n, 2n), -3)
  t.equal(applyDiscount(10_000, 15), 8500)
  t.equal(applyDiscount(999, 50), 500, '499.5 rounds half up')
  t.equal(applyDiscount(1234, 0), 1234)
  t.equal(applyDiscount(1234, 100), 0)
  t.ok(isCurrency('EUR'))
  t.ok(isCurrency('BGN'))
  t.notOk(isCurrency('XYZ'))
  t.notOk(isCurrency('eur'))
})

t.test('civil dates', async (t) => {
  t.equal(addMonths('2026-01-31', 1), '2026-02-28')
  t.equal(addMonths('2028-01-31', 1), '2028-02-29')
  t.equal(addMonths('2026-11-15', 3), '2027-02-15')
  t.equal(dateIn(new Date('2026-03-31T22:30:00Z'), 'Europe/Sofia'), '2026-04-01')
  t.equal(dateIn(new Date('2026-03-31T22:30:00Z'), 'UTC'), '2026-03-31')
})

t.test('dueFor: whole months, monthly', async (t) => {
  const d = dueFor(svc(), '2026-03')
  t.match(d, { dueMinor: 3100, prepaidMinor: 0, monthValueMinor: 3100, periodStart: '2026-03-01', periodEnd: '2026-03-31', invoiceMonth: true, proRated: false })
  t.match(dueFor(svc(), '2025-12'), { dueMinor: 0, periodStart: null, serviceDays: 0 })
})

t.test('dueFor: partial first and last months are pro-rated by days', async (t) => {
  const s = svc({ startsOn: '2026-01-15', endsOn: '2026-03-10' })
  t.match(dueFor(s, '2026-01'), { dueMinor: 1700, serviceDays: 17, daysInMonth: 31, proRated: true }, '3100 × 17/31')
  t.match(dueFor(s, '2026-03'), { dueMinor: 1000, serviceDays: 10, proRated: true })
  t.match(dueFor(s, '2026-04'), { dueMinor: 0, periodStart: null })
})

t.test('dueFor: leap year February', async (t) => {
  const s = svc({ monthlyAmountMinor: 2900, startsOn: '2028-02-15' })
  // 15..29 Feb 2028 = 15 days of 29.
  t.match(dueFor(s, '2028-02'), { dueMinor: 1500, serviceDays: 15, daysInMonth: 29 })
  const s2 = svc({ monthlyAmountMinor: 2800, startsOn: '2027-02-15' })
  t.match(dueFor(s2, '2027-02'), { dueMinor: 1400, serviceDays: 14, daysInMonth: 28 })
})

t.test('dueFor: quarters aligned to the service start', async (t) => {
  const s = svc({ monthlyAmountMinor: 1000, prepaymentPeriod: 'quarterly', startsOn: '2026-02-01' })
  t.match(dueFor(s, '2026-02'), { dueMinor: 3000, invoiceMonth: true, periodStart: '2026-02-01', periodEnd: '2026-04-30' })
  t.match(dueFor(s, '2026-03'), { dueMinor: 0, prepaidMinor: 1000, invoiceMonth: false, periodStart: '2026-02-01' })
  t.match(dueFor(s, '2026-04'), { dueMinor: 0, prepaidMinor: 1000 })
  t.match(dueFor(s, '2026-05'), { dueMinor: 3000, invoiceMonth: true, periodStart: '2026-05-01', periodEnd: '2026-07-31' })
  const y = svc({ monthlyAmountMinor: 1000, prepaymentPeriod: 'yearly', startsOn: '2026-07-01' })
  t.match(dueFor(y, '2026-07'), { dueMinor: 12_000, periodEnd: '2027-06-30' })
  t.match(dueFor(y, '2027-06'), { dueMinor: 0, prepaidMinor: 1000 })
  t.match(dueFor(y, '2027-07'), { dueMinor: 12_000 })
  const h = svc({ monthlyAmountMinor: 1000, prepaymentPeriod: 'half-yearly', startsOn: '2026-01-20' })
  // 12/31 of January + 5 whole months, rounded once: 387.09… + 5000 = 5387.
  t.match(dueFor(h, '2026-01'), { dueMinor: 5387, periodEnd: '2026-06-30' })
})

t.test('dueFor: a service ending mid-period is invoiced only for its term, rounded once', async (t) => {
  const s = svc({ monthlyAmountMinor: 1000, prepaymentPeriod: 'quarterly', startsOn: '2026-01-01', endsOn: '2026-02-14' })
  // 1000 + 1000 × 14/28 = 1500.
  t.match(dueFor(s, '2026-01'), { dueMinor: 1500, periodEnd: '2026-02-14' })
  t.match(dueFor(s, '2026-02'), { dueMinor: 0, prepaidMinor: 500, serviceDays: 14 })
  t.match(dueFor(s, '2026-03'), { dueMinor: 0, prepaidMinor: 0, periodStart: null })
  // Rounded once per line: 3 × (100 × 1/3-ish) would drift if rounded per month.
  const r = svc({ monthlyAmountMinor: 100, prepaymentPeriod: 'quarterly', startsOn: '2026-04-11', endsOn: '2026-06-20' })
  // Apr: 100×20/30 = 66.67; May: 100; Jun: 100×20/30 = 66.67 → 233.33 → 233 (per-month rounding gives 234).
  t.equal(dueFor(r, '2026-04').dueMinor, 233)
})

t.test('early termination', async (t) => {
  const c = { startsOn: '2026-01-01', minimumTermMonths: 3 }
  t.equal(minimumTermEnd('2026-01-01', 3), '2026-03-31')
  t.equal(minimumTermEnd('2026-01-01', 0), '2025-12-31')
  const early = checkTermination(c, '2026-03-30')
  t.equal(early.allowed, false)
  t.match(early, { minimumTermEndsOn: '2026-03-31', detail: /minimum term of 3 months runs until 2026-03-31/ })
  t.equal(checkTermination(c, '2025-12-01').allowed, false)
  t.equal(checkTermination(c, '2026-03-31').allowed, true)

  const q = svc({ monthlyAmountMinor: 3000, prepaymentPeriod: 'quarterly', startsOn: '2026-01-01' })
  // Served through 2026-05-10 in the Apr–Jun quarter: unserved 21/31 of May + June.
  const r = unservedRemainder(q, '2026-05-10')
  t.match(r, { periodStart: '2026-04-01', periodEnd: '2026-06-30', unservedFrom: '2026-05-11', unservedTo: '2026-06-30' })
  t.equal(r.refundMinor, Math.round(3000 * 21 / 31 + 3000))
  t.equal(unservedRemainder(q, '2026-06-30').refundMinor, 0, 'ending on a period end leaves nothing prepaid')
  t.equal(unservedRemainder(q, '2025-12-31').refundMinor, 0, 'not yet started')
  t.equal(unservedRemainder(svc({ endsOn: '2026-02-01' }), '2026-03-15').refundMinor, 0, 'already ended')
  t.equal(unservedRemainder(svc({ monthlyAmountMinor: 2900, startsOn: '2028-01-01' }), '2028-02-14').refundMinor, 1500, 'leap February: 15/29')
})

t.test('slots: allowance, carry-over one month only, overage', async (t) => {
  const terms = { allowance: 5, carryOver: true, startsOn: '2026-01-10', endsOn: '2026-06-30' }
  const used = new Map([
    ['2026-01', 2],
    ['2026-02', 4],
    ['2026-03', 12],
  ])
  t.same(slotMonth(terms, used, '2026-01'), { month: '2026-01', allowance: 5, carriedOver: 0, used: 2, available: 3, overage: 0 })
  t.same(slotMonth(terms, used, '2026-02'), { month: '2026-02', allowance: 5, carriedOver: 3, used: 4, available: 4, overage: 0 })
  // February used its 3 carried first, then 1 of its own: 4 of its own remain for March.
  t.same(slotMonth(terms, used, '2026-03'), { month: '2026-03', allowance: 5, carriedOver: 4, used: 12, available: 0, overage: 3 })
  t.same(slotMonth(terms, used, '2026-04'), { month: '2026-04', allowance: 5, carriedOver: 0, used: 0, available: 5, overage: 0 })
  t.same(slotMonth(terms, new Map(), '2026-05').carriedOver, 5, 'never more than one month of allowance')
  t.same(slotMonth(terms, new Map(), '2026-07'), { month: '2026-07', allowance: 0, carriedOver: 0, used: 0, available: 0, overage: 0 }, 'nothing outlives the term')
  t.same(slotMonth(terms, new Map(), '2025-12'), { month: '2025-12', allowance: 0, carriedOver: 0, used: 0, available: 0, overage: 0 })
  const noCarry = { ...terms, carryOver: false }
  t.same(slotMonth(noCarry, used, '2026-02'), { month: '2026-02', allowance: 5, carriedOver: 0, used: 4, available: 1, overage: 0 })
})
