import { type Static, Type } from 'typebox'
import { ESCALATION_STATUSES, ESCALATION_TRIGGERS } from '../../db/schema/escalations.ts'
import { CLOCK_KINDS } from '../../lib/sla-clock.ts'
import { Body, DateTime, ListOf, Name, Nullable, PageQuery, PatchBody, ShortText, StringEnum, Tag, Uuid } from '../../lib/schemas.ts'
import { Conditions, Priority } from '../sla-policies/sla-policies.schemas.ts'

const Ids = Type.Optional(Type.Array(Uuid(), { maxItems: 100, uniqueItems: true }))

export const EscalationAction = Type.Union([
  Type.Object(
    {
      type: Type.Literal('notify'),
      agentIds: Ids,
      teamIds: Ids,
      managerIds: Ids,
      owner: Type.Optional(Type.Boolean({ description: "also the ticket's assignee (or its team when unassigned)" })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('reassign'), teamId: Type.Optional(Uuid()), agentId: Type.Optional(Uuid()) }, { additionalProperties: false, minProperties: 2 }),
  Type.Object(
    { type: Type.Literal('reassign_by_skill'), teamId: Uuid(), skill: Tag({ description: 'an agent of the team with this skill and the fewest open tickets' }) },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('raise_priority'), to: Type.Optional(Priority) }, { additionalProperties: false, description: 'to the given priority, else one step up' }),
  Type.Object({ type: Type.Literal('add_tag'), tag: Tag() }, { additionalProperties: false }),
])

export const EscalationRule = Type.Object({
  id: Uuid(),
  name: Type.String(),
  level: Type.Integer(),
  trigger: StringEnum(ESCALATION_TRIGGERS),
  clock: Nullable(StringEnum(CLOCK_KINDS)),
  percentElapsed: Nullable(Type.Integer()),
  minutesAfterBreach: Nullable(Type.Integer()),
  minutes: Nullable(Type.Integer()),
  conditions: Conditions,
  actions: Type.Array(EscalationAction),
  requiresApproval: Type.Boolean(),
  active: Type.Boolean(),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type EscalationRule = Static<typeof EscalationRule>

const writable = {
  name: Name(),
  level: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'lower levels fire first' })),
  trigger: StringEnum(ESCALATION_TRIGGERS),
  clock: Type.Optional(Nullable(StringEnum(CLOCK_KINDS, { description: 'required for sla.warning and sla.breached' }))),
  percentElapsed: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 99, description: 'sla.warning: when this share of the target has elapsed' }))),
  minutesAfterBreach: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 525_600, description: 'sla.breached: this long after the due time' }))),
  minutes: Type.Optional(
    Nullable(Type.Integer({ minimum: 1, maximum: 525_600, description: 'unassigned (business minutes), no_agent_reply and urgent_unacknowledged (minutes)' })),
  ),
  conditions: Type.Optional(Conditions),
  actions: Type.Array(EscalationAction, { minItems: 1, maxItems: 20 }),
  requiresApproval: Type.Optional(Type.Boolean({ description: 'propose the escalation; a manager approves or rejects it' })),
}
export const CreateEscalationRule = Body(writable)
export type CreateEscalationRule = Static<typeof CreateEscalationRule>
export const UpdateEscalationRule = PatchBody(Type.Object({ ...writable, active: Type.Boolean() }))
export type UpdateEscalationRule = Static<typeof UpdateEscalationRule>

export const ListEscalationRulesQuery = Type.Object(
  { ...PageQuery, trigger: Type.Optional(StringEnum(ESCALATION_TRIGGERS)), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
)
export type ListEscalationRulesQuery = Static<typeof ListEscalationRulesQuery>
export const EscalationRuleList = ListOf(EscalationRule)

export const Escalation = Type.Object({
  id: Uuid(),
  ruleId: Uuid(),
  ticketId: Uuid(),
  triggerAt: DateTime(),
  level: Type.Integer(),
  status: StringEnum(ESCALATION_STATUSES),
  decidedBy: Nullable(Uuid()),
  decidedAt: Nullable(DateTime()),
  reason: Nullable(Type.String()),
  createdAt: DateTime(),
})
export type Escalation = Static<typeof Escalation>
export const EscalationList = ListOf(Escalation)
export const ListEscalationsQuery = Type.Object(
  { ...PageQuery, ticketId: Type.Optional(Uuid()), status: Type.Optional(StringEnum(ESCALATION_STATUSES)) },
  { additionalProperties: false },
)
export type ListEscalationsQuery = Static<typeof ListEscalationsQuery>
export const DecideEscalation = Body({ reason: Type.Optional(ShortText({ minLength: 1, maxLength: 1000 })) })
export type DecideEscalation = Static<typeof DecideEscalation>
