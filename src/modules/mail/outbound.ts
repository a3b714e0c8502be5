import type { MailPayload } from './mail-transport.ts'
import { signedMessageId } from './message-id.ts'
import { normalizeMessageId } from './parse.ts'
import { type MailLocale, type NotificationData, type NotificationKind, renderNotification } from './templates.ts'
import { withTicketTag } from './threading.ts'

/**
 * One outbound notification, ready for the outbox (issue: "Headers on every outbound mail: our own
 * Message-ID, signed …; In-Reply-To and References to the customer's last message; `[#1234]` in the
 * subject; `Auto-Submitted: auto-generated` on automatic mail; Reply-To the queue address").
 * Automatic mail also asks Exchange not to auto-answer it (X-Auto-Response-Suppress) and carries
 * X-Loop with the queue address, which the loop guard recognises when the mail comes back to us.
 * The payload is stored in the outbox row as is, so a retry sends the same Message-ID.
 */
export const MAX_REFERENCES = 20

export interface OutboundInput<K extends NotificationKind> {
  kind: K
  ticket: { number: number; subject: string }
  to: string[]
  cc?: string[]
  /** The queue address: replies go there, whatever the From is. */
  replyTo: string
  from?: string
  /** The customer's last message, to thread under it. */
  inReplyTo?: string
  /** The thread so far, oldest first (the customer's References plus their Message-ID). */
  references?: string[]
  automatic: boolean
  locale: MailLocale
  data: Omit<NotificationData[K], 'ticket'>
  messageIdDomain: string
  secret: string
  /** The outbox row's id, chosen before the insert so the Message-ID can name it. */
  outboxId: string
}

export function buildOutboundMail<K extends NotificationKind>(input: OutboundInput<K>): MailPayload {
  const data = { ...input.data, ticket: input.ticket } as NotificationData[K]
  const rendered = renderNotification(input.kind, input.locale, data)
  const inReplyTo = normalizeMessageId(input.inReplyTo)
  const references: string[] = []
  for (const id of [...(input.references ?? []), ...(inReplyTo ? [inReplyTo] : [])]) {
    const n = normalizeMessageId(id)
    if (n && !references.includes(n)) references.push(n)
  }
  // Keep the thread root and the newest ids: long chains make headers that some MTAs reject, and
  // clients thread on the root and the last few (RFC 5322 §3.6.4 suggests dropping the middle).
  const capped = references.length > MAX_REFERENCES ? [references[0]!, ...references.slice(-(MAX_REFERENCES - 1))] : references

  const headers: Record<string, string> = { 'X-Loop': input.replyTo }
  if (input.automatic) {
    headers['Auto-Submitted'] = 'auto-generated'
    headers['X-Auto-Response-Suppress'] = 'All'
  }
  const mail: MailPayload = {
    to: input.to,
    replyTo: input.replyTo,
    subject: withTicketTag(rendered.subject, input.ticket.number),
    text: rendered.text,
    html: rendered.html,
    messageId: signedMessageId({ ticketNumber: input.ticket.number, outboxId: input.outboxId, domain: input.messageIdDomain, secret: input.secret }),
    headers,
  }
  if (input.cc?.length) mail.cc = input.cc
  if (input.from) mail.from = input.from
  if (inReplyTo) mail.inReplyTo = inReplyTo
  if (capped.length) mail.references = capped
  return mail
}
