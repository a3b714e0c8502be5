import { addressOf, mailDomain, mailIdSecret } from '../../config.ts'
import type { Deps } from '../../deps.ts'
import { newId } from '../../lib/ids.ts'
import type { OutboxRow } from '../outbox/outbox.repo.ts'
import { type DeliveryHandler, type DeliveryResult, type Enqueue, enqueue } from '../outbox/outbox.service.ts'
import { type ActiveAgent, loadActiveAgents, loadThreads, loadTicketContexts, type ThreadMessage, type TicketContext } from './notifications.repo.ts'
import { buildOutboundMail } from './outbound.ts'
import { type AttentionReason, chooseLocale, type MailLocale, type NotificationData, type NotificationKind, type SlaTarget } from './templates.ts'

/**
 * Turns `notification` outbox rows (what happened to a ticket) into `mail` rows (who hears about
 * it, in their language). One notification fans out in ONE statement into one fully rendered
 * mail per recipient, each keyed `<notification id>:<address>`: a fan-out retried after a crash
 * or a lost lease stores nothing twice, and each mail keeps the Message-ID it got the first time.
 *
 * Who gets what:
 * - ticket.created → the requester an acknowledgement (every channel: a ticket an agent took by
 *   phone gets its number to the customer too); the ticket's team (members and the assignee, not
 *   the agent who created it) an alert.
 * - ticket.message_added, public only → an agent's (or an integration's) reply goes to the
 *   requester; a contact's reply alerts the team. Internal notes never reach a contact.
 * - ticket.state_changed → the requester, when the ticket enters a pending ("waiting for your
 *   answer") or resolved category, unless they made the change themselves.
 * - any event with `notify` (SLA warnings and breaches, escalations, unassigned tickets) → the
 *   listed agents, managers and team members, and the requester when `notify.customer`.
 * The requester is mailed at their first address that has not bounced, if they are active; agents
 * at their address, if active. Everything except a reply written by a person is automatic mail.
 */

interface NotificationPayload {
  event: string
  ticketId: string
  messageId?: string
  category?: string
  fromCategory?: string
  actor?: string
  clock?: string
  dueAt?: string
  notify?: { agentIds?: string[]; teamIds?: string[]; managerIds?: string[]; customer?: boolean }
}

interface Recipient {
  address: string
  locale: MailLocale
  timeZone: string
}

/** One mail to send: the template, its data (time zone filled per recipient), and who reads it. */
interface Planned<K extends NotificationKind = NotificationKind> {
  kind: K
  to: Recipient
  automatic: boolean
  data: (r: Recipient) => Omit<NotificationData[K], 'ticket'>
}

const SLA_TARGETS: readonly SlaTarget[] = ['first_response', 'next_response', 'resolution']
/** Long customer texts are quoted in team alerts up to this size; the ticket has the rest. */
const ALERT_TEXT_MAX = 4000

function attentionReason(event: string): AttentionReason {
  if (/escalat/.test(event)) return 'escalated'
  if (/unassigned/.test(event)) return 'unassigned'
  return 'other'
}

function customerOf(ctx: TicketContext, deps: Deps): Recipient | undefined {
  if (!ctx.contact.active || !ctx.contactEmail) return undefined
  return {
    address: ctx.contactEmail,
    locale: chooseLocale(ctx.contact.locale, ctx.organization.locale),
    timeZone: ctx.contact.timeZone ?? ctx.organization.timeZone ?? deps.config.DEFAULT_TIME_ZONE,
  }
}

/** The agents a notification may mail, of those loaded for the round: named directly or through one of the teams, except one. */
type AgentsOf = (agentIds: readonly string[], teamIds: readonly string[], except?: string) => Recipient[]

function agentsFrom(deps: Deps, loaded: readonly ActiveAgent[]): AgentsOf {
  return (agentIds, teamIds, except) =>
    loaded
      .filter((a) => a.id !== except && (agentIds.includes(a.id) || a.teamIds.some((t) => teamIds.includes(t))))
      .map((a) => ({ address: a.email.toLowerCase(), locale: chooseLocale(a.locale), timeZone: a.timeZone ?? deps.config.DEFAULT_TIME_ZONE }))
}

const plan = <K extends NotificationKind>(kind: K, to: Recipient[], automatic: boolean, data: Planned<K>['data']): Planned[] =>
  to.map((r) => ({ kind, to: r, automatic, data }) as unknown as Planned)

const teamOf = (ctx: TicketContext) => ({ agentIds: ctx.ticket.assigneeId ? [ctx.ticket.assigneeId] : [], teamIds: ctx.ticket.teamId ? [ctx.ticket.teamId] : [] })

/** Decides the mail one notification causes; `thread` is filled in for threading headers. */
function planMail(deps: Deps, p: NotificationPayload, ctx: TicketContext, thread: ThreadMessage[], agentRecipients: AgentsOf): Planned[] {
  const customer = customerOf(ctx, deps)
  const customers = customer ? [customer] : []
  const target = thread.find((m) => m.isTarget)
  const t = ctx.ticket
  switch (p.event) {
    case 'ticket.created': {
      const team = teamOf(ctx)
      // The creator took the call; alerting them about it is noise.
      const creator = t.createdBy.startsWith('agent:') ? t.createdBy.slice('agent:'.length) : undefined
      const contractName = ctx.planName ?? ctx.contractNumber ?? undefined
      const firstResponseDueAt = t.firstResponseAt ? undefined : (t.firstResponseDueAt ?? undefined)
      return [
        ...plan('ticket.acknowledgement', customers, true, (r) => ({ contractName, firstResponseDueAt, timeZone: r.timeZone })),
        ...plan('team.new_ticket', agentRecipients(team.agentIds, team.teamIds, creator), true, () => ({
          contactName: ctx.contact.name,
          organizationName: ctx.organization.name,
          text: target?.bodyText?.slice(0, ALERT_TEXT_MAX) || undefined,
        })),
      ]
    }
    case 'ticket.message_added': {
      // Re-checked here, whatever the writer did: an internal note never leaves the building.
      if (target?.visibility !== 'public') return []
      const text = target.bodyText ?? ''
      if (target.authorKind === 'contact') {
        const team = teamOf(ctx)
        return plan('team.customer_reply', agentRecipients(team.agentIds, team.teamIds), true, () => ({
          contactName: ctx.contact.name,
          text: text.slice(0, ALERT_TEXT_MAX),
        }))
      }
      // An integration (API key) writes as the system: its public message is a reply in the queue's name.
      return plan('ticket.agent_reply', customers, false, () => ({ agentName: target.authorName ?? ctx.queue.name, text }))
    }
    case 'ticket.state_changed': {
      const state: NotificationData['ticket.state_changed']['state'] | undefined =
        p.category === 'pending' ? 'waiting_for_customer' : p.category === 'resolved' ? 'resolved' : undefined
      if (!state || p.fromCategory === p.category || p.actor === `contact:${t.requesterId}`) return []
      return plan('ticket.state_changed', customers, true, () => ({ state }))
    }
    default: {
      if (!p.notify) return []
      const n = p.notify
      const agentsTo = agentRecipients([...(n.agentIds ?? []), ...(n.managerIds ?? [])], n.teamIds ?? [])
      const to = [...(n.customer ? customers : []), ...agentsTo]
      const dueAt = p.dueAt ? new Date(p.dueAt) : undefined
      const target = SLA_TARGETS.find((k) => k === p.clock)
      if ((p.event === 'sla.warning' || p.event === 'sla.breached') && target && dueAt && !Number.isNaN(dueAt.getTime())) {
        return plan(p.event, to, true, (r) => ({ target, dueAt, timeZone: r.timeZone }))
      }
      return plan('ticket.attention', to, true, () => ({ reason: attentionReason(p.event) }))
    }
  }
}

/**
 * In-Reply-To: the customer's last mail on the ticket (before the message replied to, if any);
 * References: every mail Message-ID the ticket has up to there, oldest first.
 */
function threadHeaders(thread: ThreadMessage[]): { inReplyTo?: string; references: string[] } {
  const cut = thread.findIndex((m) => m.isTarget)
  const upTo = cut >= 0 ? thread.slice(0, cut + 1) : thread
  const withId = upTo.filter((m) => m.mailMessageId)
  const lastCustomer = withId.filter((m) => m.authorKind === 'contact').at(-1)
  return { inReplyTo: lastCustomer?.mailMessageId ?? undefined, references: withId.map((m) => m.mailMessageId!) }
}

/** Which agents and teams a notification may mail (planMail picks among them), so a round loads them in one query. */
function agentsWanted(p: NotificationPayload, ctx: TicketContext): { agentIds: string[]; teamIds: string[] } {
  const team = teamOf(ctx)
  if (p.event === 'ticket.created' || p.event === 'ticket.message_added') return team
  if (p.event === 'ticket.state_changed' || !p.notify) return { agentIds: [], teamIds: [] }
  return { agentIds: [...(p.notify.agentIds ?? []), ...(p.notify.managerIds ?? [])], teamIds: p.notify.teamIds ?? [] }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * A dispatcher round's notifications together: their tickets, threads and agents in three queries
 * and every mail they cause in one insert, whatever their number (one at a time, these were five
 * statements per notification). A notification that cannot be delivered (no such ticket) fails on
 * its own; one the batch's statements fail on is retried with the others.
 */
export async function deliverNotifications(deps: Deps, rows: readonly OutboxRow[]): Promise<DeliveryResult[]> {
  const results: DeliveryResult[] = rows.map(() => ({ ok: true }))
  const todo: Array<{ i: number; row: OutboxRow; p: NotificationPayload }> = []
  rows.forEach((row, i) => {
    const p = row.payload as unknown as NotificationPayload
    // Checked here, as the ids go to the database as array elements: a malformed one would fail the whole round's query.
    if (!p.ticketId || !UUID.test(p.ticketId)) results[i] = { ok: false, permanent: true, error: `notification without a valid ticketId` }
    else if (p.messageId !== undefined && !UUID.test(p.messageId)) results[i] = { ok: false, permanent: true, error: `notification with a malformed messageId` }
    else todo.push({ i, row, p })
  })
  if (!todo.length) return results
  const contexts = await loadTicketContexts(
    deps.db,
    todo.map((t) => t.p.ticketId),
  )
  const found = todo.filter((t) => {
    if (contexts.has(t.p.ticketId)) return true
    results[t.i] = { ok: false, permanent: true, error: `ticket ${t.p.ticketId} not found` }
    return false
  })
  if (!found.length) return results
  const threads = await loadThreads(
    deps.db,
    found.map((t) => ({ ticketId: t.p.ticketId, messageId: t.p.event === 'ticket.created' ? undefined : t.p.messageId })),
  )
  const wanted = found.map((t) => agentsWanted(t.p, contexts.get(t.p.ticketId)!))
  const agentRecipients = agentsFrom(
    deps,
    await loadActiveAgents(
      deps.db,
      wanted.flatMap((w) => w.agentIds),
      wanted.flatMap((w) => w.teamIds),
    ),
  )

  const replyToDefault = addressOf(deps.config.MAIL_FROM) ?? `desk@${mailDomain(deps.config)}`
  const domain = mailDomain(deps.config)
  const secret = mailIdSecret(deps.config)
  const items: Enqueue[] = []
  found.forEach(({ row, p }, n) => {
    const ctx = contexts.get(p.ticketId)!
    const thread = threads[n]!
    const planned = planMail(deps, p, ctx, thread, agentRecipients)
    if (!planned.length) return
    const { inReplyTo, references } = threadHeaders(thread)
    const replyTo = ctx.queue.inboundEmail ?? replyToDefault
    const seen = new Set<string>()
    for (const m of planned) {
      // One mail per address per notification: an agent who is assignee and team member hears once.
      if (seen.has(m.to.address)) continue
      seen.add(m.to.address)
      const id = newId()
      const mail = buildOutboundMail({
        kind: m.kind,
        ticket: { number: ctx.ticket.number, subject: ctx.ticket.subject },
        to: [m.to.address],
        replyTo,
        inReplyTo,
        references,
        automatic: m.automatic,
        locale: m.to.locale,
        data: m.data(m.to),
        messageIdDomain: domain,
        secret,
        outboxId: id,
      })
      items.push({ id, kind: 'mail', payload: { ...mail }, dedupeKey: `${row.id}:${m.to.address}`, subject: `ticket:${ctx.ticket.id}` })
    }
  })
  // One insert is atomic on its own: every mail of the round's fan-outs or none, without BEGIN/COMMIT round trips.
  const created = await enqueue(deps.db, items, deps.clock.now())
  deps.log.debug({ notifications: found.length, planned: items.length, created }, 'notifications fanned out')
  return results
}

/** One notification on its own; the dispatcher hands it a round's notifications at once (`batch`). */
export const deliverNotification: DeliveryHandler = Object.assign(async (deps: Deps, row: OutboxRow) => (await deliverNotifications(deps, [row]))[0]!, {
  batch: deliverNotifications,
})
