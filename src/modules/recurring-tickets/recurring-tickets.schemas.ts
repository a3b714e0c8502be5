import { type Static, Type } from 'typebox'
import { PRIORITIES } from '../../db/schema/ticket-config.ts'
import { MAX_NEXT_COUNT } from '../../lib/recurrence.ts'
import { Body, DateTime, ListOf, LongText, Nullable, PageQuery, PatchBody, ShortText, StringEnum, Uuid } from '../../lib/schemas.ts'

const Instant = (description: string) =>
  Type.String({ minLength: 1, maxLength: 40, description: `${description}: an ISO date-time, local to timeZone ('2026-03-02T09:00') or with an offset` })

/** Shape only; `validateSchedule` checks the expression, zone and bounds (400 naming `schedule.<field>`). */
export const Schedule = Type.Object(
  {
    kind: StringEnum(['cron', 'rrule'] as const),
    expression: Type.String({ minLength: 1, maxLength: 500, description: "a five-field cron expression, or an RFC 5545 RRULE ('FREQ=WEEKLY;BYDAY=MO')" }),
    timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone the schedule is read in' }),
    startsAt: Type.Optional(Nullable(Instant('first instant allowed (the DTSTART of an RRULE); default: creation time'))),
    endsAt: Type.Optional(Nullable(Instant('last instant allowed'))),
  },
  { additionalProperties: false },
)

export const RecurringTicket = Type.Object({
  id: Uuid(),
  organizationId: Uuid(),
  contactId: Uuid(),
  queueId: Uuid(),
  ticketTypeId: Nullable(Uuid()),
  priority: StringEnum(PRIORITIES),
  subject: Type.String(),
  description: Nullable(Type.String()),
  assigneeId: Nullable(Uuid()),
  teamId: Nullable(Uuid()),
  schedule: Schedule,
  catchUp: StringEnum(['each', 'latest'] as const),
  active: Type.Boolean(),
  lastProcessedAt: Nullable(DateTime()),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type RecurringTicket = Static<typeof RecurringTicket>

const writable = {
  organizationId: Uuid(),
  contactId: Uuid({ description: 'the requester: a contact of the organization' }),
  queueId: Uuid(),
  ticketTypeId: Type.Optional(Nullable(Uuid())),
  priority: Type.Optional(StringEnum(PRIORITIES)),
  subject: ShortText({ minLength: 1 }),
  description: Type.Optional(Nullable(LongText())),
  assigneeId: Type.Optional(Nullable(Uuid())),
  teamId: Type.Optional(Nullable(Uuid({ description: "default: the queue's team" }))),
  schedule: Schedule,
  catchUp: Type.Optional(StringEnum(['each', 'latest'] as const, { description: 'after downtime: create each missed occurrence, or only the latest' })),
}
export const CreateRecurringTicket = Body(writable)
export type CreateRecurringTicket = Static<typeof CreateRecurringTicket>
export const UpdateRecurringTicket = PatchBody(Type.Object({ ...writable, active: Type.Boolean() }))
export type UpdateRecurringTicket = Static<typeof UpdateRecurringTicket>

export const ListRecurringTicketsQuery = Type.Object(
  { ...PageQuery, organizationId: Type.Optional(Uuid()), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
)
export type ListRecurringTicketsQuery = Static<typeof ListRecurringTicketsQuery>
export const RecurringTicketList = ListOf(RecurringTicket)

export const OccurrencesQuery = Type.Object({ count: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_NEXT_COUNT, default: 5 })) }, { additionalProperties: false })
export const Occurrences = Type.Object({ occurrences: Type.Array(DateTime()) })
