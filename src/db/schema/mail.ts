import { sql } from 'drizzle-orm'
import { check, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id } from './_columns.ts'
import { blobs } from './blobs.ts'
import { queues } from './ticket-config.ts'
import { tickets } from './tickets.ts'

/**
 * What became of an inbound message. `received` exists only inside the intake transaction (the
 * row is inserted first so that it decides dedupe, then given its outcome before the commit).
 */
export const INBOUND_OUTCOMES = ['received', 'ticket_created', 'message_added', 'quarantined', 'throttled', 'automated', 'bounce'] as const
export type InboundOutcome = (typeof INBOUND_OUTCOMES)[number]
export const REVIEW_STATES = ['pending', 'released', 'discarded'] as const
export type ReviewState = (typeof REVIEW_STATES)[number]

export interface BounceDetails {
  originalMessageId?: string
  ticketNumber?: number
  failedRecipients: string[]
  status?: string
  permanent: boolean
}

const sqlList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '))

/**
 * One row per message per receiving mailbox (the queue address it was delivered to): the dedupe
 * record, the pointer to the raw bytes, and the outcome. Quarantine is a state of this row
 * (`quarantined_at` set) rather than a table of its own, so a released message keeps one history.
 */
export const inboundMail = pgTable(
  'inbound_mail',
  {
    id: id(),
    mailbox: text().notNull(),
    queueId: uuid().notNull(),
    /** The normalised Message-ID, or a synthetic `<sha256@synthetic.invalid>` when there is none. */
    messageKey: text().notNull(),
    /** The Message-ID as normalised from the mail; null when the key is synthetic. */
    messageId: text(),
    /** SMTP MAIL FROM; `''` is the null reverse-path. */
    envelopeFrom: text(),
    /** The parsed From address (never the display name); null when missing or ambiguous. */
    fromAddress: text(),
    fromName: text(),
    subject: text().notNull(),
    rawBlobHash: text().notNull(),
    size: integer().notNull(),
    receivedAt: timestamp({ withTimezone: true, mode: 'date' }).notNull(),
    outcome: text().$type<InboundOutcome>().notNull(),
    reason: text(),
    details: jsonb().$type<BounceDetails>(),
    /** The ticket the message created, was added to, or (a bounce) was noted on: its raw bytes are then part of that ticket's record. */
    ticketId: uuid(),
    quarantinedAt: timestamp({ withTimezone: true, mode: 'date' }),
    reviewState: text().$type<ReviewState>(),
    reviewedAt: timestamp({ withTimezone: true, mode: 'date' }),
    /** `agent:<id>` or `apiKey:<id>`. */
    reviewedBy: text(),
  },
  (t) => [
    foreignKey({ name: 'inbound_mail_queue_fkey', columns: [t.queueId], foreignColumns: [queues.id] }),
    foreignKey({ name: 'inbound_mail_raw_blob_fkey', columns: [t.rawBlobHash], foreignColumns: [blobs.hash] }),
    // Tickets are merged, never deleted; should one be, its mail loses the link and falls to the retention purge.
    foreignKey({ name: 'inbound_mail_ticket_fkey', columns: [t.ticketId], foreignColumns: [tickets.id] }).onDelete('set null'),
    // A ticket's mail; also the foreign key's check when a ticket is deleted.
    index('inbound_mail_ticket_idx')
      .on(t.ticketId)
      .where(sql`${t.ticketId} is not null`),
    // The retention purge walks mail that belongs to no ticket, oldest first.
    index('inbound_mail_unlinked_received_idx')
      .on(t.receivedAt)
      .where(sql`${t.ticketId} is null`),
    // Dedupe: the same message delivered twice to one mailbox is one row; a concurrent second
    // insert waits on this index until the first transaction ends.
    uniqueIndex('inbound_mail_mailbox_message_key').on(t.mailbox, t.messageKey),
    // The quarantine list, newest first, with its filters applied to the few rows it holds.
    index('inbound_mail_quarantine_idx')
      .on(t.id)
      .where(sql`${t.quarantinedAt} is not null`),
    check('inbound_mail_outcome_check', sql`${t.outcome} in (${sqlList(INBOUND_OUTCOMES)})`),
    check('inbound_mail_review_state_check', sql`${t.reviewState} in (${sqlList(REVIEW_STATES)})`),
  ],
)

/**
 * Mail per sender address per hour that reached routing: the cap that stops storms from
 * autoresponders sending none of the headers the loop guard knows.
 */
export const mailSenderCounters = pgTable(
  'mail_sender_counters',
  {
    address: text().notNull(),
    windowStart: timestamp({ withTimezone: true, mode: 'date' }).notNull(),
    count: integer().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.address, t.windowStart] }),
    // Purge of past windows.
    index('mail_sender_counters_window_idx').on(t.windowStart),
  ],
)
