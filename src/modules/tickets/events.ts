import { and, asc, eq, like } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { ticketEvents } from '../../db/schema/index.ts'
import type { Channel } from '../../db/schema/directory.ts'
import { newId } from '../../lib/ids.ts'
import type { Principal } from '../../lib/principal.ts'

/** Who caused a change: a principal, or the system itself (mail intake, the scheduler, merges). */
export interface Actor {
  kind: 'agent' | 'apiKey' | 'contact' | 'system'
  id: string
}
export const actorKey = (a: Actor) => `${a.kind}:${a.id}`
export const actorOf = (p: Principal): Actor => ({ kind: p.kind, id: p.id })

/**
 * The channel of a change made through the REST API when the request names none: a contact's
 * comes through the customer portal ('web'), an agent's or an API key's through 'api'. Scheduled
 * jobs (SLA scan, auto-close, escalations, unassigned alerts) record none: nothing reached them
 * through a channel, and their actor (`system:<job>`) says where the change came from.
 */
export const requestChannel = (p: { kind: Actor['kind'] }): Channel => (p.kind === 'contact' ? 'web' : 'api')

export interface EventInput {
  type: string
  field?: string | null
  old?: unknown
  new?: unknown
  reason?: string | null
}

export type EventRow = typeof ticketEvents.$inferSelect

/** Appends events; the log is never updated, so a plain multi-row insert is all it takes. */
export const recordEvents = (db: Db, ticketId: string, actor: Actor, channel: Channel | null, events: EventInput[], now: Date): Promise<void> =>
  recordTicketEvents(
    db,
    events.map((e) => ({ ...e, ticketId })),
    actor,
    channel,
    now,
  )

/** Events of several tickets in one insert (the scheduler's batches). */
export async function recordTicketEvents(db: Db, events: Array<EventInput & { ticketId: string }>, actor: Actor, channel: Channel | null, now: Date): Promise<void> {
  if (!events.length) return
  await eventsInsert(db, eventRows(events, actor, channel, now))
}

export const eventRows = (events: Array<EventInput & { ticketId: string }>, actor: Actor, channel: Channel | null, now: Date): Array<typeof ticketEvents.$inferInsert> =>
  events.map((e) => ({
    // Given here, not left to the column's default function: a prepared insert would bake that in once.
    id: newId(),
    ticketId: e.ticketId,
    type: e.type,
    field: e.field ?? null,
    old: e.old === undefined ? null : e.old,
    new: e.new === undefined ? null : e.new,
    actor: actorKey(actor),
    actorKind: actor.kind,
    channel,
    reason: e.reason ?? null,
    createdAt: now,
  }))

/** The insert of event rows (at least one), unexecuted, so it can join other writes in one statement. */
export const eventsInsert = (db: Db, rows: Array<typeof ticketEvents.$inferInsert>) => db.insert(ticketEvents).values(rows)

/** SLA clock transitions of a ticket in order: the /sla timeline. */
export const slaEvents = (db: Db, ticketId: string) =>
  db
    .select()
    .from(ticketEvents)
    .where(and(eq(ticketEvents.ticketId, ticketId), like(ticketEvents.type, 'sla.%')))
    .orderBy(asc(ticketEvents.id))
