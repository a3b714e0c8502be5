import { sql } from 'drizzle-orm'
import { boolean, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import type { ClockKind } from '../../lib/sla-clock.ts'
import type { PolicyConditions } from '../../lib/sla-selection.ts'
import { id, timestamps, version } from './_columns.ts'
import { agents } from './agents.ts'
import type { Priority } from './ticket-config.ts'
import { tickets } from './tickets.ts'

export const ESCALATION_TRIGGERS = ['sla.warning', 'sla.breached', 'unassigned', 'no_agent_reply', 'urgent_unacknowledged'] as const
export type EscalationTrigger = (typeof ESCALATION_TRIGGERS)[number]

export type EscalationAction =
  | { type: 'notify'; agentIds?: string[]; teamIds?: string[]; managerIds?: string[]; owner?: boolean }
  | { type: 'reassign'; teamId?: string; agentId?: string }
  | { type: 'reassign_by_skill'; teamId: string; skill: string }
  | { type: 'raise_priority'; to?: Priority }
  | { type: 'add_tag'; tag: string }

/**
 * When (a trigger, with its parameters) → for which tickets (conditions, as in SLA policy
 * selection) → do what (actions, in order). `level` orders the rules of one escalation path
 * (level 1 at 75 %, level 2 at the breach, level 3 two hours after it): in one run, lower levels
 * fire first.
 */
export const escalationRules = pgTable(
  'escalation_rules',
  {
    id: id(),
    name: text().notNull(),
    level: integer().notNull().default(1),
    trigger: text().$type<EscalationTrigger>().notNull(),
    /** For SLA triggers: which clock. */
    clock: text().$type<ClockKind>(),
    /** `sla.warning` only: fire when this share of the target has elapsed, instead of at the policy's warning instant. */
    percentElapsed: integer(),
    /** `sla.breached` only: fire this many minutes after the due instant. */
    minutesAfterBreach: integer(),
    /** `unassigned` (business minutes), `no_agent_reply` and `urgent_unacknowledged` (minutes). */
    minutes: integer(),
    conditions: jsonb().$type<PolicyConditions>().notNull().default(sql`'{}'::jsonb`),
    actions: jsonb().$type<EscalationAction[]>().notNull(),
    requiresApproval: boolean().notNull().default(false),
    active: boolean().notNull().default(true),
    version: version(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('escalation_rules_name_key').on(sql`lower(${t.name})`),
    // The escalations job: active rules in level order.
    index('escalation_rules_active_level_idx').on(t.level).where(sql`${t.active}`),
    check('escalation_rules_trigger_check', sql`${t.trigger} in ('sla.warning', 'sla.breached', 'unassigned', 'no_agent_reply', 'urgent_unacknowledged')`),
    check('escalation_rules_clock_check', sql`(${t.trigger} like 'sla.%') = (${t.clock} is not null)`),
    check('escalation_rules_level_check', sql`${t.level} between 1 and 100`),
  ],
)

export const ESCALATION_STATUSES = ['fired', 'proposed', 'approved', 'rejected'] as const
export type EscalationStatus = (typeof ESCALATION_STATUSES)[number]

/**
 * One row per (rule, ticket, trigger instant): the unique key makes each escalation happen once
 * across instances and reruns, and a new trigger instant (a new due time) may escalate again.
 * A rule needing approval writes `proposed`; a manager moves it to `approved` (the actions run
 * then) or `rejected`.
 */
export const escalations = pgTable(
  'escalations',
  {
    id: id(),
    ruleId: uuid()
      .notNull()
      .references(() => escalationRules.id),
    ticketId: uuid()
      .notNull()
      .references(() => tickets.id),
    triggerAt: timestamp({ withTimezone: true }).notNull(),
    level: integer().notNull(),
    status: text().$type<EscalationStatus>().notNull(),
    decidedBy: uuid().references(() => agents.id),
    decidedAt: timestamp({ withTimezone: true }),
    reason: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('escalations_rule_ticket_trigger_key').on(t.ruleId, t.ticketId, t.triggerAt),
    // A ticket's escalations (its path).
    index('escalations_ticket_idx').on(t.ticketId, t.id),
    // Proposals waiting for a manager.
    index('escalations_proposed_idx')
      .on(t.id)
      .where(sql`${t.status} = 'proposed'`),
    check('escalations_status_check', sql`${t.status} in ('fired', 'proposed', 'approved', 'rejected')`),
  ],
)
