import { addMonthsToMonth, monthOf } from './civil-date.ts'

/**
 * Slot allowance of a month (seed 004: a monthly subscription of N slots, one slot = one
 * request handled end to end).
 *
 * - A month inside the contract's term gets `allowance` slots; outside it, none.
 * - With carry-over, the unused part of a month's own allowance may be used in the next month
 *   only, and is used first there (oldest first); what is still unused then expires. So
 *   carry-over never snowballs beyond one month's allowance, and never outlives the term.
 * - Use beyond what is available is not refused (work already happened); it is reported as
 *   `overage`, which billing prices per slot.
 */
export interface SlotTerms {
  allowance: number
  carryOver: boolean
  startsOn: string
  endsOn: string | null
}

export interface SlotMonth {
  month: string
  allowance: number
  carriedOver: number
  used: number
  available: number
  overage: number
}

export function slotMonth(terms: SlotTerms, usedByMonth: ReadonlyMap<string, number>, month: string): SlotMonth {
  const first = monthOf(terms.startsOn)
  const last = terms.endsOn ? monthOf(terms.endsOn) : null
  const allowanceOf = (m: string) => (m >= first && (last === null || m <= last) ? terms.allowance : 0)
  let carried = 0
  // Only the carry-over needs history; months before the term have nothing to carry.
  for (let m = first; m < month; m = addMonthsToMonth(m, 1)) {
    const own = allowanceOf(m)
    const used = usedByMonth.get(m) ?? 0
    const fromOwn = Math.max(0, used - carried)
    carried = terms.carryOver ? Math.max(0, own - fromOwn) : 0
  }
  const allowance = allowanceOf(month)
  // Outside the term nothing is available, carried or not.
  if (month < first || (last !== null && month > last)) carried = 0
  const used = usedByMonth.get(month) ?? 0
  const total = allowance + carried
  return { month, allowance, carriedOver: carried, used, available: Math.max(0, total - used), overage: Math.max(0, used - total) }
}
