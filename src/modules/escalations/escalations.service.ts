import { eq } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import type { Channel } from '../../db/schema/directory.ts'
import { type EscalationAction, escalations, tickets } from '../../db/schema/index.ts'
import { PRIORITIES, PRIORITY_INFO } from '../../db/schema/ticket-config.ts'
import type { Deps } from '../../deps.ts'
import { advance } from '../../lib/sla-clock.ts'
import { AppError, notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import type { Principal } from '../../lib/principal.ts'
import { matchesConditions } from '../../lib/sla-selection.ts'
import { describeConstraint } from '../../plugins/problem-details.ts'
import { type Notification, notify, ownerOf, recipients } from '../automation/notifications.ts'
import { type Actor, actorOf, recordEvents, requestChannel } from '../tickets/events.ts'
import { type AppliedPolicy, loadPolicy, toClock } from '../tickets/sla.service.ts'
import { applyTicketPatch } from '../tickets/tickets.service.ts'
import type { UpdateTicket } from '../tickets/tickets.schemas.ts'
import { findTicket, TICKET_COLUMNS, type TicketRow } from '../tickets/tickets.repo.ts'
import * as repo from './escalations.repo.ts'
import type {
  CreateEscalationRule,
  DecideEscalation,
  Escalation,
  EscalationRule,
  ListEscalationRulesQuery,
  ListEscalationsQuery,
  UpdateEscalationRule,
} from './escalations.schemas.ts'

describeConstraint('escalation_rules_name_key', 'name', 'an escalation rule with this name already exists')

const iso = (d: Date | null) => (d === null ? null : d.toISOString())

export const toRule = (r: repo.RuleRow): EscalationRule => ({
  id: r.id,
  name: r.name,
  level: r.level,
  trigger: r.trigger,
  clock: r.clock,
  percentElapsed: r.percentElapsed,
  minutesAfterBreach: r.minutesAfterBreach,
  minutes: r.minutes,
  conditions: r.conditions,
  actions: r.actions as EscalationRule['actions'],
  requiresApproval: r.requiresApproval,
  active: r.active,
  version: r.version,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
})

export const toEscalation = (r: repo.EscalationRow): Escalation => ({
  id: r.id,
  ruleId: r.ruleId,
  ticketId: r.ticketId,
  triggerAt: r.triggerAt.toISOString(),
  level: r.level,
  status: r.status,
  decidedBy: r.decidedBy,
  decidedAt: iso(r.decidedAt),
  reason: r.reason,
  createdAt: r.createdAt.toISOString(),
})

type RuleShape = Pick<repo.RuleRow, 'trigger' | 'clock' | 'percentElapsed' | 'minutesAfterBreach' | 'minutes'>

/** Each trigger takes exactly the parameters it uses, so a rule never silently ignores one. */
function checkShape(r: RuleShape): void {
  const bad = (field: string, message: string) => new AppError('VALIDATION_FAILED', `${field} ${message}`, { errors: [{ in: 'body', field, message }] })
  const sla = r.trigger === 'sla.warning' || r.trigger === 'sla.breached'
  if (sla && !r.clock) throw bad('clock', `is required for ${r.trigger}`)
  if (!sla && r.clock) throw bad('clock', `applies only to SLA triggers, not ${r.trigger}`)
  if (r.percentElapsed !== null && r.trigger !== 'sla.warning') throw bad('percentElapsed', 'applies only to sla.warning')
  if (r.minutesAfterBreach !== null && r.trigger !== 'sla.breached') throw bad('minutesAfterBreach', 'applies only to sla.breached')
  if (sla && r.minutes !== null) throw bad('minutes', `does not apply to ${r.trigger}`)
  if ((r.trigger === 'unassigned' || r.trigger === 'no_agent_reply') && r.minutes === null) throw bad('minutes', `is required for ${r.trigger}`)
}

export async function createRule(deps: Deps, input: CreateEscalationRule): Promise<EscalationRule> {
  const now = deps.clock.now()
  const row = {
    name: input.name.trim(),
    level: input.level ?? 1,
    trigger: input.trigger,
    clock: input.clock ?? null,
    percentElapsed: input.percentElapsed ?? null,
    minutesAfterBreach: input.minutesAfterBreach ?? null,
    minutes: input.minutes ?? null,
    conditions: input.conditions ?? {},
    actions: input.actions as EscalationAction[],
    requiresApproval: input.requiresApproval ?? false,
    createdAt: now,
    updatedAt: now,
  }
  checkShape(row)
  return toRule(await repo.insertRule(deps.db, row))
}

export async function getRule(deps: Deps, id: string): Promise<EscalationRule> {
  const r = await repo.findRule(deps.db, id)
  if (!r) throw notFound('escalation rule', id)
  return toRule(r)
}

export const listRules = (deps: Deps, q: ListEscalationRulesQuery): Promise<Page<EscalationRule>> => repo.listRules(deps.db, { ...q, limit: q.limit ?? 50 }, toRule)

export async function updateRule(deps: Deps, id: string, version: number | undefined, patch: UpdateEscalationRule): Promise<EscalationRule> {
  return deps.db.transaction(async (tx) => {
    const current = await repo.findRule(tx, id)
    if (!current) throw notFound('escalation rule', id)
    const changes = { ...patch, ...(patch.name ? { name: patch.name.trim() } : {}) } as Partial<repo.RuleRow>
    checkShape({ ...current, ...changes })
    return toRule(await repo.updateRule(tx, id, version, changes, deps.clock.now()))
  })
}

export const deactivateRule = (deps: Deps, id: string, version: number | undefined) => updateRule(deps, id, version, { active: false })

export const listEscalations = (deps: Deps, q: ListEscalationsQuery): Promise<Page<Escalation>> =>
  repo.listEscalations(deps.db, { ...q, limit: q.limit ?? 50 }, toEscalation)

type Candidate = Awaited<ReturnType<typeof repo.candidates>>[number]

/** The instant a rule's trigger is reached for a ticket (null: not computable, e.g. a paused clock). */
function triggerAt(rule: repo.RuleRow, c: Candidate, applied: AppliedPolicy | null): Date | null {
  const t = c.ticket
  const minutes = (rule.minutes ?? 0) * 60_000
  switch (rule.trigger) {
    case 'sla.warning': {
      const clock = c.clock && toClock(c.clock)
      if (!clock || clock.runningSince === null) return null
      if (rule.percentElapsed === null) return clock.warnAt === null ? null : new Date(clock.warnAt)
      const at = Math.floor((clock.targetSeconds * rule.percentElapsed) / 100)
      const left = at - clock.consumedSeconds
      return new Date(left <= 0 ? clock.runningSince : advance(clock.measure, applied?.cal ?? null, clock.runningSince, left))
    }
    case 'sla.breached':
      return c.clock?.dueAt ? new Date(c.clock.dueAt.getTime() + (rule.minutesAfterBreach ?? 0) * 60_000) : null
    case 'unassigned':
      // Business minutes on the ticket's SLA calendar; wall-clock minutes when it has none.
      return new Date(applied?.cal ? advance('business', applied.cal, t.createdAt.getTime(), (rule.minutes ?? 0) * 60) : t.createdAt.getTime() + minutes)
    case 'no_agent_reply':
      return t.lastCustomerMessageAt && new Date(t.lastCustomerMessageAt.getTime() + minutes)
    case 'urgent_unacknowledged':
      return new Date(t.createdAt.getTime() + minutes)
  }
}

const ruleSummary = (rule: repo.RuleRow, e: repo.EscalationRow) => ({
  escalationId: e.id,
  ruleId: rule.id,
  ruleName: rule.name,
  level: rule.level,
  trigger: rule.trigger,
  clock: rule.clock,
  triggerAt: e.triggerAt.toISOString(),
  actions: rule.actions,
})

/** The ticket changes a rule's actions make (one PATCH), and whom its notify actions tell. */
async function plan(tx: Db, t: TicketRow, actions: EscalationAction[]) {
  const patch: UpdateTicket = {}
  const who = { agentIds: [] as Array<string | null>, teamIds: [] as Array<string | null>, managerIds: [] as string[] }
  const unmatched: string[] = []
  for (const a of actions) {
    switch (a.type) {
      case 'notify':
        who.agentIds.push(...(a.agentIds ?? []))
        who.teamIds.push(...(a.teamIds ?? []))
        who.managerIds.push(...(a.managerIds ?? []))
        if (a.owner) {
          if (t.assigneeId) who.agentIds.push(t.assigneeId)
          else who.teamIds.push(t.teamId)
        }
        break
      case 'reassign':
        if (a.teamId) patch.teamId = a.teamId
        if (a.agentId) patch.assigneeId = a.agentId
        break
      case 'reassign_by_skill': {
        const agentId = await repo.agentBySkill(tx, a.teamId, a.skill)
        patch.teamId = a.teamId
        if (agentId) patch.assigneeId = agentId
        else unmatched.push(a.skill)
        break
      }
      case 'raise_priority': {
        const current = PRIORITY_INFO[patch.priority ?? t.priority].rank
        const to = a.to ?? PRIORITIES[Math.min(current, PRIORITIES.length - 1)]!
        if (PRIORITY_INFO[to].rank > current) patch.priority = to
        break
      }
      case 'add_tag': {
        const tags = patch.tags ?? t.tags
        if (!tags.includes(a.tag)) patch.tags = [...tags, a.tag]
        break
      }
    }
  }
  return { patch, who, unmatched }
}

/**
 * Runs a rule's actions on a locked ticket: one PATCH (with its own events), then the notification.
 * `channel`: the approving request's, or null when the job fires the rule.
 */
async function act(tx: Db, t: TicketRow, rule: repo.RuleRow, e: repo.EscalationRow, actor: Actor, channel: Channel | null, event: string, now: Date, extra: Record<string, unknown> = {}) {
  const { patch, who, unmatched } = await plan(tx, t, rule.actions)
  const updated = Object.keys(patch).length ? await applyTicketPatch(tx, t, actor, channel, patch, now) : t
  const summary = { ...ruleSummary(rule, e), ...extra, ...(unmatched.length ? { noAgentWithSkill: unmatched } : {}) }
  await recordEvents(tx, t.id, actor, channel, [{ type: event, new: summary }], now)
  if (who.agentIds.length || who.teamIds.length || who.managerIds.length) {
    const payload: Notification = { event, ticketId: t.id, number: t.number, ...summary, notify: recipients(who) }
    await notify(tx, [{ payload, dedupeKey: `${event}:${e.id}` }], now)
  }
  return updated
}

export const ESCALATION_ACTOR = (ruleId: string): Actor => ({ kind: 'system', id: `escalation:${ruleId}` })

/**
 * The escalations job: for each active rule in level order, the open tickets matching its
 * conditions whose trigger instant has come. Each (rule, ticket, trigger instant) is recorded
 * once (unique key); a rule needing approval only proposes (event, managers notified). Tickets
 * locked by someone else are skipped and tried at the next tick.
 */
export async function runEscalations(deps: Deps, now: Date): Promise<{ fired: number; proposed: number; [k: string]: number }> {
  const summary = { fired: 0, proposed: 0 }
  const policies = new Map<string, AppliedPolicy | null>()
  const policyOf = async (id: string | null) => {
    if (!id) return null
    if (!policies.has(id)) policies.set(id, await loadPolicy(deps.db, id))
    return policies.get(id)!
  }
  for (const rule of await repo.activeRules(deps.db)) {
    for (const c of await repo.candidates(deps.db, rule, now)) {
      const t = c.ticket
      if (!matchesConditions(rule.conditions, { ...t, planId: c.planId })) continue
      const at = triggerAt(rule, c, await policyOf(c.clock?.policyId ?? t.slaPolicyId))
      if (!at || at.getTime() > now.getTime()) continue
      await deps.db.transaction(async (tx) => {
        const [locked] = await tx.select(TICKET_COLUMNS).from(tickets).where(eq(tickets.id, t.id)).for('update', { skipLocked: true })
        if (!locked) return
        const e = await repo.insertEscalation(tx, { ruleId: rule.id, ticketId: t.id, triggerAt: at, level: rule.level, status: rule.requiresApproval ? 'proposed' : 'fired', createdAt: now })
        if (!e) return
        if (!rule.requiresApproval) {
          await act(tx, locked, rule, e, ESCALATION_ACTOR(rule.id), null, 'escalation.fired', now)
          summary.fired++
          return
        }
        const managers = await repo.approvers(tx, c.managerId)
        const proposal = ruleSummary(rule, e)
        await recordEvents(tx, t.id, ESCALATION_ACTOR(rule.id), null, [{ type: 'escalation.proposed', new: proposal }], now)
        const payload: Notification = { event: 'escalation.proposed', ticketId: t.id, number: t.number, ...proposal, notify: recipients({ managerIds: managers }) }
        await notify(tx, [{ payload, dedupeKey: `escalation.proposed:${e.id}` }], now)
        summary.proposed++
      })
    }
  }
  return summary
}

/** A manager's decision on a proposed escalation: approving runs the actions now, as that manager. */
export async function decideEscalation(deps: Deps, principal: Principal, id: string, decision: 'approved' | 'rejected', input: DecideEscalation): Promise<Escalation> {
  const now = deps.clock.now()
  const row = await deps.db.transaction(async (tx) => {
    const e = await repo.findEscalation(tx, id, true)
    if (!e) throw notFound('escalation', id)
    if (e.status !== 'proposed') throw new AppError('CONFLICT', `escalation ${id} is ${e.status}; only a proposed escalation can be approved or rejected`)
    const rule = (await repo.findRule(tx, e.ruleId))!
    const t = await findTicket(tx, e.ticketId, true)
    const actor = actorOf(principal)
    const channel = requestChannel(principal)
    const extra = { decidedBy: principal.id, reason: input.reason ?? null }
    if (decision === 'approved') await act(tx, t!, rule, e, actor, channel, 'escalation.approved', now, extra)
    else {
      await recordEvents(tx, t!.id, actor, channel, [{ type: 'escalation.rejected', new: { ...ruleSummary(rule, e), ...extra }, reason: input.reason ?? null }], now)
      const payload: Notification = { event: 'escalation.rejected', ticketId: t!.id, number: t!.number, ...ruleSummary(rule, e), ...extra, notify: recipients(ownerOf(t!)) }
      await notify(tx, [{ payload, dedupeKey: `escalation.rejected:${e.id}` }], now)
    }
    const [done] = await tx
      .update(escalations)
      .set({ status: decision, decidedBy: principal.id, decidedAt: now, reason: input.reason ?? null })
      .where(eq(escalations.id, id))
      .returning()
    return done!
  })
  return toEscalation(row)
}
