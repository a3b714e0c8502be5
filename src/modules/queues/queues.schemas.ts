import { type Static, Type } from 'typebox'
import { Body, DateTime, Email, ListOf, Name, Nullable, PageQuery, PatchBody, ShortText, Uuid } from '../../lib/schemas.ts'

export const Queue = Type.Object({
  id: Uuid(),
  name: Type.String(),
  description: Nullable(Type.String()),
  defaultTeamId: Nullable(Uuid()),
  inboundEmail: Nullable(Type.String()),
  billableByDefault: Type.Boolean(),
  reopenOnCustomerReply: Type.Boolean(),
  autoCloseResolvedAfterDays: Nullable(Type.Integer()),
  unassignedAlertMinutes: Nullable(Type.Integer()),
  unassignedRepeatMinutes: Nullable(Type.Integer()),
  active: Type.Boolean(),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type Queue = Static<typeof Queue>

const writable = {
  name: Name(),
  description: Type.Optional(Nullable(ShortText({ maxLength: 2000 }))),
  defaultTeamId: Type.Optional(Nullable(Uuid({ description: 'the team alerted about new tickets of this queue' }))),
  inboundEmail: Type.Optional(Nullable(Email({ description: 'mail to this address is routed to this queue' }))),
  billableByDefault: Type.Optional(Type.Boolean({ description: 'work is billable unless the ticket type says otherwise' })),
  reopenOnCustomerReply: Type.Optional(Type.Boolean({ description: 'a customer reply to a resolved ticket reopens it (default true)' })),
  autoCloseResolvedAfterDays: Type.Optional(
    Nullable(Type.Integer({ minimum: 1, maximum: 365, description: 'resolved tickets close after this many days without a reply' })),
  ),
  unassignedAlertMinutes: Type.Optional(
    Nullable(Type.Integer({ minimum: 1, maximum: 43_200, description: 'managers are alerted when a ticket stays unassigned this long' })),
  ),
  unassignedRepeatMinutes: Type.Optional(
    Nullable(Type.Integer({ minimum: 1, maximum: 43_200, description: 'the alert repeats this often until someone takes the ticket (default: unassignedAlertMinutes)' })),
  ),
}

export const CreateQueue = Body(writable)
export type CreateQueue = Static<typeof CreateQueue>
export const UpdateQueue = PatchBody(Type.Object({ ...writable, active: Type.Boolean() }))
export type UpdateQueue = Static<typeof UpdateQueue>

export const ListQueuesQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of the name or description' })),
    active: Type.Optional(Type.Boolean()),
    teamId: Type.Optional(Uuid({ description: 'queues whose default team is this one' })),
    inboundEmail: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'the queue with this inbound address (exact, case-insensitive)' })),
  },
  { additionalProperties: false },
)
export type ListQueuesQuery = Static<typeof ListQueuesQuery>
export const QueueList = ListOf(Queue)
