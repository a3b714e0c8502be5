import { sql } from 'drizzle-orm'
import { boolean, check, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import type { CatchUpPolicy, Schedule } from '../../lib/recurrence.ts'
import { id, timestamps, version } from './_columns.ts'
import { agents, teams } from './agents.ts'
import { contacts, organizations } from './directory.ts'
import { type Priority, queues, ticketTypes } from './ticket-config.ts'
import { tickets } from './tickets.ts'

/**
 * A ticket template with a schedule (`lib/recurrence.ts`): the `recurring-tickets` job creates one
 * ticket per occurrence through the intake path. `lastProcessedAt` is the last occurrence handled;
 * the next run starts after it.
 */
export const recurringTickets = pgTable(
  'recurring_tickets',
  {
    id: id(),
    organizationId: uuid()
      .notNull()
      .references(() => organizations.id),
    contactId: uuid()
      .notNull()
      .references(() => contacts.id),
    queueId: uuid()
      .notNull()
      .references(() => queues.id),
    ticketTypeId: uuid().references(() => ticketTypes.id),
    priority: text().$type<Priority>().notNull().default('normal'),
    subject: text().notNull(),
    description: text(),
    assigneeId: uuid().references(() => agents.id),
    teamId: uuid().references(() => teams.id),
    schedule: jsonb().$type<Schedule>().notNull(),
    catchUp: text().$type<CatchUpPolicy>().notNull().default('each'),
    active: boolean().notNull().default(true),
    lastProcessedAt: timestamp({ withTimezone: true }),
    version: version(),
    ...timestamps,
  },
  (t) => [
    // The recurring-tickets job: active templates.
    index('recurring_tickets_active_idx').on(t.id).where(sql`${t.active}`),
    // The organizationId filter of the list.
    index('recurring_tickets_organization_idx').on(t.organizationId, t.id),
    check('recurring_tickets_catch_up_check', sql`${t.catchUp} in ('each', 'latest')`),
    check('recurring_tickets_priority_check', sql`${t.priority} in ('low', 'normal', 'high', 'urgent')`),
  ],
)

/**
 * One row per (template, occurrence), inserted in the transaction that creates its ticket: the
 * unique key makes each occurrence happen once across instances and reruns. A refused occurrence
 * (the intake gate said no) keeps its row with the reason and no ticket, so it is not retried.
 */
export const recurringTicketRuns = pgTable(
  'recurring_ticket_runs',
  {
    id: id(),
    templateId: uuid()
      .notNull()
      .references(() => recurringTickets.id),
    occurrence: timestamp({ withTimezone: true }).notNull(),
    ticketId: uuid().references(() => tickets.id),
    refusal: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Once per occurrence; also a template's runs in order.
    uniqueIndex('recurring_ticket_runs_template_occurrence_key').on(t.templateId, t.occurrence),
  ],
)
