import { and, asc, eq, inArray, isNotNull, lte, notInArray, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { contracts, ticketSlaClocks, tickets } from '../../db/schema/index.ts'
import type { Deps } from '../../deps.ts'
import { type ClockKind, nextSlaEventAt } from '../../lib/sla-clock.ts'
import type { Actor, EventInput } from '../tickets/events.ts'
import { recordEvents } from '../tickets/events.ts'
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
  const seen: string[] = []
  for (;;) {
    const done = await deps.db.transaction(async (tx) => {
      const batch = await tx
        .select({ id: tickets.id, number: tickets.number, assigneeId: tickets.assigneeId, teamId: tickets.teamId, contractId: tickets.contractId })
        .from(tickets)
        .where(and(isNotNull(tickets.nextSlaEventAt), lte(tickets.nextSlaEventAt, now), seen.length ? notInArray(tickets.id, seen) : undefined))
        .orderBy(asc(tickets.nextSlaEventAt))
        .limit(batchSize)
        .for('update', { skipLocked: true })
      if (!batch.length) return true
      const clocks = await tx.select().from(ticketSlaClocks).where(inArray(ticketSlaClocks.ticketId, batch.map((t) => t.id)))
      const contractIds = [...new Set(batch.map((t) => t.contractId).filter((c): c is string => c !== null))]
      const terms = contractIds.length
        ? await tx
            .select({ id: contracts.id, managerId: contracts.responsibleManagerId, customer: contracts.notifyCustomerOnSlaBreach })
            .from(contracts)
            .where(inArray(contracts.id, contractIds))
        : []
      const termsOf = new Map(terms.map((c) => [c.id, c]))
      for (const t of batch) {
        seen.push(t.id)
        summary.tickets++
        const own = clocks.filter((c) => c.ticketId === t.id)
        const events: EventInput[] = []
        const notes: Array<{ payload: Notification; dedupeKey: string }> = []
        const contract = t.contractId ? termsOf.get(t.contractId) : undefined
        for (const c of own) {
          const fired = await fireClock(tx, t.id, c, now)
          const base = { ticketId: t.id, number: t.number, clock: c.kind, dueAt: iso(c.dueAt), warnAt: iso(c.warnAt), cycle: c.cycle }
          const to = (customer: boolean) => recipients({ ...ownerOf(t), managerIds: [contract?.managerId], customer })
          if (fired.warned) {
            summary.warnings++
            events.push({ type: 'sla.warning', field: c.kind, new: slaState(c, c.warnAt!, c.warnSeconds ?? 0) })
            if (!fired.breached) notes.push({ payload: { event: 'sla.warning', ...base, notify: to(false) }, dedupeKey: `sla.warning:${t.id}:${c.kind}:${iso(c.dueAt)}` })
          }
          if (fired.breached) {
            summary.breaches++
            events.push({ type: 'sla.breached', field: c.kind, new: { ...slaState(c, c.dueAt!, c.targetSeconds), breached: true } })
            notes.push({ payload: { event: 'sla.breached', ...base, notify: to(contract?.customer ?? false) }, dedupeKey: `sla.breached:${t.id}:${c.kind}:${iso(c.dueAt)}` })
          }
          if (fired.warned) c.warnedForDueAt = c.dueAt
          if (fired.breached) c.breachedForDueAt = c.dueAt
        }
        const next = nextSlaEventAt(own.map(toClock))
        await tx
          .update(tickets)
          .set({ nextSlaEventAt: next === null ? null : new Date(next) })
          .where(eq(tickets.id, t.id))
        await recordEvents(tx, t.id, SLA_SCAN_ACTOR, null, events, now)
        summary.notifications += await notify(tx, notes, now)
      }
      return batch.length < batchSize
    })
    if (done) return summary
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

/** The conditional updates: each succeeds once per due instant, whoever else tries. */
async function fireClock(tx: Db, ticketId: string, c: ClockRow, now: Date): Promise<{ warned: boolean; breached: boolean }> {
  if (c.status !== 'running' || c.dueAt === null) return { warned: false, breached: false }
  const mine = (kind: ClockKind, dueAt: Date) => and(eq(ticketSlaClocks.ticketId, ticketId), eq(ticketSlaClocks.kind, kind), eq(ticketSlaClocks.status, 'running'), eq(ticketSlaClocks.dueAt, dueAt))
  let warned = false
  let breached = false
  if (c.warnAt !== null && c.warnAt.getTime() <= now.getTime() && c.warnedForDueAt?.getTime() !== c.dueAt.getTime()) {
    const r = await tx
      .update(ticketSlaClocks)
      .set({ warnedForDueAt: c.dueAt })
      .where(and(mine(c.kind, c.dueAt), sql`${ticketSlaClocks.warnedForDueAt} is distinct from ${ticketSlaClocks.dueAt}`))
      .returning({ kind: ticketSlaClocks.kind })
    warned = r.length > 0
  }
  if (c.dueAt.getTime() <= now.getTime() && c.breachedForDueAt?.getTime() !== c.dueAt.getTime()) {
    const r = await tx
      .update(ticketSlaClocks)
      .set({ breachedForDueAt: c.dueAt })
      .where(and(mine(c.kind, c.dueAt), sql`${ticketSlaClocks.breachedForDueAt} is distinct from ${ticketSlaClocks.dueAt}`))
      .returning({ kind: ticketSlaClocks.kind })
    breached = r.length > 0
  }
  return { warned, breached }
}
