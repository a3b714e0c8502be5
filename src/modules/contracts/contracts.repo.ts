import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { getById, ilikeAny, listById, updateVersioned } from '../../db/crud.ts'
import { agents, contacts, contracts, hourBankEntries, organizations, recurringServices, slotEntries } from '../../db/schema/index.ts'
import type { LedgerQuery, ListContractsQuery, SlotLedgerQuery } from './contracts.schemas.ts'

export type ContractRow = typeof contracts.$inferSelect
export type HourBankRow = typeof hourBankEntries.$inferSelect
export type SlotRow = typeof slotEntries.$inferSelect
export type RecurringRow = typeof recurringServices.$inferSelect

export const insertContract = async (db: Db, row: typeof contracts.$inferInsert) => (await db.insert(contracts).values(row).returning())[0]!
export const findContract = (db: Db, id: string, lock = false) => getById(db, contracts, id, lock)

export const listContracts = <R>(db: Db, q: ListContractsQuery & { limit: number }, map: (r: ContractRow) => R) =>
  listById(
    db,
    contracts,
    'contracts',
    [
      ilikeAny([contracts.number], q.q),
      q.organizationId ? eq(contracts.organizationId, q.organizationId) : undefined,
      q.status ? eq(contracts.status, q.status) : undefined,
      q.planId ? eq(contracts.planId, q.planId) : undefined,
      q.activeOn ? and(lte(contracts.startsOn, q.activeOn), or(isNull(contracts.endsOn), sql`${contracts.endsOn} >= ${q.activeOn}`)) : undefined,
    ],
    q,
    map,
  )

export const updateContract = (db: Db, id: string, version: number | undefined, patch: Partial<ContractRow>, now: Date) =>
  updateVersioned(db, contracts, 'contract', id, version, patch, now)

export const findOrganizationBrief = async (db: Db, id: string) =>
  (await db.select({ id: organizations.id, timeZone: organizations.timeZone }).from(organizations).where(eq(organizations.id, id)).limit(1))[0]

export const findAgentRole = async (db: Db, id: string) =>
  (await db.select({ role: agents.role, active: agents.active }).from(agents).where(eq(agents.id, id)).limit(1))[0]

/** Which of these contact ids belong to the organization (one query). */
export async function contactIdsOf(db: Db, organizationId: string, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set()
  const rows = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.organizationId, organizationId), inArray(contacts.id, ids)))
  return new Set(rows.map((r) => r.id))
}

// Hour bank

export const insertHourBankEntry = async (db: Db, row: typeof hourBankEntries.$inferInsert) =>
  (await db.insert(hourBankEntries).values(row).returning())[0]!

export const hourBankBalance = async (db: Db, contractId: string): Promise<number> =>
  (
    await db
      .select({ s: sql<number>`coalesce(sum(${hourBankEntries.seconds}), 0)::int` })
      .from(hourBankEntries)
      .where(eq(hourBankEntries.contractId, contractId))
  )[0]!.s

export const listHourBankEntries = <R>(db: Db, contractId: string, q: LedgerQuery & { limit: number }, map: (r: HourBankRow) => R) =>
  listById(db, hourBankEntries, `hour-bank:${contractId}`, [eq(hourBankEntries.contractId, contractId)], q, map)

export const allHourBankEntries = (db: Db, contractId: string) =>
  db.select().from(hourBankEntries).where(eq(hourBankEntries.contractId, contractId)).orderBy(asc(hourBankEntries.id))

// Slots

export const insertSlotEntry = async (db: Db, row: typeof slotEntries.$inferInsert) => (await db.insert(slotEntries).values(row).returning())[0]!

export const listSlotEntries = <R>(db: Db, contractId: string, q: SlotLedgerQuery & { limit: number }, map: (r: SlotRow) => R) =>
  listById(db, slotEntries, `slots:${contractId}`, [eq(slotEntries.contractId, contractId), q.month ? eq(slotEntries.month, q.month) : undefined], q, map)

/** Slots used per month up to and including `month` (carry-over needs the history). */
export async function slotsUsedUpTo(db: Db, contractId: string, month: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ month: slotEntries.month, used: sql<number>`sum(${slotEntries.count})::int` })
    .from(slotEntries)
    .where(and(eq(slotEntries.contractId, contractId), lte(slotEntries.month, month)))
    .groupBy(slotEntries.month)
  return new Map(rows.map((r) => [r.month, Number(r.used)]))
}

export const slotEntriesOf = (db: Db, contractId: string, month: string) =>
  db
    .select()
    .from(slotEntries)
    .where(and(eq(slotEntries.contractId, contractId), eq(slotEntries.month, month)))
    .orderBy(asc(slotEntries.id))

// Recurring services

export const insertRecurring = async (db: Db, row: typeof recurringServices.$inferInsert) =>
  (await db.insert(recurringServices).values(row).returning())[0]!

export const findRecurring = async (db: Db, contractId: string, id: string, lock = false) => {
  const q = db
    .select()
    .from(recurringServices)
    .where(and(eq(recurringServices.contractId, contractId), eq(recurringServices.id, id)))
    .limit(1)
  return (await (lock ? q.for('update') : q))[0]
}

export const listRecurring = <R>(db: Db, contractId: string, q: LedgerQuery & { limit: number }, map: (r: RecurringRow) => R) =>
  listById(db, recurringServices, `recurring:${contractId}`, [eq(recurringServices.contractId, contractId)], q, map)

export const allRecurring = (db: Db, contractId: string) =>
  db.select().from(recurringServices).where(eq(recurringServices.contractId, contractId)).orderBy(asc(recurringServices.id))

export const updateRecurring = (db: Db, id: string, version: number | undefined, patch: Partial<RecurringRow>, now: Date) =>
  updateVersioned(db, recurringServices, 'recurring service', id, version, patch, now)
