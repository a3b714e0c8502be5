import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm'
import { contracts, queues, tickets, unassignedAlerts } from '../../db/schema/index.ts'
import type { Deps } from '../../deps.ts'
import { approvers } from '../escalations/escalations.repo.ts'
import { type Actor, recordEvents } from '../tickets/events.ts'
import { notify, recipients } from './notifications.ts'

export const UNASSIGNED_ACTOR: Actor = { kind: 'system', id: 'unassigned-alerts' }
/** Tickets per run: a backlog beyond it is alerted on the next ticks. */
export const UNASSIGNED_BATCH = 500

export interface UnassignedSummary {
  alerts: number
  [k: string]: number
}

/**
 * The `unassigned-alerts` job: a ticket of category new or open with no assignee, in a queue with
 * `unassignedAlertMinutes`, gets alert 1 once that long has passed since it was created, then alert n
 * every `unassignedRepeatMinutes` (default: the same) until someone takes it. The alert due now (its
 * slot, from the elapsed time) is claimed in `unassigned_alerts` (unique per ticket and n) under the
 * ticket's row lock, then recorded as a `ticket.unassigned_alert` event and a `ticket.unassigned`
 * notification to the queue's team and the managers: exactly once per interval across instances and
 * reruns. Slots missed while the scheduler was down are not replayed: only the current one alerts.
 */
export async function runUnassignedAlerts(deps: Deps, now: Date, batchSize = UNASSIGNED_BATCH): Promise<UnassignedSummary> {
  const summary: UnassignedSummary = { alerts: 0 }
  const minutes = sql`extract(epoch from (${now.toISOString()}::timestamptz - ${tickets.createdAt})) / 60`
  const slot = sql<number>`(floor((${minutes} - ${queues.unassignedAlertMinutes}) / coalesce(${queues.unassignedRepeatMinutes}, ${queues.unassignedAlertMinutes}))::int + 1)`
  const due = await deps.db
    .select({ id: tickets.id, number: tickets.number, createdAt: tickets.createdAt, queueId: tickets.queueId, teamId: queues.defaultTeamId, managerId: contracts.responsibleManagerId, slot })
    .from(tickets)
    .innerJoin(queues, eq(queues.id, tickets.queueId))
    .leftJoin(contracts, eq(contracts.id, tickets.contractId))
    .where(
      and(
        inArray(tickets.stateCategory, ['new', 'open']),
        isNull(tickets.assigneeId),
        isNull(tickets.mergedIntoId),
        isNotNull(queues.unassignedAlertMinutes),
        // Equivalent to slot >= 1, but a range on tickets_unassigned_idx (per queue: the queues are few).
        sql`${tickets.createdAt} <= ${now.toISOString()}::timestamptz - make_interval(mins => ${queues.unassignedAlertMinutes})`,
        sql`not exists (select 1 from ${unassignedAlerts} where ${unassignedAlerts.ticketId} = ${tickets.id} and ${unassignedAlerts.alert} = ${slot})`,
      ),
    )
    .limit(batchSize)
  for (const t of due) {
    await deps.db.transaction(async (tx) => {
      // Taken meanwhile (or being changed right now): no alert for it this time.
      const [locked] = await tx.select({ assigneeId: tickets.assigneeId, stateCategory: tickets.stateCategory }).from(tickets).where(eq(tickets.id, t.id)).for('update', { skipLocked: true })
      if (!locked || locked.assigneeId !== null || (locked.stateCategory !== 'new' && locked.stateCategory !== 'open')) return
      const [claimed] = await tx.insert(unassignedAlerts).values({ ticketId: t.id, alert: t.slot, createdAt: now }).onConflictDoNothing().returning()
      if (!claimed) return
      const waitingSince = t.createdAt.toISOString()
      await recordEvents(tx, t.id, UNASSIGNED_ACTOR, null, [{ type: 'ticket.unassigned_alert', new: { alert: t.slot, queueId: t.queueId, waitingSince } }], now)
      const to = recipients({ teamIds: [t.teamId], managerIds: await approvers(tx, t.managerId) })
      await notify(tx, [{ payload: { event: 'ticket.unassigned', ticketId: t.id, number: t.number, notify: to, queueId: t.queueId, waitingSince, alert: t.slot }, dedupeKey: `ticket.unassigned:${t.id}:${t.slot}` }], now)
      summary.alerts++
    })
  }
  return summary
}
