import { type Static, Type } from 'typebox'
import { CHANNELS } from '../../db/schema/directory.ts'
import { PRIORITIES, STATE_CATEGORIES } from '../../db/schema/ticket-config.ts'
import { AUTHOR_KINDS, MESSAGE_VISIBILITIES } from '../../db/schema/tickets.ts'
import { CLOCK_KINDS, CLOCK_STATUSES } from '../../lib/sla-clock.ts'
import { Body, DateTime, ListOf, LongText, Nullable, PageQuery, PatchBody, StringEnum, Tag, Uuid } from '../../lib/schemas.ts'

const Channel = StringEnum(CHANNELS)
const Priority = StringEnum(PRIORITIES)
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max })

export const Description = Type.Object(
  {
    text: Type.Optional(Nullable(Type.String({ maxLength: 100_000 }))),
    steps: Type.Optional(Nullable(LongText())),
    expectedResult: Type.Optional(Nullable(LongText())),
    section: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  },
  { additionalProperties: false },
)

export const Ticket = Type.Object({
  id: Uuid(),
  number: Type.Integer({ description: 'the human number (#1234); never changes' }),
  subject: Type.String(),
  description: Description,
  channel: Channel,
  requesterId: Uuid(),
  organizationId: Uuid(),
  contractId: Nullable(Uuid()),
  siteId: Nullable(Uuid()),
  equipmentId: Nullable(Uuid()),
  queueId: Uuid(),
  ticketTypeId: Nullable(Uuid()),
  priority: Priority,
  stateId: Uuid(),
  stateCategory: StringEnum(STATE_CATEGORIES),
  assigneeId: Nullable(Uuid()),
  teamId: Nullable(Uuid()),
  tags: Type.Array(Type.String()),
  billable: Type.Boolean(),
  billableReason: Nullable(Type.String()),
  slaPolicyId: Nullable(Uuid()),
  firstResponseDueAt: Nullable(DateTime()),
  nextResponseDueAt: Nullable(DateTime()),
  resolutionDueAt: Nullable(DateTime()),
  nextDueAt: Nullable(DateTime()),
  firstResponseAt: Nullable(DateTime()),
  resolvedAt: Nullable(DateTime()),
  closedAt: Nullable(DateTime()),
  lastCustomerMessageAt: Nullable(DateTime()),
  lastAgentReplyAt: Nullable(DateTime()),
  mergedIntoId: Nullable(Uuid()),
  gateOverrideReason: Nullable(Type.String()),
  createdBy: Type.String(),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type Ticket = Static<typeof Ticket>

export const CreateTicket = Body({
  requesterId: Type.Optional(Uuid({ description: 'the contact asking; or give requesterEmail' })),
  requesterEmail: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
  subject: Text(500),
  description: Type.Optional(Description),
  bodyHtml: Type.Optional(Type.String({ maxLength: 500_000, description: 'the request as HTML (sanitised); its text is used when description.text is absent' })),
  channel: Type.Optional(Channel),
  queueId: Uuid({ description: 'required: the API has no default department' }),
  ticketTypeId: Type.Optional(Uuid()),
  priority: Type.Optional(Priority),
  siteId: Type.Optional(Uuid()),
  equipmentId: Type.Optional(Uuid()),
  tags: Type.Optional(Type.Array(Tag(), { maxItems: 50, uniqueItems: true })),
  gateOverrideReason: Type.Optional(Text(2000)),
})
export type CreateTicket = Static<typeof CreateTicket>

export const UpdateTicket = PatchBody(
  Type.Object({
    subject: Text(500),
    assigneeId: Nullable(Uuid()),
    teamId: Nullable(Uuid()),
    queueId: Uuid(),
    ticketTypeId: Nullable(Uuid()),
    priority: Priority,
    siteId: Nullable(Uuid({ description: "a site of the ticket's organization" })),
    equipmentId: Nullable(Uuid({ description: "equipment of the ticket's organization" })),
    state: Type.String({ minLength: 1, maxLength: 64, description: 'the key of the target state' }),
    tags: Type.Array(Tag(), { maxItems: 50, uniqueItems: true }),
    billable: Type.Boolean(),
    billableReason: Text(2000),
  }),
)
export type UpdateTicket = Static<typeof UpdateTicket>

export const TICKET_SORTS = ['created', 'updated', 'due'] as const
const CsvList = <T extends readonly string[]>(values: T) => Type.Array(StringEnum(values), { maxItems: values.length })

export const ListTicketsQuery = Type.Object(
  {
    ...PageQuery,
    sort: Type.Optional(StringEnum(TICKET_SORTS, { default: 'updated', description: 'created and updated: newest first; due: soonest first, none last' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'full-text search over subject and public messages (web search syntax)' })),
    state: Type.Optional(Type.String({ maxLength: 64, description: 'a state key' })),
    stateCategory: Type.Optional(CsvList(STATE_CATEGORIES)),
    queueId: Type.Optional(Uuid()),
    ticketTypeId: Type.Optional(Uuid()),
    priority: Type.Optional(CsvList(PRIORITIES)),
    organizationId: Type.Optional(Uuid()),
    requesterId: Type.Optional(Uuid()),
    assigneeId: Type.Optional(Type.Union([Uuid(), Type.Literal('unassigned')])),
    teamId: Type.Optional(Uuid()),
    contractId: Type.Optional(Uuid()),
    tag: Type.Optional(Tag()),
    channel: Type.Optional(Channel),
    createdFrom: Type.Optional(DateTime()),
    createdTo: Type.Optional(DateTime()),
    updatedFrom: Type.Optional(DateTime()),
    updatedTo: Type.Optional(DateTime()),
    dueBefore: Type.Optional(DateTime({ description: 'the next due instant is before this' })),
    breached: Type.Optional(Type.Boolean({ description: 'some clock is past due or was met late' })),
  },
  { additionalProperties: false },
)
export type ListTicketsQuery = Static<typeof ListTicketsQuery>
export const TicketList = ListOf(Ticket)

export const MergeTicket = Body({ targetId: Uuid() })
export type MergeTicket = Static<typeof MergeTicket>

export const Attachment = Type.Object({
  id: Uuid(),
  messageId: Uuid(),
  filename: Type.String(),
  contentType: Type.String(),
  size: Type.Integer(),
  inline: Type.Boolean(),
  contentId: Nullable(Type.String()),
  url: Type.String(),
})

export const Message = Type.Object({
  id: Uuid(),
  ticketId: Uuid(),
  visibility: StringEnum(MESSAGE_VISIBILITIES),
  authorKind: StringEnum(AUTHOR_KINDS),
  authorContactId: Nullable(Uuid()),
  authorAgentId: Nullable(Uuid()),
  channel: Channel,
  bodyText: Type.String(),
  bodyHtml: Nullable(Type.String()),
  attachments: Type.Array(Attachment),
  createdAt: DateTime(),
})
export type Message = Static<typeof Message>
export const MessageList = ListOf(Message)

export const CreateMessage = Body({
  visibility: StringEnum(MESSAGE_VISIBILITIES),
  bodyText: Type.Optional(Type.String({ minLength: 1, maxLength: 100_000 })),
  bodyHtml: Type.Optional(Type.String({ minLength: 1, maxLength: 500_000 })),
  channel: Type.Optional(Channel),
})
export type CreateMessage = Static<typeof CreateMessage>

export const Event = Type.Object({
  id: Uuid(),
  ticketId: Uuid(),
  type: Type.String(),
  field: Nullable(Type.String()),
  old: Type.Unknown(),
  new: Type.Unknown(),
  actor: Type.String(),
  actorKind: Type.String(),
  channel: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  createdAt: DateTime(),
})
export const EventList = ListOf(Event)
export const EventsQuery = Type.Object({ ...PageQuery }, { additionalProperties: false })

const ClockView = Type.Object({
  kind: StringEnum(CLOCK_KINDS),
  status: StringEnum(CLOCK_STATUSES),
  measure: StringEnum(['business', 'calendar'] as const),
  targetSeconds: Type.Integer(),
  consumedSeconds: Type.Integer({ description: 'business (or elapsed) seconds consumed as of now' }),
  dueAt: Nullable(DateTime()),
  warnAt: Nullable(DateTime()),
  metAt: Nullable(DateTime()),
  breached: Type.Boolean(),
  cycle: Type.Integer(),
  timeline: Type.Array(
    Type.Object({
      at: DateTime(),
      event: Type.String({
        description:
          'started, started_paused, paused, resumed, resumed_paused (running again, but paused: the ticket waits on the customer), reopened, retargeted, met or stopped',
      }),
      dueAt: Nullable(DateTime()),
      consumedSeconds: Type.Integer(),
      breached: Type.Optional(Type.Boolean()),
      reason: Type.Optional(
        Type.String({
          description:
            'why a clock stopped: no_policy (no policy applies to the ticket) or no_target (its policy sets no target for this clock at its priority), after which it resumes when a policy sets it one while the ticket is open; resolved, closed or merged: it ended with the work (reopening a ticket measures its resolution again)',
        }),
      ),
      actor: Type.String(),
    }),
  ),
})
export const TicketSla = Type.Object({
  ticketId: Uuid(),
  policy: Nullable(Type.Object({ id: Uuid(), name: Type.String() })),
  clocks: Type.Array(ClockView),
  selectedAt: Nullable(DateTime({ description: 'when the selection that gave the ticket its policy (or took it away) was made; null when none was recorded' })),
  selection: Type.Array(Type.Unknown(), {
    description:
      'why the ticket holds this policy: the trail of that selection as it was made (the policies that matched, the winner first, and an inactive contract policy); policies that did not match are not recorded. Empty when no policy matched',
  }),
  reselection: Type.Object(
    {
      policy: Nullable(Type.Object({ id: Uuid(), name: Type.String() })),
      differs: Type.Boolean({ description: 'selection would now pick another policy (or none)' }),
    },
    {
      description:
        "the policy selection with today's policies would pick for the ticket as it is; the ticket keeps its own until its queue, type, priority, site or equipment changes",
    },
  ),
})
export type TicketSla = Static<typeof TicketSla>
