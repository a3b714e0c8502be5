import { and, asc, eq, inArray, isNotNull, lte, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { Binder, preparedQuery } from '../../db/prepared.ts'
import { contracts, ticketSlaClocks, tickets } from '../../db/schema/index.ts'
import type { Deps } from '../../deps.ts'
import { nextSlaEventAt } from '../../lib/sla-clock.ts'
import { type Actor, type EventInput, recordTicketEvents } from '../tickets/events.ts'
import { toClock } from '../tickets/sla.service.ts'
import { type Notification, notify, ownerOf, recipients } from './notifications.ts'

export const SLA_SCAN_ACTOR: Actor = { kind: 'system', id: 'sla-scan' }
/** Tickets per transaction: small enough to keep row locks short, large enough to amortise round trips. */
export const SLA_SCAN_BATCH = 200

export interface SlaScanSummary {
  tickets: number
  warnings: number
  breaches: number
  notifications: number
  [k: string]: number
}

type ClockRow = typeof ticketSlaClocks.$inferSelect
const iso = (d: Date | null) => (d === null ? null : d.toISOString())

/**
 * The idle tick's one question, compiled once per database (db/prepared.ts): planning it
 * (the tickets table has a dozen indexes, several partial) takes about 1 ms, running it through
 * the partial index about 0.03 ms, and most ticks ask nothing else.
 */
async function anyDue(db: Db, now: Date): Promise<boolean> {
  const b = new Binder()
  const at = b.value(now.toISOString())
  const rows = await preparedQuery(db, 'sla-scan:due', b, (h) =>
    h
      .select({ id: tickets.id })
      .from(tickets)
      .where(and(isNotNull(tickets.nextSlaEventAt), lte(tickets.nextSlaEventAt, at)))
      .limit(1),
  )
  return rows.length > 0
}

/**
 * Records the SLA warnings and breaches due by `now`. Tickets are found through the partial index
 * on `next_sla_event_at` (never a scan of open tickets) and taken in batches with
 * `FOR UPDATE SKIP LOCKED`, so two scanners (or a scanner and a ticket PATCH, which locks the
 * ticket) never work on one ticket at once. Each warning and breach is recorded by a conditional
 * update of `warned_for_due_at` / `breached_for_due_at` to the clock's current due instant: it
 * fires once per (ticket, clock, due instant), and a moved due instant (pause, re-target, a new
 * next-response cycle) fires again. `next_sla_event_at` is then recomputed from the clocks.
 *
 * When a scan finds both the warning and the due instant passed (the scheduler was down, or a
 * re-target jumped past both), both events are recorded but only the breach is notified: a
 * warning about something already breached helps nobody.
 */
export async function scanSla(deps: Deps, now: Date, batchSize = SLA_SCAN_BATCH): Promise<SlaScanSummary> {
  const summary: SlaScanSummary = { tickets: 0, warnings: 0, breaches: 0, notifications: 0 }
  const due = and(isNotNull(tickets.nextSlaEventAt), lte(tickets.nextSlaEventAt, now))
  // Most ticks find nothing: one index probe, without the round trips of a transaction.
  if (!(await anyDue(deps.db, now))) return summary
  const seen = new Set<string>()
  for (;;) {
    const more = await deps.db.transaction(async (tx) => {
      const batch = await tx
        .select({ id: tickets.id, number: tickets.number, assigneeId: tickets.assigneeId, teamId: tickets.teamId, contractId: tickets.contractId })
        .from(tickets)
        .where(due)
        .orderBy(asc(tickets.nextSlaEventAt))
        .limit(batchSize)
        .for('update', { skipLocked: true })
      // Every ticket handled gets a later next_sla_event_at; seeing one again would mean a loop.
      if (!batch.length || batch.every((t) => seen.has(t.id))) return false
      const ids = batch.map((t) => t.id)
      const warned = await fire(tx, ids, 'warn', now)
      const breached = await fire(tx, ids, 'breach', now)
      const clocks = await tx.select().from(ticketSlaClocks).where(inArray(ticketSlaClocks.ticketId, ids))
      const contractIds = [...new Set(batch.map((t) => t.contractId).filter((c): c is string => c !== null))]
      const terms = contractIds.length
        ? await tx
            .select({ id: contracts.id, managerId: contracts.responsibleManagerId, customer: contracts.notifyCustomerOnSlaBreach })
            .from(contracts)
            .where(inArray(contracts.id, contractIds))
        : []
      const termsOf = new Map(terms.map((c) => [c.id, c]))
      const events: Array<EventInput & { ticketId: string }> = []
      const notes: Array<{ payload: Notification; dedupeKey: string }> = []
      const next: Array<[string, string | null]> = []
      for (const t of batch) {
        seen.add(t.id)
        summary.tickets++
        const own = clocks.filter((c) => c.ticketId === t.id)
        const contract = t.contractId ? termsOf.get(t.contractId) : undefined
        const to = (customer: boolean) => recipients({ ...ownerOf(t), managerIds: [contract?.managerId], customer })
        for (const c of own) {
          const w = warned.has(`${t.id}:${c.kind}`)
          const b = breached.has(`${t.id}:${c.kind}`)
          const base = { ticketId: t.id, number: t.number, clock: c.kind, dueAt: iso(c.dueAt), warnAt: iso(c.warnAt), cycle: c.cycle }
          if (w) {
            summary.warnings++
            events.push({ ticketId: t.id, type: 'sla.warning', field: c.kind, new: slaState(c, c.warnAt!, c.warnSeconds ?? 0) })
            if (!b) notes.push({ payload: { event: 'sla.warning', ...base, notify: to(false) }, dedupeKey: `sla.warning:${t.id}:${c.kind}:${iso(c.dueAt)}` })
          }
          if (b) {
            summary.breaches++
            events.push({ ticketId: t.id, type: 'sla.breached', field: c.kind, new: { ...slaState(c, c.dueAt!, c.targetSeconds), breached: true } })
            notes.push({ payload: { event: 'sla.breached', ...base, notify: to(contract?.customer ?? false) }, dedupeKey: `sla.breached:${t.id}:${c.kind}:${iso(c.dueAt)}` })
          }
        }
        const at = nextSlaEventAt(own.map(toClock))
        next.push([t.id, at === null ? null : new Date(at).toISOString()])
      }
      const values = sql.join(
        next.map(([id, at]) => sql`(${id}::uuid, ${at}::timestamptz)`),
        sql`, `,
      )
      await tx.execute(sql`update ${tickets} set next_sla_event_at = v.at from (values ${values}) as v(id, at) where ${tickets.id} = v.id`)
      await recordTicketEvents(tx, events, SLA_SCAN_ACTOR, null, now)
      summary.notifications += await notify(tx, notes, now)
      return batch.length === batchSize
    })
    if (!more) return summary
  }
}

/** The state shown in the event (and the /sla timeline): consumed time is the threshold itself at that instant. */
const slaState = (c: ClockRow, at: Date, consumedSeconds: number) => ({
  status: c.status,
  at: at.toISOString(),
  dueAt: iso(c.dueAt),
  consumedSeconds,
  targetSeconds: c.targetSeconds,
  cycle: c.cycle,
})

/**
 * The conditional update of one batch: marks each running clock whose warning (or due) instant
 * has come and was not yet recorded for its current due instant. A row matches once per due
 * instant, whoever else runs the same update; returns the `ticketId:kind` pairs it marked.
 */
async function fire(tx: Db, ticketIds: string[], what: 'warn' | 'breach', now: Date): Promise<Set<string>> {
  const c = ticketSlaClocks
  const [mark, instant] = what === 'warn' ? [c.warnedForDueAt, c.warnAt] : [c.breachedForDueAt, c.dueAt]
  const rows = await tx
    .update(c)
    .set(what === 'warn' ? { warnedForDueAt: sql`${c.dueAt}` } : { breachedForDueAt: sql`${c.dueAt}` })
    .where(and(inArray(c.ticketId, ticketIds), eq(c.status, 'running'), isNotNull(c.dueAt), lte(instant, now), sql`${mark} is distinct from ${c.dueAt}`))
    .returning({ ticketId: c.ticketId, kind: c.kind })
  return new Set(rows.map((r) => `${r.ticketId}:${r.kind}`))
}
