import { and, asc, eq, isNotNull, isNull, lte, or, sql } from 'drizzle-orm'
import { queues, tickets, ticketStates } from '../../db/schema/index.ts'
import type { Deps } from '../../deps.ts'
import { AppError } from '../../lib/errors.ts'
import { type Actor, recordEvents } from '../tickets/events.ts'
import { applyTicketPatch } from '../tickets/tickets.service.ts'
import { notify, ownerOf, recipients } from './notifications.ts'

export const AUTO_CLOSE_ACTOR: Actor = { kind: 'system', id: 'auto-close' }
/** Tickets per run: a backlog beyond it closes on the next runs. */
export const AUTO_CLOSE_BATCH = 500

export interface AutoCloseSummary {
  closed: number
  refused: number
  [k: string]: number
}

/**
 * The `auto-close` job: resolved tickets whose `resolvedAt` is more than the queue's
 * `autoCloseResolvedAfterDays` ago and with no customer message since move to the default closed
 * state (the active closed state first by position) through the PATCH path (`applyTicketPatch`:
 * the transition check, SLA clocks, events, notifications), with a `ticket.auto_closed` event and
 * notification to the customer. Each ticket is re-checked under its row lock, so a reply or a
 * reopen that committed meanwhile wins; a closed ticket no longer matches, so reruns do nothing.
 * A transition the state machine refuses is counted and left alone (an admin changed the states).
 */
export async function runAutoClose(deps: Deps, now: Date, batchSize = AUTO_CLOSE_BATCH): Promise<AutoCloseSummary> {
  const summary: AutoCloseSummary = { closed: 0, refused: 0 }
  const [closed] = await deps.db
    .select({ key: ticketStates.key })
    .from(ticketStates)
    .where(and(eq(ticketStates.category, 'closed'), eq(ticketStates.active, true)))
    .orderBy(asc(ticketStates.position))
    .limit(1)
  if (!closed) return summary
  const days = sql`make_interval(days => ${queues.autoCloseResolvedAfterDays})`
  const quiet = or(isNull(tickets.lastCustomerMessageAt), lte(tickets.lastCustomerMessageAt, tickets.resolvedAt))
  const due = and(
    eq(tickets.stateCategory, 'resolved'),
    isNull(tickets.mergedIntoId),
    isNotNull(queues.autoCloseResolvedAfterDays),
    sql`${tickets.resolvedAt} + ${days} <= ${now.toISOString()}::timestamptz`,
    quiet,
  )
  const rows = await deps.db.select({ id: tickets.id }).from(tickets).innerJoin(queues, eq(queues.id, tickets.queueId)).where(due).limit(batchSize)
  for (const { id } of rows) {
    try {
      await deps.db.transaction(async (tx) => {
        const [hit] = await tx
          .select({ ticket: tickets, afterDays: queues.autoCloseResolvedAfterDays })
          .from(tickets)
          .innerJoin(queues, eq(queues.id, tickets.queueId))
          .where(and(eq(tickets.id, id), due))
          .for('update', { of: tickets, skipLocked: true })
        if (!hit) return
        const t = hit.ticket
        const resolvedAt = t.resolvedAt!.toISOString()
        const updated = await applyTicketPatch(tx, t, AUTO_CLOSE_ACTOR, null, { state: closed.key }, now)
        await recordEvents(tx, t.id, AUTO_CLOSE_ACTOR, null, [{ type: 'ticket.auto_closed', new: { resolvedAt, afterDays: hit.afterDays } }], now)
        await notify(
          tx,
          [{ payload: { event: 'ticket.auto_closed', ticketId: t.id, number: t.number, notify: recipients({ ...ownerOf(updated), customer: true }), resolvedAt, afterDays: hit.afterDays }, dedupeKey: `ticket.auto_closed:${t.id}:${resolvedAt}` }],
          now,
        )
        summary.closed++
      })
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'CONFLICT') throw err
      deps.log.warn({ ticketId: id, err: err.message }, 'auto-close: the closed state cannot be reached')
      summary.refused++
    }
  }
  return summary
}
