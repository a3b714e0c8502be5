import { type Static, Type } from 'typebox'
import { INBOUND_OUTCOMES, REVIEW_STATES } from '../../db/schema/mail.ts'
import { Body, DateTime, ListOf, Name, Nullable, PageQuery, StringEnum, Uuid } from '../../lib/schemas.ts'

export const QuarantinedMail = Type.Object({
  id: Uuid(),
  mailbox: Type.String({ description: 'the queue address the message was delivered to' }),
  queueId: Uuid(),
  from: Nullable(Type.String({ description: 'the parsed sender address; null when missing or ambiguous' })),
  fromName: Nullable(Type.String({ description: 'display name, for showing only' })),
  envelopeFrom: Nullable(Type.String({ description: "SMTP MAIL FROM; '' is the null sender" })),
  subject: Type.String(),
  messageId: Nullable(Type.String()),
  size: Type.Integer({ description: 'bytes of the raw message' }),
  outcome: StringEnum(INBOUND_OUTCOMES),
  reason: Nullable(Type.String({ description: 'why it was held: the intake refusal (unknown_contact, no_active_contract …), sender_cap, unparseable, tickets_unavailable' })),
  state: StringEnum(REVIEW_STATES),
  ticketId: Nullable(Uuid()),
  receivedAt: DateTime(),
  quarantinedAt: DateTime(),
  reviewedAt: Nullable(DateTime()),
  reviewedBy: Nullable(Type.String()),
})
export type QuarantinedMail = Static<typeof QuarantinedMail>

export const QuarantinedMailDetail = Type.Object({
  ...QuarantinedMail.properties,
  to: Type.Array(Type.String()),
  cc: Type.Array(Type.String()),
  date: Nullable(DateTime({ description: 'the Date header' })),
  textExcerpt: Type.String({ description: 'the first 2000 characters of the text (or of the HTML as text)' }),
  attachments: Type.Array(Type.Object({ filename: Type.String(), contentType: Type.String(), size: Type.Integer(), inline: Type.Boolean() })),
})
export type QuarantinedMailDetail = Static<typeof QuarantinedMailDetail>

export const ListQuarantineQuery = Type.Object(
  {
    ...PageQuery,
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    mailbox: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    from: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'the parsed sender address (exact, case-insensitive)' })),
    since: Type.Optional(DateTime({ description: 'received at or after' })),
    state: Type.Optional(StringEnum(REVIEW_STATES)),
  },
  { additionalProperties: false },
)
export type ListQuarantineQuery = Static<typeof ListQuarantineQuery>
export const QuarantineList = ListOf(QuarantinedMail)

export const ReleaseQuarantined = Body({
  registerContact: Type.Optional(
    Body({
      organizationId: Uuid(),
      name: Name(),
      authorized: Type.Boolean(),
    }, { description: "registers the message's sender address as a contact first, in the same transaction" }),
  ),
})
export type ReleaseQuarantined = Static<typeof ReleaseQuarantined>

export const ReleaseResult = Type.Object({
  mail: QuarantinedMail,
  outcome: Type.Union([Type.Literal('ticket_created'), Type.Literal('message_added'), Type.Literal('quarantined')]),
  reason: Nullable(Type.String()),
  ticketId: Nullable(Uuid()),
  contactId: Nullable(Uuid({ description: 'the contact registered by this release' })),
})
export type ReleaseResult = Static<typeof ReleaseResult>

export const RawMail = Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'the message exactly as received (message/rfc822)' })
