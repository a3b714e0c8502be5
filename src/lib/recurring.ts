import { addDays, addMonths, addMonthsToMonth, daysInMonth, firstDay, lastDay, maxDate, minDate, monthOf, monthsBetween } from './civil-date.ts'
import { addFractions, type Fraction, roundFraction, ZERO } from './money.ts'

/**
 * Flat-rate recurring services (seed 003: prepaid monthly, quarterly, half-yearly or yearly)
 * and the refund of an unserved prepaid remainder on early termination (seed 004).
 *
 * Choices, stated once:
 * - A prepayment period is a run of 1, 3, 6 or 12 calendar months starting with the month of
 *   the service's `startsOn` (quarters are aligned to the service start, not to the calendar
 *   year), so a service starting in February is invoiced in Feb, May, Aug, Nov.
 * - A period's amount is invoiced in its first month, for every day of the period that lies
 *   inside the service's term as known at that time (`endsOn` included, inclusive).
 * - A month partly inside the term is worth monthlyAmount × servedDays / daysInMonth.
 *   The fractions of one line (one period, or one refund) are summed exactly and rounded half up
 *   once, so a line never drifts by a cent per month.
 */
export type PrepaymentPeriod = 'monthly' | 'quarterly' | 'half-yearly' | 'yearly'
export const PERIOD_MONTHS: Record<PrepaymentPeriod, number> = { monthly: 1, quarterly: 3, 'half-yearly': 6, yearly: 12 }

export interface RecurringService {
  monthlyAmountMinor: number
  prepaymentPeriod: PrepaymentPeriod
  startsOn: string
  endsOn: string | null
}

export interface MonthDue {
  month: string
  /** Invoiced in this month: the whole period's amount when the month opens a period, else 0. */
  dueMinor: number
  /** This month's own value when it was already invoiced in an earlier month of its period, else 0. */
  prepaidMinor: number
  /** This month's own value (pro-rated). */
  monthValueMinor: number
  /** The prepayment period containing the month, clipped to the term; null outside the term. */
  periodStart: string | null
  periodEnd: string | null
  invoiceMonth: boolean
  serviceDays: number
  daysInMonth: number
  proRated: boolean
}

/** The exact value of the days [from, to] (inclusive) of a service, summed month by month. */
function valueOfDays(s: RecurringService, from: string, to: string): Fraction {
  let total = ZERO
  if (to < from) return total
  for (let m = monthOf(from); m <= monthOf(to); m = addMonthsToMonth(m, 1)) {
    const a = maxDate(from, firstDay(m))
    const b = minDate(to, lastDay(m))
    const days = dayCount(a, b)
    if (days > 0) total = addFractions(total, { n: BigInt(s.monthlyAmountMinor) * BigInt(days), d: BigInt(daysInMonth(m)) })
  }
  return total
}

const dayCount = (a: string, b: string) => (b < a ? 0 : Number(b.slice(8, 10)) - Number(a.slice(8, 10)) + 1)

/** The period (clipped to the term) containing a month of the term. */
function periodOf(s: RecurringService, month: string): { start: string; end: string; firstMonth: string } {
  const k = PERIOD_MONTHS[s.prepaymentPeriod]
  const startMonth = monthOf(s.startsOn)
  const firstMonth = addMonthsToMonth(startMonth, Math.floor(monthsBetween(startMonth, month) / k) * k)
  const start = maxDate(s.startsOn, firstDay(firstMonth))
  const end = lastDay(addMonthsToMonth(firstMonth, k - 1))
  return { start, end: s.endsOn ? minDate(s.endsOn, end) : end, firstMonth }
}

export function dueFor(s: RecurringService, month: string): MonthDue {
  const dim = daysInMonth(month)
  const outside = month < monthOf(s.startsOn) || (s.endsOn !== null && month > monthOf(s.endsOn))
  if (outside) {
    return { month, dueMinor: 0, prepaidMinor: 0, monthValueMinor: 0, periodStart: null, periodEnd: null, invoiceMonth: false, serviceDays: 0, daysInMonth: dim, proRated: false }
  }
  const p = periodOf(s, month)
  const from = maxDate(s.startsOn, firstDay(month))
  const to = s.endsOn ? minDate(s.endsOn, lastDay(month)) : lastDay(month)
  const serviceDays = dayCount(from, to)
  const monthValueMinor = roundFraction(valueOfDays(s, from, to))
  const invoiceMonth = p.firstMonth === month
  return {
    month,
    dueMinor: invoiceMonth ? roundFraction(valueOfDays(s, p.start, p.end)) : 0,
    prepaidMinor: invoiceMonth ? 0 : monthValueMinor,
    monthValueMinor,
    periodStart: p.start,
    periodEnd: p.end,
    invoiceMonth,
    serviceDays,
    daysInMonth: dim,
    proRated: serviceDays < dim,
  }
}

/** The last day of the minimum term: the day before startsOn + N months (N = 0: no minimum). */
export const minimumTermEnd = (startsOn: string, minimumTermMonths: number) => addDays(addMonths(startsOn, minimumTermMonths), -1)

export interface RefundLine {
  periodStart: string | null
  periodEnd: string | null
  unservedFrom: string | null
  unservedTo: string | null
  refundMinor: number
}

/**
 * What a service's invoiced period holds beyond `lastServedOn` (the termination date, the last
 * day served): the unserved remainder the customer may claim back. Periods not yet invoiced
 * (starting after that date) owe nothing either way.
 */
export function unservedRemainder(s: RecurringService, lastServedOn: string): RefundLine {
  const none = { periodStart: null, periodEnd: null, unservedFrom: null, unservedTo: null, refundMinor: 0 }
  if (lastServedOn < s.startsOn || (s.endsOn !== null && lastServedOn >= s.endsOn)) return none
  const p = periodOf(s, monthOf(lastServedOn))
  const from = addDays(lastServedOn, 1)
  if (from > p.end) return { ...none, periodStart: p.start, periodEnd: p.end }
  return { periodStart: p.start, periodEnd: p.end, unservedFrom: from, unservedTo: p.end, refundMinor: roundFraction(valueOfDays(s, from, p.end)) }
}

export type TerminationCheck = { allowed: true; minimumTermEndsOn: string } | { allowed: false; minimumTermEndsOn: string; detail: string }

/**
 * Seed 004: support is paid for at least N months; ending earlier is refused (the customer owes
 * the minimum term), ending after it refunds the unserved remainder of what was prepaid.
 */
export function checkTermination(contract: { startsOn: string; minimumTermMonths: number }, on: string): TerminationCheck {
  const minimumTermEndsOn = minimumTermEnd(contract.startsOn, contract.minimumTermMonths)
  if (on < contract.startsOn) {
    return { allowed: false, minimumTermEndsOn, detail: `the contract starts on ${contract.startsOn}; it cannot end before it starts` }
  }
  if (on < minimumTermEndsOn) {
    return {
      allowed: false,
      minimumTermEndsOn,
      detail: `the minimum term of ${contract.minimumTermMonths} months runs until ${minimumTermEndsOn}; the contract cannot be terminated on ${on}, and the minimum term remains payable`,
    }
  }
  return { allowed: true, minimumTermEndsOn }
}
