import { sql } from 'drizzle-orm'
import { boolean, check, foreignKey, index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id, timestamps, version } from './_columns.ts'
import { teams } from './agents.ts'

/**
 * Ticket priorities are a fixed set, not configuration: SLA policies and escalation rules
 * ("raise priority") need a stable order to compare and step through.
 */
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const
export type Priority = (typeof PRIORITIES)[number]
export const PRIORITY_INFO: Record<Priority, { rank: number; description: string }> = {
  low: { rank: 1, description: 'A question or cosmetic issue; work goes on unhindered' },
  normal: { rank: 2, description: 'A problem with a workaround, or one affecting a single user' },
  high: { rank: 3, description: 'An important function fails for several users and there is no workaround' },
  urgent: { rank: 4, description: 'The system is down or unusable for the whole customer' },
}

/**
 * What a state means to the SLA clock and to reports, whatever the installation calls it.
 * `pending` is "waiting on the customer": the SLA clocks pause while a ticket is in a pending
 * state, because the provider cannot make progress until the customer answers.
 */
export const STATE_CATEGORIES = ['new', 'open', 'pending', 'resolved', 'closed'] as const
export type StateCategory = (typeof STATE_CATEGORIES)[number]

/**
 * The structured description a request may have to carry (Perfectum's rules: the steps taken,
 * the section of the program, the expected result, a screenshot). A ticket type lists which
 * of them intake requires.
 */
export const DESCRIPTION_FIELDS = ['steps', 'expectedResult', 'section', 'screenshot'] as const
export type DescriptionField = (typeof DESCRIPTION_FIELDS)[number]

const sqlList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '))

/** A department a ticket is routed to (product support, sales, projects …). */
export const queues = pgTable(
  'queues',
  {
    id: id(),
    name: text().notNull(),
    description: text(),
    defaultTeamId: uuid(),
    /** The address mail intake routes to this queue; stored lower-cased. */
    inboundEmail: text(),
    billableByDefault: boolean().notNull().default(false),
    reopenOnCustomerReply: boolean().notNull().default(true),
    autoCloseResolvedAfterDays: integer(),
    unassignedAlertMinutes: integer(),
    /** Repeat of the unassigned alert; null: every `unassignedAlertMinutes`. */
    unassignedRepeatMinutes: integer(),
    active: boolean().notNull().default(true),
    version: version(),
    ...timestamps,
  },
  (t) => [
    foreignKey({ name: 'queues_default_team_fkey', columns: [t.defaultTeamId], foreignColumns: [teams.id] }),
    uniqueIndex('queues_name_key').on(sql`lower(${t.name})`),
    // Mail intake: which queue an inbound recipient address belongs to.
    uniqueIndex('queues_inbound_email_key').on(t.inboundEmail),
    // Queues routed to a team (teamId filter; "is this team still used?").
    index('queues_default_team_idx').on(t.defaultTeamId),
    check('queues_inbound_email_lower', sql`${t.inboundEmail} = lower(${t.inboundEmail})`),
    check('queues_auto_close_days_check', sql`${t.autoCloseResolvedAfterDays} >= 1`),
    check('queues_unassigned_alert_minutes_check', sql`${t.unassignedAlertMinutes} >= 1`),
    check('queues_unassigned_repeat_minutes_check', sql`${t.unassignedRepeatMinutes} >= 1`),
  ],
)

/** The kind of problem: decides whether work is billable and which description fields intake requires. */
export const ticketTypes = pgTable(
  'ticket_types',
  {
    id: id(),
    name: text().notNull(),
    description: text(),
    billable: boolean().notNull().default(false),
    requiredFields: text().array().$type<DescriptionField[]>().notNull().default(sql`'{}'::text[]`),
    active: boolean().notNull().default(true),
    version: version(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('ticket_types_name_key').on(sql`lower(${t.name})`),
    check('ticket_types_required_fields_check', sql`${t.requiredFields} <@ array[${sqlList(DESCRIPTION_FIELDS)}]::text[]`),
  ],
)

/**
 * A configurable ticket state. Tickets name their state by `key`, which therefore never
 * changes; `allowedTransitions` lists the keys a ticket in this state may move to.
 */
export const ticketStates = pgTable(
  'ticket_states',
  {
    id: id(),
    key: text().notNull(),
    name: text().notNull(),
    category: text().$type<StateCategory>().notNull(),
    /** The state new tickets start in; exactly one, of category `new`. */
    isDefault: boolean().notNull().default(false),
    position: integer().notNull().default(0),
    allowedTransitions: text().array().notNull().default(sql`'{}'::text[]`),
    active: boolean().notNull().default(true),
    version: version(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('ticket_states_key_key').on(t.key),
    // At most one default state; the service keeps it at exactly one.
    uniqueIndex('ticket_states_default_key').on(t.isDefault).where(sql`${t.isDefault}`),
    check('ticket_states_category_check', sql`${t.category} in (${sqlList(STATE_CATEGORIES)})`),
    check('ticket_states_default_category_check', sql`not ${t.isDefault} or ${t.category} = 'new'`),
    check('ticket_states_key_check', sql`${t.key} ~ '^[a-z][a-z0-9_-]{0,63}$'`),
  ],
)
