import { eq } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { getById, ilikeAny, listById, updateVersioned } from '../../db/crud.ts'
import { ticketTypes } from '../../db/schema/index.ts'
import type { ListTicketTypesQuery } from './ticket-types.schemas.ts'

export type TicketTypeRow = typeof ticketTypes.$inferSelect

export const insertTicketType = async (db: Db, row: typeof ticketTypes.$inferInsert) =>
  (await db.insert(ticketTypes).values(row).returning())[0]!

export const findTicketType = (db: Db, id: string) => getById(db, ticketTypes, id)

export const listTicketTypes = <R>(db: Db, q: ListTicketTypesQuery & { limit: number }, map: (r: TicketTypeRow) => R) =>
  listById(
    db,
    ticketTypes,
    'ticket-types',
    [
      ilikeAny([ticketTypes.name, ticketTypes.description], q.q),
      q.billable === undefined ? undefined : eq(ticketTypes.billable, q.billable),
      q.active === undefined ? undefined : eq(ticketTypes.active, q.active),
    ],
    q,
    map,
  )

export const updateTicketType = (db: Db, id: string, version: number | undefined, patch: Partial<TicketTypeRow>, now: Date) =>
  updateVersioned(db, ticketTypes, 'ticket type', id, version, patch, now)
