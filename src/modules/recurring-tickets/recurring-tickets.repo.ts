import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { getById, listById, updateVersioned } from '../../db/crud.ts'
import { contacts, recurringTicketRuns, recurringTickets } from '../../db/schema/index.ts'
import type { ListRecurringTicketsQuery } from './recurring-tickets.schemas.ts'

export type TemplateRow = typeof recurringTickets.$inferSelect

export const insertTemplate = async (db: Db, row: typeof recurringTickets.$inferInsert) => (await db.insert(recurringTickets).values(row).returning())[0]!
export const findTemplate = (db: Db, id: string) => getById(db, recurringTickets, id)
export const updateTemplate = (db: Db, id: string, version: number | undefined, patch: Partial<TemplateRow>, now: Date) =>
  updateVersioned(db, recurringTickets, 'recurring ticket', id, version, patch, now)
export const listTemplates = <R>(db: Db, q: ListRecurringTicketsQuery & { limit: number }, map: (r: TemplateRow) => R) =>
  listById(
    db,
    recurringTickets,
    'recurring-tickets',
    [q.organizationId ? eq(recurringTickets.organizationId, q.organizationId) : undefined, q.active === undefined ? undefined : eq(recurringTickets.active, q.active)],
    q,
    map,
  )
export const activeTemplates = (db: Db) => db.select().from(recurringTickets).where(eq(recurringTickets.active, true)).orderBy(recurringTickets.id)

export const contactOrganization = async (db: Db, contactId: string) =>
  (await db.select({ organizationId: contacts.organizationId }).from(contacts).where(eq(contacts.id, contactId)))[0]?.organizationId

/** Claims (template, occurrence) once: false when another run (or instance) has it already. */
export const claimRun = async (db: Db, row: typeof recurringTicketRuns.$inferInsert) =>
  (await db.insert(recurringTicketRuns).values(row).onConflictDoNothing({ target: [recurringTicketRuns.templateId, recurringTicketRuns.occurrence] }).returning({ id: recurringTicketRuns.id })).length > 0

/** Moves `lastProcessedAt` forward only, so a slower instance never winds it back. */
export const markProcessed = (db: Db, id: string, at: Date) =>
  db
    .update(recurringTickets)
    .set({ lastProcessedAt: sql`greatest(${recurringTickets.lastProcessedAt}, ${at.toISOString()}::timestamptz)` })
    .where(and(eq(recurringTickets.id, id)))

export const setRunTicket = (db: Db, templateId: string, occurrence: Date, ticketId: string) =>
  db
    .update(recurringTicketRuns)
    .set({ ticketId })
    .where(and(eq(recurringTicketRuns.templateId, templateId), eq(recurringTicketRuns.occurrence, occurrence)))
