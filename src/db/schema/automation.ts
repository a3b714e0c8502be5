import { integer, pgTable, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { tickets } from './tickets.ts'

/**
 * One row per (ticket, alert n) of the unassigned-alerts job: alert n is due once `unassignedAlertMinutes
 * + (n - 1) × unassignedRepeatMinutes` have passed since the ticket was created, and the unique key
 * makes each alert happen once across instances and reruns.
 */
export const unassignedAlerts = pgTable(
  'unassigned_alerts',
  {
    ticketId: uuid()
      .notNull()
      .references(() => tickets.id),
    alert: integer().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [
    // Once per (ticket, alert); also the last alert of a ticket.
    uniqueIndex('unassigned_alerts_ticket_alert_key').on(t.ticketId, t.alert),
  ],
)
