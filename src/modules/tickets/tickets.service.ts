import { and, eq, notLike, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import type { Channel } from '../../db/schema/directory.ts'
import type { StateCategory } from '../../db/schema/ticket-config.ts'
import { agents, contracts, messageAttachments, queues, teams, ticketEvents, ticketMessages, tickets, ticketTypes } from '../../db/schema/index.ts'
import type { Deps } from '../../deps.ts'
import { AppError, type FieldError, notFound } from '../../lib/errors.ts'
import { decodeCursor, type Page, toPage } from '../../lib/pagination.ts'
import { organizationScope, type Principal } from '../../lib/principal.ts'
import { consumedAt, isBreached } from '../../lib/sla-clock.ts'
import type { TicketFacts } from '../../lib/sla-selection.ts'
import { canTransition } from '../../lib/state-machine.ts'
import { type Actor, actorKey, actorOf, type EventInput, type EventRow, recordEvents, requestChannel, slaEvents } from './events.ts'
import { enqueue } from '../outbox/outbox.service.ts'
import type { IncomingFile } from './attachments.ts'
import { billableOf, foreignRefs, intakeConfig, intakeTicket } from './intake.service.ts'
import { searchDocumentText } from './search.service.ts'
import { applyClockChange, type ClockChange, isDone, loadClocks, loadPolicy, owedOf, policySelectedEvent, selectFor, type TicketTrailEntry } from './sla.service.ts'
import * as repo from './tickets.repo.ts'
import type { CreateTicket, ListTicketsQuery, MergeTicket, Ticket, TicketSla, UpdateTicket } from './tickets.schemas.ts'

const iso = (d: Date | null) => (d === null ? null : d.toISOString())

export function toTicket(r: repo.TicketRow): Ticket {
  return {
    id: r.id,
    number: r.number,
    subject: r.subject,
    description: r.description,
    channel: r.channel,
    requesterId: r.requesterId,
    organizationId: r.organizationId,
    contractId: r.contractId,
    siteId: r.siteId,
    equipmentId: r.equipmentId,
    queueId: r.queueId,
    ticketTypeId: r.ticketTypeId,
    priority: r.priority,
    stateId: r.stateId,
    stateCategory: r.stateCategory,
    assigneeId: r.assigneeId,
    teamId: r.teamId,
    tags: r.tags,
    billable: r.billable,
    billableReason: r.billableReason,
    slaPolicyId: r.slaPolicyId,
    firstResponseDueAt: iso(r.firstResponseDueAt),
    nextResponseDueAt: iso(r.nextResponseDueAt),
    resolutionDueAt: iso(r.resolutionDueAt),
    nextDueAt: iso(r.nextDueAt),
    firstResponseAt: iso(r.firstResponseAt),
    resolvedAt: iso(r.resolvedAt),
    closedAt: iso(r.closedAt),
    lastCustomerMessageAt: iso(r.lastCustomerMessageAt),
    lastAgentReplyAt: iso(r.lastAgentReplyAt),
    mergedIntoId: r.mergedIntoId,
    gateOverrideReason: r.gateOverrideReason,
    createdBy: r.createdBy,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

/**
 * The ticket if this principal may see it. A contact sees only its own organization's tickets;
 * another organization's ticket is "not found", never "forbidden", so ids leak nothing.
 */
export async function visibleTicket(db: Db, principal: Principal, id: string, lock = false): Promise<repo.TicketRow> {
  const row = await repo.findTicket(db, id, lock)
  const scope = organizationScope(principal)
  if (!row || (scope !== undefined && row.organizationId !== scope)) throw notFound('ticket', id)
  return row
}

export async function createTicket(deps: Deps, principal: Principal, input: CreateTicket, attachments: IncomingFile[] = []): Promise<Ticket> {
  if (!input.requesterId === !input.requesterEmail) {
    throw new AppError('VALIDATION_FAILED', 'give exactly one of requesterId and requesterEmail', {
      errors: [{ in: 'body', field: 'requesterId', message: 'give exactly one of requesterId and requesterEmail' }],
    })
  }
  if (input.gateOverrideReason && principal.kind !== 'agent') throw new AppError('FORBIDDEN', 'only agents may override the intake gate')
  const row = await intakeTicket(deps, undefined, {
    channel: input.channel ?? (principal.kind === 'agent' ? 'phone' : 'api'),
    requester: input.requesterId ? { contactId: input.requesterId } : { email: input.requesterEmail! },
    organizationId: organizationScope(principal),
    subject: input.subject,
    description: input.description,
    bodyHtml: input.bodyHtml,
    queueId: input.queueId,
    ticketTypeId: input.ticketTypeId,
    priority: input.priority,
    siteId: input.siteId,
    equipmentId: input.equipmentId,
    tags: input.tags,
    attachments,
    gateOverride: input.gateOverrideReason ? { reason: input.gateOverrideReason, agentId: principal.id } : undefined,
    createdBy: actorOf(principal),
    at: deps.clock.now(),
  })
  return toTicket(row)
}

export const getTicket = async (deps: Deps, principal: Principal, id: string): Promise<Ticket> => toTicket(await visibleTicket(deps.db, principal, id))

export async function listTickets(deps: Deps, principal: Principal, q: ListTicketsQuery): Promise<Page<Ticket>> {
  let stateIds: string[] | null = null
  if (q.state) stateIds = (await repo.allStates(deps.db)).filter((s) => s.key === q.state).map((s) => s.id)
  return repo.listTickets(deps.db, { ...q, limit: q.limit ?? 50 }, { organizationId: organizationScope(principal), stateIds }, deps.clock.now())
}

const factsOf = (t: repo.TicketRow, planId: string | null): TicketFacts => ({
  organizationId: t.organizationId,
  planId,
  contractId: t.contractId,
  siteId: t.siteId,
  equipmentId: t.equipmentId,
  ticketTypeId: t.ticketTypeId,
  queueId: t.queueId,
  priority: t.priority,
})

/** What SLA selection needs from the ticket's contract: its plan (a condition) and its own policy (which takes precedence). */
async function contractTerms(db: Db, contractId: string | null): Promise<{ planId: string | null; slaPolicyId: string | null }> {
  if (!contractId) return { planId: null, slaPolicyId: null }
  const [c] = await db.select({ planId: contracts.planId, slaPolicyId: contracts.slaPolicyId }).from(contracts).where(eq(contracts.id, contractId))
  return { planId: c?.planId ?? null, slaPolicyId: c?.slaPolicyId ?? null }
}

async function checkRefs(db: Db, patch: UpdateTicket): Promise<void> {
  const errors: FieldError[] = []
  const exists = async (table: typeof agents | typeof teams | typeof queues | typeof ticketTypes, id: string, field: string, what: string) => {
    const [r] = await db.select({ id: table.id }).from(table).where(eq(table.id, id))
    if (!r) errors.push({ in: 'body', field, message: `no such ${what}` })
  }
  if (patch.assigneeId) await exists(agents, patch.assigneeId, 'assigneeId', 'agent')
  if (patch.teamId) await exists(teams, patch.teamId, 'teamId', 'team')
  if (patch.queueId) await exists(queues, patch.queueId, 'queueId', 'queue')
  if (patch.ticketTypeId) await exists(ticketTypes, patch.ticketTypeId, 'ticketTypeId', 'ticket type')
  if (errors.length) throw new AppError('REFERENCE_NOT_FOUND', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors })
}

const SIMPLE_FIELDS = ['subject', 'assigneeId', 'teamId', 'queueId', 'ticketTypeId', 'priority', 'siteId', 'equipmentId', 'tags'] as const
const SLA_FIELDS: readonly string[] = ['queueId', 'ticketTypeId', 'priority', 'siteId', 'equipmentId']

/**
 * Applies a PATCH: every changed field becomes an event (old → new); a state change must be an
 * allowed transition (409 naming `state`) and moves the SLA clocks; a change of the facts SLA
 * selection looks at re-selects the policy and re-targets the clocks, keeping consumed time.
 * The billable flag follows the type (else the queue) as at intake, until a manager or admin
 * overrides it with a reason: a commercial decision that later type or queue changes keep.
 */
export async function updateTicket(deps: Deps, principal: Principal, id: string, version: number | undefined, patch: UpdateTicket): Promise<Ticket> {
  if ((patch.billable !== undefined || patch.billableReason !== undefined) && !(principal.kind === 'agent' && principal.role !== 'agent')) {
    throw new AppError('FORBIDDEN', 'only managers and admins may override the billable flag')
  }
  // A blank reason is no reason: the override must say why.
  if (patch.billable !== undefined && !patch.billableReason?.trim()) {
    throw new AppError('VALIDATION_FAILED', 'billableReason is required when overriding billable', {
      errors: [{ in: 'body', field: 'billableReason', message: 'is required with billable' }],
    })
  }
  const now = deps.clock.now()
  const row = await deps.db.transaction(async (tx) => {
    const t = await visibleTicket(tx, principal, id, true)
    if (version !== undefined && version !== t.version) {
      throw new AppError('PRECONDITION_FAILED', `ticket ${id} is at version ${t.version}, not ${version}; fetch it again`)
    }
    return applyTicketPatch(tx, t, actorOf(principal), requestChannel(principal), patch, now)
  })
  return toTicket(row)
}

/**
 * The body of a PATCH on a ticket already locked by the caller (`FOR UPDATE`), for any actor:
 * an API caller through `updateTicket`, or the system (escalation rules) with its own checks.
 * `channel` is what the events record: the request's, or null for a scheduled job (`requestChannel`).
 */
export async function applyTicketPatch(tx: Db, t: repo.TicketRow, actor: Actor, channel: Channel | null, patch: UpdateTicket, now: Date): Promise<repo.TicketRow> {
  if (t.mergedIntoId) throw new AppError('CONFLICT', `ticket ${t.id} was merged into ${t.mergedIntoId}; change that ticket instead`)
  await checkRefs(tx, patch)
  const foreign = await foreignRefs(tx, t.organizationId, patch)
  if (foreign.length) throw new AppError('REFERENCE_NOT_FOUND', foreign.map((e) => `${e.field}: ${e.message}`).join('; '), { errors: foreign })
  const set: Partial<repo.TicketRow> = {}
  const events: EventInput[] = []
  for (const f of SIMPLE_FIELDS) {
    const v = patch[f]
    if (v === undefined || JSON.stringify(v) === JSON.stringify(t[f])) continue
    ;(set as Record<string, unknown>)[f] = v
    events.push({ type: 'ticket.updated', field: f, old: t[f], new: v })
  }
  // A manager's decision, even one confirming the current value, is kept with its reason: from
  // then on the flag no longer follows the type or queue.
  if (patch.billable !== undefined && (patch.billable !== t.billable || patch.billableReason !== t.billableReason)) {
    set.billable = patch.billable
    set.billableReason = patch.billableReason!
    events.push({ type: 'ticket.updated', field: 'billable', old: t.billable, new: patch.billable, reason: patch.billableReason })
  } else if (patch.billable === undefined && t.billableReason === null && (set.ticketTypeId !== undefined || set.queueId)) {
    const routed = { ...t, ...set }
    const { queue, type } = await intakeConfig(tx, routed.queueId, routed.ticketTypeId ?? undefined)
    const billable = billableOf(type, queue!)
    if (billable !== t.billable) {
      set.billable = billable
      events.push({ type: 'ticket.updated', field: 'billable', old: t.billable, new: billable, reason: type ? `follows the ticket type ${type.name}` : `follows the queue ${queue!.name}` })
    }
  }
  let categoryChange: { from: StateCategory; to: StateCategory } | undefined
  let stateChange: { from: string; to: string; fromCategory: string; category: string } | undefined
  if (patch.state !== undefined) {
    const states = await repo.allStates(tx)
    const from = states.find((s) => s.id === t.stateId)!
    const check = canTransition(states, from.key, patch.state)
    if (!check.ok) throw new AppError('CONFLICT', check.reason, { errors: [{ in: 'body', field: 'state', message: check.reason }] })
    const to = states.find((s) => s.key === patch.state)!
    set.stateId = to.id
    set.stateCategory = to.category
    if (to.category === 'resolved') set.resolvedAt = now
    if (to.category === 'closed') set.closedAt = now
    if (to.category !== 'resolved' && to.category !== 'closed') Object.assign(set, { resolvedAt: null, closedAt: null })
    events.push({ type: 'ticket.updated', field: 'state', old: from.key, new: to.key })
    if (from.key !== to.key) stateChange = { from: from.key, to: to.key, fromCategory: from.category, category: to.category }
    if (from.category !== to.category) categoryChange = { from: from.category, to: to.category }
  }
  const old = await loadPolicy(tx, t.slaPolicyId)
  let next = old
  const merged = { ...t, ...set } as repo.TicketRow
  const reselect = Object.keys(set).some((k) => SLA_FIELDS.includes(k))
  if (reselect) {
    const terms = await contractTerms(tx, t.contractId)
    const selected = await selectFor(tx, factsOf(merged, terms.planId), terms.slaPolicyId)
    next = selected.applied
    if (next?.policy.id !== old?.policy.id) events.push(policySelectedEvent(old, next, selected.selection.trail))
  }
  if (!events.length) return t
  let clocks = await loadClocks(tx, t.id)
  // Re-selection and reopening bring back the clocks that stopped for lack of a policy: they need what the ticket still owes.
  const reopening = categoryChange !== undefined && isDone(categoryChange.from) && !isDone(categoryChange.to)
  const owed = reselect || reopening ? await owedOf(tx, t, clocks) : undefined
  const changes: ClockChange[] = []
  if (reselect && owed) changes.push({ kind: 'facts', category: t.stateCategory, owed })
  if (categoryChange) changes.push({ kind: 'category', ...categoryChange, owed })
  for (const [i, change] of changes.entries()) {
    const out = await applyClockChange(tx, t.id, change, i === 0 ? old : next, next, merged.priority, now, clocks)
    Object.assign(set, out.columns)
    events.push(...out.events)
    if (i < changes.length - 1) clocks = await loadClocks(tx, t.id)
  }
  // The search document is the subject plus the public messages: a new subject rebuilds it.
  const search = set.subject ? { search: sql`to_tsvector('simple', ${await searchDocumentText(tx, t.id, set.subject)})` } : {}
  const [updated] = await tx
    .update(tickets)
    .set({ ...set, ...search, version: sql`${tickets.version} + 1`, updatedAt: now })
    .where(eq(tickets.id, t.id))
    .returning(repo.TICKET_COLUMNS)
  await recordEvents(tx, t.id, actor, channel, events, now)
  const notifications: Array<Record<string, unknown>> = []
  if (set.assigneeId || set.teamId) {
    notifications.push({ event: 'ticket.assigned', ticketId: t.id, number: t.number, assigneeId: updated!.assigneeId, teamId: updated!.teamId })
  }
  // Every state change is recorded; the notification handler decides which ones the customer hears about.
  if (stateChange) notifications.push({ event: 'ticket.state_changed', ticketId: t.id, number: t.number, ...stateChange, actor: actorKey(actor) })
  await enqueue(
    tx,
    notifications.map((payload) => ({ kind: 'notification', payload, subject: `ticket:${t.id}` })),
    now,
  )
  return updated!
}

/**
 * Merges a ticket into another of the same organization: its messages, attachments and events
 * (but for its clocks' `sla.*` events) move to the target, the merged ticket points to it, is
 * closed and its clocks stop.
 */
export async function mergeTicket(deps: Deps, principal: Principal, id: string, input: MergeTicket): Promise<Ticket> {
  const now = deps.clock.now()
  const actor: Actor = actorOf(principal)
  const channel = requestChannel(principal)
  const row = await deps.db.transaction(async (tx) => {
    if (input.targetId === id) {
      throw new AppError('UNPROCESSABLE', 'a ticket cannot be merged into itself', { errors: [{ in: 'body', field: 'targetId', message: 'is the ticket itself' }] })
    }
    // Lock both in id order so two opposite merges cannot deadlock.
    const [a, b] = [id, input.targetId].sort()
    const first = await repo.findTicket(tx, a!, true)
    const second = await repo.findTicket(tx, b!, true)
    const source = first?.id === id ? first : second
    const target = first?.id === id ? second : first
    const scope = organizationScope(principal)
    if (!source || (scope && source.organizationId !== scope)) throw notFound('ticket', id)
    const targetErr = (message: string) => new AppError('UNPROCESSABLE', message, { errors: [{ in: 'body', field: 'targetId', message }] })
    if (!target || (scope && target.organizationId !== scope)) throw targetErr('no such ticket')
    if (target.organizationId !== source.organizationId) throw targetErr('the target belongs to another organization')
    if (source.mergedIntoId) throw new AppError('CONFLICT', `ticket ${id} was already merged into ${source.mergedIntoId}`)
    if (target.mergedIntoId) throw targetErr(`the target was merged into ${target.mergedIntoId}; merge into that ticket`)
    const closed = (await repo.allStates(tx)).filter((s) => s.category === 'closed' && s.active).sort((x, y) => x.position - y.position)[0]
    if (!closed) throw new AppError('CONFLICT', 'no active state of category closed is configured')

    await tx.update(ticketMessages).set({ ticketId: target.id }).where(eq(ticketMessages.ticketId, source.id))
    await tx.update(messageAttachments).set({ ticketId: target.id }).where(eq(messageAttachments.ticketId, source.id))
    // The source's clock events stay with its clocks, which do not move: on the target they would
    // mix another ticket's timelines and policy selection into its `/sla`.
    await tx
      .update(ticketEvents)
      .set({ ticketId: target.id })
      .where(and(eq(ticketEvents.ticketId, source.id), notLike(ticketEvents.type, 'sla.%')))
    const policy = await loadPolicy(tx, source.slaPolicyId)
    const clocks = await applyClockChange(tx, source.id, { kind: 'merged' }, policy, policy, source.priority, now)
    // The target's document gains the source's as it stands; the source keeps what reindex-search
    // would give it now that its messages are gone: its subject and those merged into it.
    await tx
      .update(tickets)
      .set({
        search: sql`${tickets.search} || (select source.search from tickets source where source.id = ${source.id})`,
        version: sql`${tickets.version} + 1`,
        updatedAt: now,
      })
      .where(eq(tickets.id, target.id))
    const sourceText = await searchDocumentText(tx, source.id, source.subject)
    const [merged] = await tx
      .update(tickets)
      .set({
        ...clocks.columns,
        search: sql`to_tsvector('simple', ${sourceText})`,
        mergedIntoId: target.id,
        stateId: closed.id,
        stateCategory: 'closed',
        closedAt: now,
        version: sql`${tickets.version} + 1`,
        updatedAt: now,
      })
      .where(eq(tickets.id, source.id))
      .returning(repo.TICKET_COLUMNS)
    await recordEvents(tx, source.id, actor, channel, [{ type: 'ticket.merged', field: 'mergedIntoId', old: null, new: target.id }, ...clocks.events], now)
    await recordEvents(tx, target.id, actor, channel, [{ type: 'ticket.merged_from', new: { ticketId: source.id, number: source.number } }], now)
    return merged!
  })
  return toTicket(row)
}

function toEvent(e: EventRow) {
  return {
    id: e.id,
    ticketId: e.ticketId,
    type: e.type,
    field: e.field,
    old: e.old,
    new: e.new,
    actor: e.actor,
    actorKind: e.actorKind,
    channel: e.channel,
    reason: e.reason,
    createdAt: e.createdAt.toISOString(),
  }
}

export async function listTicketEvents(deps: Deps, principal: Principal, id: string, q: { limit?: number; cursor?: string }) {
  await visibleTicket(deps.db, principal, id)
  const limit = q.limit ?? 50
  const after = decodeCursor('ticket-events', q.cursor, 1)
  if (after && typeof after[0] !== 'string') throw new AppError('INVALID_CURSOR', 'the cursor is malformed')
  // Internal notes stay internal: a contact does not even learn that one was written.
  const rows = await repo.listEvents(deps.db, id, after?.[0] as string | undefined, limit, principal.kind === 'contact')
  return toPage('ticket-events', rows, limit, (r) => [r.id], toEvent)
}

/**
 * Each clock with its timeline (from the event log) and why the ticket holds its policy: the trail
 * recorded by the selection that gave it (its `sla.policy_selected` event), not one recomputed
 * against today's policies, which could name one policy and justify another. Whether selection
 * with today's policies would pick another one is said apart (`reselection`): the ticket keeps its
 * policy until a fact selection looks at changes.
 */
export async function getTicketSla(deps: Deps, principal: Principal, id: string): Promise<TicketSla> {
  const t = await visibleTicket(deps.db, principal, id)
  const now = deps.clock.now().getTime()
  const policy = await loadPolicy(deps.db, t.slaPolicyId)
  const clocks = await loadClocks(deps.db, id)
  const events = await slaEvents(deps.db, id)
  const selected = events.filter((e) => e.type === 'sla.policy_selected').at(-1)
  const terms = await contractTerms(deps.db, t.contractId)
  const current = (await selectFor(deps.db, factsOf(t, terms.planId), terms.slaPolicyId)).applied
  return {
    ticketId: t.id,
    policy: policy ? { id: policy.policy.id, name: policy.policy.name } : null,
    selectedAt: selected ? selected.createdAt.toISOString() : null,
    clocks: clocks.map((c) => ({
      kind: c.kind,
      status: c.status,
      measure: c.measure,
      targetSeconds: c.targetSeconds,
      consumedSeconds: consumedAt(c, policy?.cal ?? null, now),
      dueAt: c.dueAt === null ? null : new Date(c.dueAt).toISOString(),
      warnAt: c.warnAt === null ? null : new Date(c.warnAt).toISOString(),
      metAt: c.metAt === null ? null : new Date(c.metAt).toISOString(),
      breached: isBreached(c, now),
      cycle: c.cycle,
      timeline: events
        .filter((e) => e.field === c.kind)
        .map((e) => {
          const n = (e.new ?? {}) as { dueAt?: string | null; consumedSeconds?: number; breached?: boolean }
          return {
            at: e.createdAt.toISOString(),
            event: e.type.slice(4),
            dueAt: n.dueAt ?? null,
            consumedSeconds: n.consumedSeconds ?? 0,
            ...(n.breached === undefined ? {} : { breached: n.breached }),
            ...(e.reason === null ? {} : { reason: e.reason }),
            actor: e.actor,
          }
        }),
    })),
    // Events recorded before the trail was kept in them have none: nothing is explained rather than the wrong thing.
    selection: (selected?.new as { trail?: TicketTrailEntry[] } | null)?.trail ?? [],
    reselection: {
      policy: current ? { id: current.policy.id, name: current.policy.name } : null,
      differs: (current?.policy.id ?? null) !== t.slaPolicyId,
    },
  }
}

