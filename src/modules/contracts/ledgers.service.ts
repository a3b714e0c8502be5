import type { Deps } from '../../deps.ts'
import { dateIn, lastDay, maxDate, minDate, monthOf } from '../../lib/civil-date.ts'
import { AppError, invalidField, notFound } from '../../lib/errors.ts'
import { applyDiscount } from '../../lib/money.ts'
import type { Page } from '../../lib/pagination.ts'
import type { Principal } from '../../lib/principal.ts'
import { checkTermination, dueFor, type RecurringService as Service, unservedRemainder } from '../../lib/recurring.ts'
import { slotMonth } from '../../lib/slots.ts'
import * as repo from './contracts.repo.ts'
import type {
  Balance,
  CreateHourBankEntry,
  CreateRecurringService,
  CreateSlotEntry,
  HourBankEntry,
  LedgerQuery,
  RecurringService,
  SlotEntry,
  SlotLedgerQuery,
  TerminationQuote,
  UpdateRecurringService,
} from './contracts.schemas.ts'
import { getContractRow, unprocessable } from './contracts.service.ts'

const iso = (d: Date) => d.toISOString()
const actor = (p: Principal) => `${p.kind}:${p.id}`

export const toHourBankEntry = (r: repo.HourBankRow): HourBankEntry => ({ ...r, createdAt: iso(r.createdAt) })
export const toSlotEntry = (r: repo.SlotRow): SlotEntry => ({ ...r, createdAt: iso(r.createdAt) })
export const toRecurring = (r: repo.RecurringRow): RecurringService => ({ ...r, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) })

// Hour bank -----------------------------------------------------------------------------------

/** Field-level rules of each entry kind; sign rules are also CHECK constraints on the table. */
function checkEntryShape(p: Principal, e: CreateHourBankEntry) {
  const onlyPurchases = ['priceMinor', 'discountPercent', 'currency'] as const
  if (e.kind !== 'purchase') {
    for (const f of onlyPurchases) if (e[f] !== undefined) throw invalidField(f, 'is only accepted on purchases (discounts come with prepayment only)')
  }
  if (e.kind !== 'consumption') {
    for (const f of ['ticketId', 'timeEntryId'] as const) if (e[f] !== undefined) throw invalidField(f, 'is only accepted on consumption entries')
  }
  switch (e.kind) {
    case 'purchase':
      if (e.seconds <= 0) throw invalidField('seconds', 'a purchase adds hours: it must be positive')
      if (e.priceMinor === undefined) throw invalidField('priceMinor', 'is required on a purchase')
      return
    case 'adjustment':
      if (e.seconds === 0) throw invalidField('seconds', 'an adjustment must not be zero')
      if (!e.reason) throw invalidField('reason', 'is required on an adjustment')
      return
    case 'expiry':
      if (e.seconds >= 0) throw invalidField('seconds', 'an expiry removes hours: it must be negative')
      if (!e.reason) throw invalidField('reason', 'is required on an expiry')
      return
    case 'consumption':
      if (e.seconds >= 0) throw invalidField('seconds', 'a consumption removes hours: it must be negative')
      // Approved time writes consumption itself; by hand it is a correction only an admin may make.
      if (p.kind !== 'agent' || p.role !== 'admin') throw new AppError('FORBIDDEN', 'consumption entries come from approved time; only an admin may record one by hand')
      return
  }
}

/**
 * Appends to the ledger under a row lock on the contract, so two debits racing on the same
 * contract are serialized and a 'refuse' overdraft policy cannot be beaten by concurrency.
 */
export async function appendHourBankEntry(deps: Deps, p: Principal, contractId: string, e: CreateHourBankEntry): Promise<HourBankEntry> {
  checkEntryShape(p, e)
  const row = await deps.db.transaction(async (tx) => {
    const c = await getContractRow(tx, contractId, true)
    if (!c.hourBankEnabled) {
      throw new AppError('CONFLICT', `contract ${c.number} has no hour bank; enable hourBankEnabled first`, {
        errors: [{ in: 'body', field: 'kind', message: 'the contract has no hour bank' }],
      })
    }
    if (e.kind === 'purchase' && e.currency !== undefined && e.currency !== c.currency) {
      throw unprocessable('currency', `the contract is in ${c.currency}; a purchase in ${e.currency} cannot be booked on it`)
    }
    if (e.seconds < 0 && c.overdraftPolicy === 'refuse') {
      const balance = await repo.hourBankBalance(tx, contractId)
      if (balance + e.seconds < 0) {
        throw new AppError('CONFLICT', `the hour bank holds ${balance} s; debiting ${-e.seconds} s would overdraw it and the contract refuses overdrafts`, {
          errors: [{ in: 'body', field: 'seconds', message: `exceeds the balance of ${balance} seconds` }],
          balanceSeconds: balance,
        })
      }
    }
    const purchase = e.kind === 'purchase'
    const discountPercent = purchase ? (e.discountPercent ?? 0) : null
    return repo.insertHourBankEntry(tx, {
      contractId,
      kind: e.kind,
      seconds: e.seconds,
      priceMinor: purchase ? e.priceMinor! : null,
      discountPercent,
      netMinor: purchase ? applyDiscount(e.priceMinor!, discountPercent!) : null,
      currency: purchase ? c.currency : null,
      reason: e.reason ?? null,
      ticketId: e.ticketId ?? null,
      timeEntryId: e.timeEntryId ?? null,
      createdBy: actor(p),
      createdAt: deps.clock.now(),
    })
  })
  return toHourBankEntry(row)
}

export async function listHourBankEntries(deps: Deps, contractId: string, q: LedgerQuery): Promise<Page<HourBankEntry>> {
  await getContractRow(deps.db, contractId)
  return repo.listHourBankEntries(deps.db, contractId, { ...q, limit: q.limit ?? 50 }, toHourBankEntry)
}

// Slots ---------------------------------------------------------------------------------------

export async function appendSlotEntry(deps: Deps, p: Principal, contractId: string, e: CreateSlotEntry): Promise<SlotEntry> {
  const c = await getContractRow(deps.db, contractId)
  if (e.month < monthOf(c.startsOn) || (c.endsOn !== null && e.month > monthOf(c.endsOn))) {
    throw unprocessable('month', `is outside the contract's term (${c.startsOn} – ${c.endsOn ?? 'open-ended'})`)
  }
  const row = await repo.insertSlotEntry(deps.db, {
    contractId,
    month: e.month,
    count: e.count,
    ticketId: e.ticketId ?? null,
    reason: e.reason ?? null,
    createdBy: actor(p),
    createdAt: deps.clock.now(),
  })
  return toSlotEntry(row)
}

export async function listSlotEntries(deps: Deps, contractId: string, q: SlotLedgerQuery): Promise<Page<SlotEntry>> {
  await getContractRow(deps.db, contractId)
  return repo.listSlotEntries(deps.db, contractId, { ...q, limit: q.limit ?? 50 }, toSlotEntry)
}

// Recurring services --------------------------------------------------------------------------

type ServiceTerms = Pick<repo.RecurringRow, 'currency' | 'startsOn' | 'endsOn'>

function checkService(c: repo.ContractRow, s: ServiceTerms) {
  if (s.currency !== c.currency) throw unprocessable('currency', `must be the contract's currency ${c.currency}`)
  if (s.endsOn !== null && s.endsOn < s.startsOn) throw unprocessable('endsOn', `must not be before startsOn (${s.startsOn})`)
  if (s.startsOn < c.startsOn) throw unprocessable('startsOn', `must not be before the contract starts (${c.startsOn})`)
  if (c.endsOn !== null && s.startsOn > c.endsOn) throw unprocessable('startsOn', `must not be after the contract ends (${c.endsOn})`)
  if (c.endsOn !== null && s.endsOn !== null && s.endsOn > c.endsOn) throw unprocessable('endsOn', `must not be after the contract ends (${c.endsOn})`)
}

export async function createRecurringService(deps: Deps, contractId: string, input: CreateRecurringService): Promise<RecurringService> {
  const c = await getContractRow(deps.db, contractId)
  const now = deps.clock.now()
  const values = { ...input, name: input.name.trim(), currency: input.currency ?? c.currency, endsOn: input.endsOn ?? null }
  checkService(c, values)
  return toRecurring(await repo.insertRecurring(deps.db, { ...values, contractId, createdAt: now, updatedAt: now }))
}

async function serviceOf(deps: Deps, contractId: string, id: string) {
  const row = await repo.findRecurring(deps.db, contractId, id)
  if (!row) throw notFound('recurring service', id)
  return row
}

export const getRecurringService = async (deps: Deps, contractId: string, id: string) => toRecurring(await serviceOf(deps, contractId, id))

export async function listRecurringServices(deps: Deps, contractId: string, q: LedgerQuery): Promise<Page<RecurringService>> {
  await getContractRow(deps.db, contractId)
  return repo.listRecurring(deps.db, contractId, { ...q, limit: q.limit ?? 50 }, toRecurring)
}

export async function updateRecurringService(deps: Deps, contractId: string, id: string, version: number | undefined, patch: UpdateRecurringService) {
  const row = await deps.db.transaction(async (tx) => {
    const c = await getContractRow(tx, contractId)
    const current = await repo.findRecurring(tx, contractId, id, true)
    if (!current) throw notFound('recurring service', id)
    checkService(c, { ...current, ...patch })
    return repo.updateRecurring(tx, id, version, patch, deps.clock.now())
  })
  return toRecurring(row)
}

/** A service as the money functions see it: its term clipped to the contract's. */
const effective = (c: repo.ContractRow, s: repo.RecurringRow): Service => ({
  monthlyAmountMinor: s.monthlyAmountMinor,
  prepaymentPeriod: s.prepaymentPeriod,
  startsOn: maxDate(s.startsOn, c.startsOn),
  endsOn: c.endsOn === null ? s.endsOn : s.endsOn === null ? c.endsOn : minDate(s.endsOn, c.endsOn),
})

export async function serviceDue(deps: Deps, contractId: string, id: string, month: string) {
  const c = await getContractRow(deps.db, contractId)
  const s = await serviceOf(deps, contractId, id)
  return { serviceId: s.id, currency: s.currency, ...dueFor(effective(c, s), month) }
}

export async function terminationQuote(deps: Deps, contractId: string, on: string): Promise<TerminationQuote> {
  const c = await getContractRow(deps.db, contractId)
  const check = checkTermination(c, on)
  const base = { contractId, on, minimumTermEndsOn: check.minimumTermEndsOn, currency: c.currency }
  if (!check.allowed) return { ...base, allowed: false, detail: check.detail, lines: [], totalRefundMinor: 0 }
  const services = await repo.allRecurring(deps.db, contractId)
  const lines = services.map((s) => ({ serviceId: s.id, name: s.name, ...unservedRemainder(effective(c, s), on) }))
  const totalRefundMinor = lines.reduce((sum, l) => sum + l.refundMinor, 0)
  return {
    ...base,
    allowed: true,
    detail: `terminating on ${on} (after the minimum term ending ${check.minimumTermEndsOn}) refunds the unserved remainder of prepaid periods`,
    lines,
    totalRefundMinor,
  }
}

// Balance -------------------------------------------------------------------------------------

export async function balance(deps: Deps, contractId: string, month: string): Promise<Balance> {
  const c = await getContractRow(deps.db, contractId)
  const [org, hours, used, slotRows, services] = await Promise.all([
    repo.findOrganizationBrief(deps.db, c.organizationId),
    repo.allHourBankEntries(deps.db, contractId),
    repo.slotsUsedUpTo(deps.db, contractId, month),
    repo.slotEntriesOf(deps.db, contractId, month),
    repo.allRecurring(deps.db, contractId),
  ])
  const timeZone = org!.timeZone
  const slots = slotMonth({ allowance: c.slotsPerMonth ?? 0, carryOver: c.slotCarryOver, startsOn: c.startsOn, endsOn: c.endsOn }, used, month)
  const recurring = services.map((s) => ({ serviceId: s.id, currency: s.currency, ...dueFor(effective(c, s), month) }))
  const upToMonthEnd = lastDay(month)
  const hourEntries = hours.filter((h) => dateIn(h.createdAt, timeZone) <= upToMonthEnd)
  return {
    contractId,
    month,
    hours: {
      enabled: c.hourBankEnabled,
      balanceSeconds: hourEntries.reduce((s, h) => s + h.seconds, 0),
      entries: hourEntries.map(toHourBankEntry),
    },
    slots: { ...slots, entries: slotRows.map(toSlotEntry) },
    money: {
      currency: c.currency,
      recurringDueMinor: recurring.reduce((s, r) => s + r.dueMinor, 0),
      prepaidMinor: recurring.reduce((s, r) => s + r.prepaidMinor, 0),
      hourBankPurchasedMinor: hourEntries.filter((h) => h.kind === 'purchase' && monthOf(dateIn(h.createdAt, timeZone)) === month).reduce((s, h) => s + h.netMinor!, 0),
      recurring,
    },
  }
}
