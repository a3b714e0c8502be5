import type { Db } from '../../db/client.ts'
import { enqueue } from '../outbox/outbox.service.ts'

/**
 * Notification rows written by the scheduled jobs (SLA scan, escalations, unassigned alerts,
 * auto-close). Each is an outbox row of kind `notification`, subject `ticket:<id>`, whose payload
 * names the event and the recipients' INTENT; the notification handler resolves the intent to
 * addresses (a team → its members, `customer` → the ticket's requester) and fans out one mail per
 * recipient. Every payload carries `event`, `ticketId`, `number` and `notify`; `dedupeKey` makes
 * a second enqueue of the same logical notification a no-op.
 *
 * Payload shapes, by `event`:
 * - `sla.warning` / `sla.breached`: `{ clock: 'first_response'|'next_response'|'resolution',
 *   dueAt: ISO, warnAt: ISO|null, cycle }` — a clock's warning instant or due instant passed.
 *   Recipients: the assignee (else the ticket's team), the contract's responsible manager, and
 *   on `sla.breached` the customer when the contract has `notifyCustomerOnSlaBreach`.
 * - `escalation.fired`: `{ escalationId, ruleId, ruleName, level, trigger, triggerAt: ISO,
 *   actions: [...] }` — an escalation rule fired (its actions were applied).
 * - `escalation.proposed`: same fields — a rule needing approval fired; `notify.managerIds` are
 *   asked to approve or reject (POST /v1/escalations/:id/approve|reject). Nothing moved yet.
 * - `escalation.approved` / `escalation.rejected`: same fields plus `decidedBy` (agent id).
 * - `ticket.unassigned`: `{ queueId, waitingSince: ISO, alert: n }` — nobody took the ticket;
 *   alert n (1, 2 …) repeats every `unassignedRepeatMinutes` of the queue.
 * - `ticket.auto_closed`: `{ resolvedAt: ISO, afterDays }` — closed after no customer reply;
 *   `notify.customer` is true (the requester learns the ticket is closed).
 */
export interface Recipients {
  agentIds: string[]
  teamIds: string[]
  managerIds: string[]
  customer: boolean
}

export interface Notification {
  event: string
  ticketId: string
  number: number
  notify: Recipients
  [field: string]: unknown
}

const uniq = (ids: Array<string | null | undefined>) => [...new Set(ids.filter((x): x is string => typeof x === 'string'))]

export function recipients(r: Partial<Record<'agentIds' | 'teamIds' | 'managerIds', Array<string | null | undefined>>> & { customer?: boolean }): Recipients {
  return { agentIds: uniq(r.agentIds ?? []), teamIds: uniq(r.teamIds ?? []), managerIds: uniq(r.managerIds ?? []), customer: r.customer ?? false }
}

/** The people responsible for a ticket now: its assignee, or its team when nobody has taken it. */
export const ownerOf = (t: { assigneeId: string | null; teamId: string | null }) => (t.assigneeId ? { agentIds: [t.assigneeId] } : { teamIds: [t.teamId] })

export async function notify(db: Db, items: Array<{ payload: Notification; dedupeKey: string }>, now: Date): Promise<number> {
  return enqueue(
    db,
    items.map((i) => ({ kind: 'notification', payload: i.payload, dedupeKey: i.dedupeKey, subject: `ticket:${i.payload.ticketId}` })),
    now,
  )
}
