import { and, eq, inArray, ne, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { getById, ilikeAny, listById, updateVersioned } from '../../db/crud.ts'
import { tickets, ticketStates } from '../../db/schema/index.ts'
import type { ListTicketStatesQuery } from './ticket-states.schemas.ts'

export type TicketStateRow = typeof ticketStates.$inferSelect

export const insertTicketState = async (db: Db, row: typeof ticketStates.$inferInsert) =>
  (await db.insert(ticketStates).values(row).returning())[0]!

export const findTicketState = (db: Db, id: string, lock = false) => getById(db, ticketStates, id, lock)

export const findDefaultState = async (db: Db) =>
  (await db.select().from(ticketStates).where(eq(ticketStates.isDefault, true)).limit(1))[0]

/**
 * The keys among `keys` that exist, share-locked so that a concurrent delete of a target
 * waits for this transaction (and then sees the new reference) or wins before it.
 */
export async function lockExistingKeys(db: Db, keys: string[]): Promise<Set<string>> {
  if (!keys.length) return new Set()
  const rows = await db.select({ key: ticketStates.key }).from(ticketStates).where(inArray(ticketStates.key, keys)).for('share')
  return new Set(rows.map((r) => r.key))
}

/** Keys of the other states that list `key` among their transitions. */
export async function statesTransitioningTo(db: Db, key: string): Promise<string[]> {
  const rows = await db
    .select({ key: ticketStates.key })
    .from(ticketStates)
    .where(and(sql`${ticketStates.allowedTransitions} @> array[${key}]::text[]`, ne(ticketStates.key, key)))
    .orderBy(ticketStates.key)
  return rows.map((r) => r.key)
}

export const clearDefault = (db: Db, exceptId: string | null, now: Date) =>
  db
    .update(ticketStates)
    .set({ isDefault: false, version: sql`${ticketStates.version} + 1`, updatedAt: now })
    .where(and(eq(ticketStates.isDefault, true), exceptId ? ne(ticketStates.id, exceptId) : undefined))

export const deleteTicketState = (db: Db, id: string) => db.delete(ticketStates).where(eq(ticketStates.id, id))

export const listTicketStates = <R>(db: Db, q: ListTicketStatesQuery & { limit: number }, map: (r: TicketStateRow) => R) =>
  listById(
    db,
    ticketStates,
    'ticket-states',
    [
      ilikeAny([ticketStates.key, ticketStates.name], q.q),
      q.category ? eq(ticketStates.category, q.category) : undefined,
      q.active === undefined ? undefined : eq(ticketStates.active, q.active),
    ],
    q,
    map,
  )

export const updateTicketState = (db: Db, id: string, version: number | undefined, patch: Partial<TicketStateRow>, now: Date) =>
  updateVersioned(db, ticketStates, 'ticket state', id, version, patch, now)

/** Whether any ticket is in this state: stops at the first; unindexed on purpose (deleting a state is a rare admin action). */
export const stateInUse = async (db: Db, id: string) =>
  (await db.select({ id: tickets.id }).from(tickets).where(eq(tickets.stateId, id)).limit(1)).length > 0
