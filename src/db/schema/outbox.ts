import { sql } from 'drizzle-orm'
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core'
import { id } from './_columns.ts'

export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number]

/**
 * Deliveries owed to the outside world (mail now, signed webhooks next), written in the same
 * transaction as the change that causes them and sent afterwards by the dispatcher. A row is
 * claimable while `status` is pending, or sending with an expired lease (its dispatcher died),
 * and `available_at` has come: one timestamp serves as retry time and as lease end.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: id(),
    kind: text().notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    /** Optional caller key: the same logical delivery enqueued twice is stored once. */
    dedupeKey: text(),
    /** What the delivery is about, for listing a ticket's notifications (e.g. ticket:<uuid>). */
    subject: text(),
    status: text().$type<OutboxStatus>().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    availableAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lockedBy: text(),
    lastError: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    check('outbox_status_check', sql`${t.status} in ('pending', 'sending', 'sent', 'failed')`),
    // The dispatcher's claim: due rows in order, skipping delivered and failed ones.
    index('outbox_due_idx')
      .on(t.availableAt)
      .where(sql`${t.status} in ('pending', 'sending')`),
    uniqueIndex('outbox_dedupe_key').on(t.dedupeKey),
    // A subject's deliveries (a ticket's notification history).
    index('outbox_subject_idx').on(t.subject, t.createdAt),
  ],
)
