import { type Static, Type } from 'typebox'
import { TARGET_UNITS } from '../../lib/sla-due-times.ts'
import { PRIORITIES } from '../../lib/sla-selection.ts'
import { Body, DateTime, ListOf, Name, Nullable, PageQuery, PatchBody, StringEnum, Uuid } from '../../lib/schemas.ts'

export const Priority = StringEnum(PRIORITIES)

export const Target = Type.Object(
  { value: Type.Integer({ minimum: 1, maximum: 1_000_000 }), unit: StringEnum(TARGET_UNITS) },
  { additionalProperties: false },
)
export const PriorityTargets = Type.Object(
  { firstResponse: Type.Optional(Target), nextResponse: Type.Optional(Target), resolution: Type.Optional(Target) },
  { additionalProperties: false },
)
/** One entry per priority (a fixed set: an unknown priority is an unknown field). */
export const Targets = Type.Object(
  {
    low: Type.Optional(PriorityTargets),
    normal: Type.Optional(PriorityTargets),
    high: Type.Optional(PriorityTargets),
    urgent: Type.Optional(PriorityTargets),
  },
  { additionalProperties: false },
)

/** Exactly one of `percent` or `minutesBefore`. */
export const Warning = Type.Object(
  {
    percent: Type.Optional(Type.Integer({ minimum: 1, maximum: 99, description: 'warn when this share of the target has elapsed' })),
    minutesBefore: Type.Optional(Type.Integer({ minimum: 1, maximum: 525_600, description: 'warn this many minutes before the due time' })),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1 },
)

// Plan, contract, ticket type and queue ids are checked for uuid format only: their tables are
// built separately, and a policy may be written before the things it will apply to.
const Ids = Type.Optional(Type.Array(Uuid(), { maxItems: 500, uniqueItems: true }))
export const Conditions = Type.Object(
  {
    organizationIds: Ids,
    planIds: Ids,
    contractIds: Ids,
    siteIds: Ids,
    equipmentIds: Ids,
    ticketTypeIds: Ids,
    queueIds: Ids,
    priorities: Type.Optional(Type.Array(Priority, { uniqueItems: true })),
  },
  { additionalProperties: false, description: 'each list restricts one dimension; absent or empty means any' },
)

export const SlaPolicy = Type.Object({
  id: Uuid(),
  name: Type.String(),
  calendarId: Nullable(Uuid()),
  targets: Targets,
  warning: Nullable(Warning),
  conditions: Conditions,
  rank: Type.Integer(),
  active: Type.Boolean(),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type SlaPolicy = Static<typeof SlaPolicy>

const Rank = Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'tie-breaker between equally specific policies; lower wins; unique among active policies' })
const writable = {
  name: Name(),
  calendarId: Type.Optional(Nullable(Uuid({ description: 'required unless every target is in calendar minutes' }))),
  targets: Targets,
  warning: Type.Optional(Nullable(Warning)),
  conditions: Type.Optional(Conditions),
  rank: Rank,
}
export const CreateSlaPolicy = Body(writable)
export type CreateSlaPolicy = Static<typeof CreateSlaPolicy>
export const UpdateSlaPolicy = PatchBody(Type.Object({ ...writable, active: Type.Boolean() }))
export type UpdateSlaPolicy = Static<typeof UpdateSlaPolicy>

export const ListSlaPoliciesQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of the name' })),
    active: Type.Optional(Type.Boolean()),
    calendarId: Type.Optional(Uuid()),
  },
  { additionalProperties: false },
)
export type ListSlaPoliciesQuery = Static<typeof ListSlaPoliciesQuery>
export const SlaPolicyList = ListOf(SlaPolicy)

export const DryRunBody = Body({
  organizationId: Uuid(),
  planId: Type.Optional(Nullable(Uuid())),
  contractId: Type.Optional(Nullable(Uuid())),
  siteId: Type.Optional(Nullable(Uuid())),
  equipmentId: Type.Optional(Nullable(Uuid())),
  ticketTypeId: Type.Optional(Nullable(Uuid())),
  queueId: Type.Optional(Nullable(Uuid())),
  priority: Priority,
  at: Type.Optional(DateTime({ description: 'when the ticket starts; default now' })),
})
export type DryRunBody = Static<typeof DryRunBody>

const Dimension = Type.String()
export const TrailEntry = Type.Object({
  policyId: Uuid(),
  name: Type.String(),
  rank: Type.Integer(),
  constrains: Type.Array(Dimension),
  specificity: Type.Integer(),
  matched: Type.Boolean(),
  conditions: Type.Array(
    Type.Object({ dimension: Dimension, matched: Type.Boolean(), reason: Type.Optional(Type.String()) }),
  ),
  outcome: StringEnum(['selected', 'less_specific', 'lost_on_rank', 'not_matching'] as const),
  reason: Type.String(),
})

export const DueTimes = Type.Object({
  startedAt: DateTime(),
  firstResponseDueAt: Type.Optional(DateTime()),
  nextResponseDueAt: Type.Optional(DateTime()),
  resolutionDueAt: Type.Optional(DateTime()),
  warnings: Type.Object({
    firstResponseWarnAt: Type.Optional(DateTime()),
    nextResponseWarnAt: Type.Optional(DateTime()),
    resolutionWarnAt: Type.Optional(DateTime()),
  }),
})
export const DryRunResult = Type.Object({
  policy: Nullable(Type.Object({ id: Uuid(), name: Type.String() })),
  trail: Type.Array(TrailEntry),
  dueTimes: Nullable(DueTimes),
})
export type DryRunResult = Static<typeof DryRunResult>
