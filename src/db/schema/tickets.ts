import { sql } from 'drizzle-orm'
import {
  boolean,
  check,
  customType,
  foreignKey,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'
import type { ClockKind, ClockStatus, Measure } from '../../lib/sla-clock.ts'
import { id, timestamps, version } from './_columns.ts'
import { agents, teams } from './agents.ts'
import { blobs } from './blobs.ts'
import { contracts } from './contracts.ts'
import { type Channel, CHANNELS, contacts, equipment, organizations, sites } from './directory.ts'
import { slaPolicies } from './sla.ts'
import { type Priority, PRIORITIES, queues, type StateCategory, ticketStates, ticketTypes } from './ticket-config.ts'

const sqlList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '))

/** Full-text document; written with to_tsvector('simple', foldSearchText(…)) by the service, never read back. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' })

/** Human ticket numbers (#1, #2 …): from a sequence, so they never repeat and never change. */
export const ticketNumberSeq = pgSequence('tickets_number_seq', { startWith: 1 })

export interface TicketDescriptionDoc {
  text?: string | null
  steps?: string | null
  expectedResult?: string | null
  section?: string | null
}

/** Categories in which a ticket still needs work (lists of "open" tickets, next-due sorting). */
export const OPEN_CATEGORIES: readonly StateCategory[] = ['new', 'open', 'pending']

export const tickets = pgTable(
  'tickets',
  {
    id: id(),
    number: integer()
      .notNull()
      .default(sql`nextval('tickets_number_seq')`),
    subject: text().notNull(),
    description: jsonb().$type<TicketDescriptionDoc>().notNull().default(sql`'{}'::jsonb`),
    channel: text().$type<Channel>().notNull(),
    requesterId: uuid().notNull(),
    organizationId: uuid().notNull(),
    /** Null only when an agent overrode the intake gate (see gateOverrideReason). */
    contractId: uuid(),
    siteId: uuid(),
    equipmentId: uuid(),
    queueId: uuid().notNull(),
    ticketTypeId: uuid(),
    priority: text().$type<Priority>().notNull().default('normal'),
    stateId: uuid().notNull(),
    /** The state's category, copied so indexes can filter on it; kept in step by the service. */
    stateCategory: text().$type<StateCategory>().notNull(),
    assigneeId: uuid(),
    teamId: uuid(),
    tags: text().array().notNull().default(sql`'{}'::text[]`),
    billable: boolean().notNull(),
    billableReason: text(),
    slaPolicyId: uuid(),
    firstResponseDueAt: timestamp({ withTimezone: true }),
    nextResponseDueAt: timestamp({ withTimezone: true }),
    resolutionDueAt: timestamp({ withTimezone: true }),
    /** The earliest due instant among running clocks: the "next due" sort key. */
    nextDueAt: timestamp({ withTimezone: true }),
    /** The earliest pending warning or due instant among running clocks: what the SLA scheduler looks for. */
    nextSlaEventAt: timestamp({ withTimezone: true }),
    firstResponseAt: timestamp({ withTimezone: true }),
    resolvedAt: timestamp({ withTimezone: true }),
    closedAt: timestamp({ withTimezone: true }),
    lastCustomerMessageAt: timestamp({ withTimezone: true }),
    lastAgentReplyAt: timestamp({ withTimezone: true }),
    mergedIntoId: uuid(),
    gateOverrideReason: text(),
    /** principalKey of who created it (agent:…, apiKey:…, contact:…, system:mail). */
    createdBy: text().notNull(),
    search: tsvector().notNull().default(sql`''::tsvector`),
    version: version(),
    ...timestamps,
  },
  (t) => [
    foreignKey({ name: 'tickets_requester_fkey', columns: [t.requesterId], foreignColumns: [contacts.id] }),
    foreignKey({ name: 'tickets_organization_fkey', columns: [t.organizationId], foreignColumns: [organizations.id] }),
    foreignKey({ name: 'tickets_contract_fkey', columns: [t.contractId], foreignColumns: [contracts.id] }),
    foreignKey({ name: 'tickets_site_fkey', columns: [t.siteId], foreignColumns: [sites.id] }),
    foreignKey({ name: 'tickets_equipment_fkey', columns: [t.equipmentId], foreignColumns: [equipment.id] }),
    foreignKey({ name: 'tickets_queue_fkey', columns: [t.queueId], foreignColumns: [queues.id] }),
    foreignKey({ name: 'tickets_ticket_type_fkey', columns: [t.ticketTypeId], foreignColumns: [ticketTypes.id] }),
    foreignKey({ name: 'tickets_state_fkey', columns: [t.stateId], foreignColumns: [ticketStates.id] }),
    foreignKey({ name: 'tickets_assignee_fkey', columns: [t.assigneeId], foreignColumns: [agents.id] }),
    foreignKey({ name: 'tickets_team_fkey', columns: [t.teamId], foreignColumns: [teams.id] }),
    foreignKey({ name: 'tickets_sla_policy_fkey', columns: [t.slaPolicyId], foreignColumns: [slaPolicies.id] }),
    foreignKey({ name: 'tickets_merged_into_fkey', columns: [t.mergedIntoId], foreignColumns: [t.id] }),
    // Lookup by human number (#1234 in mail subjects, the API's ?number=).
    uniqueIndex('tickets_number_key').on(t.number),
    // "The 50 most recently updated open tickets of an organization" (and its created-order twin via filters).
    index('tickets_org_state_updated_idx').on(t.organizationId, t.stateCategory, t.updatedAt.desc(), t.id.desc()),
    // "The 50 next-due tickets of a team": only tickets still being worked on.
    index('tickets_team_next_due_idx')
      .on(t.teamId, t.nextDueAt, t.id)
      .where(sql`${t.stateCategory} in (${sqlList(OPEN_CATEGORIES)})`),
    // The SLA scheduler: tickets whose warning or due instant has come.
    index('tickets_next_sla_event_idx')
      .on(t.nextSlaEventAt)
      .where(sql`${t.nextSlaEventAt} is not null`),
    // Full-text search (?q=).
    index('tickets_search_idx').using('gin', t.search),
    // ?tag= filter.
    index('tickets_tags_idx').using('gin', t.tags),
    // ?assigneeId= filter and an agent's own queue of work.
    index('tickets_assignee_idx').on(t.assigneeId, t.updatedAt.desc(), t.id.desc()),
    // ?requesterId= filter (a contact's tickets).
    index('tickets_requester_idx').on(t.requesterId, t.id),
    // ?contractId= filter; statements gather a contract's tickets.
    index('tickets_contract_idx').on(t.contractId, t.id),
    // ?queueId= filter.
    index('tickets_queue_idx').on(t.queueId, t.id),
    // Merges: which tickets point to this one.
    index('tickets_merged_into_idx')
      .on(t.mergedIntoId)
      .where(sql`${t.mergedIntoId} is not null`),
    // Unassigned-ticket alerts and `unassigned` escalation rules: open tickets nobody has taken, oldest first.
    index('tickets_unassigned_idx')
      .on(t.createdAt)
      .where(sql`${t.stateCategory} in (${sqlList(OPEN_CATEGORIES)}) and ${t.assigneeId} is null and ${t.mergedIntoId} is null`),
    // The default list order (newest first) across everything an agent sees.
    index('tickets_updated_idx').on(t.updatedAt.desc(), t.id.desc()),
    check('tickets_channel_check', sql`${t.channel} in (${sqlList(CHANNELS)})`),
    check('tickets_priority_check', sql`${t.priority} in (${sqlList(PRIORITIES)})`),
    check('tickets_state_category_check', sql`${t.stateCategory} in ('new', 'open', 'pending', 'resolved', 'closed')`),
    check('tickets_gate_override_check', sql`${t.contractId} is not null or ${t.gateOverrideReason} is not null`),
    check('tickets_billable_reason_check', sql`${t.billableReason} is null or length(${t.billableReason}) > 0`),
    check('tickets_not_merged_into_self', sql`${t.mergedIntoId} is null or ${t.mergedIntoId} <> ${t.id}`),
  ],
)

export const MESSAGE_VISIBILITIES = ['public', 'internal'] as const
export type MessageVisibility = (typeof MESSAGE_VISIBILITIES)[number]
export const AUTHOR_KINDS = ['contact', 'agent', 'system'] as const
export type AuthorKind = (typeof AUTHOR_KINDS)[number]

export const ticketMessages = pgTable(
  'ticket_messages',
  {
    id: id(),
    ticketId: uuid()
      .notNull()
      .references(() => tickets.id),
    visibility: text().$type<MessageVisibility>().notNull(),
    authorKind: text().$type<AuthorKind>().notNull(),
    authorContactId: uuid().references(() => contacts.id),
    authorAgentId: uuid().references(() => agents.id),
    /** principalKey of who wrote it through the API (an API key posting for a contact, an agent …). */
    createdBy: text().notNull(),
    channel: text().$type<Channel>().notNull(),
    bodyText: text().notNull(),
    /** Sanitised HTML as given (null when only text was sent). */
    bodyHtml: text(),
    /** Mail Message-ID, for threading and de-duplicating inbound mail. */
    mailMessageId: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // A ticket's conversation in order.
    index('ticket_messages_ticket_idx').on(t.ticketId, t.id),
    // Mail intake: has this Message-ID been seen (dedupe), which ticket does a reply belong to.
    uniqueIndex('ticket_messages_mail_message_id_key').on(t.mailMessageId),
    check('ticket_messages_visibility_check', sql`${t.visibility} in (${sqlList(MESSAGE_VISIBILITIES)})`),
    check('ticket_messages_author_kind_check', sql`${t.authorKind} in (${sqlList(AUTHOR_KINDS)})`),
    check('ticket_messages_channel_check', sql`${t.channel} in (${sqlList(CHANNELS)})`),
    check(
      'ticket_messages_author_check',
      sql`(${t.authorKind} = 'contact' and ${t.authorContactId} is not null) or (${t.authorKind} = 'agent' and ${t.authorAgentId} is not null) or ${t.authorKind} = 'system'`,
    ),
  ],
)

export const messageAttachments = pgTable(
  'message_attachments',
  {
    id: id(),
    messageId: uuid()
      .notNull()
      .references(() => ticketMessages.id),
    /** The message's ticket, copied so a download checks access without a join. */
    ticketId: uuid()
      .notNull()
      .references(() => tickets.id),
    blobHash: text()
      .notNull()
      .references(() => blobs.hash),
    filename: text().notNull(),
    contentType: text().notNull(),
    size: integer().notNull(),
    inline: boolean().notNull().default(false),
    contentId: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // A message's attachments (message lists embed them).
    index('message_attachments_message_idx').on(t.messageId),
    // A ticket's files; merges move them.
    index('message_attachments_ticket_idx').on(t.ticketId),
    // Purging unreferenced blobs: is this hash still used.
    index('message_attachments_blob_idx').on(t.blobHash),
    check('message_attachments_size_check', sql`${t.size} > 0`),
  ],
)

/**
 * What happened to a ticket, append-only (never updated or deleted): field changes with old and
 * new values, messages, SLA clock transitions, merges. UUIDv7 ids give the order.
 */
export const ticketEvents = pgTable(
  'ticket_events',
  {
    id: id(),
    ticketId: uuid()
      .notNull()
      .references(() => tickets.id),
    type: text().notNull(),
    field: text(),
    old: jsonb(),
    new: jsonb(),
    actor: text().notNull(),
    actorKind: text().$type<'agent' | 'apiKey' | 'contact' | 'system'>().notNull(),
    channel: text().$type<Channel>(),
    reason: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // A ticket's history in order (GET /v1/tickets/:id/events, the SLA timeline).
    index('ticket_events_ticket_idx').on(t.ticketId, t.id),
  ],
)

/**
 * One row per (ticket, clock); see src/lib/sla-clock.ts for the model. `warnedForDueAt` and
 * `breachedForDueAt` record the due instant a warning or breach was recorded for, so the
 * scheduler records each at most once per due instant with a conditional update.
 */
export const ticketSlaClocks = pgTable(
  'ticket_sla_clocks',
  {
    ticketId: uuid()
      .notNull()
      .references(() => tickets.id),
    kind: text().$type<ClockKind>().notNull(),
    status: text().$type<ClockStatus>().notNull(),
    policyId: uuid()
      .notNull()
      .references(() => slaPolicies.id),
    measure: text().$type<Measure>().notNull(),
    targetSeconds: integer().notNull(),
    warnSeconds: integer(),
    consumedSeconds: integer().notNull().default(0),
    runningSince: timestamp({ withTimezone: true }),
    /**
     * While running: `runningSince` minus `consumedSeconds`, the instant the clock would have started
     * had it run without pause on the wall clock. Business time never runs faster than the wall
     * clock, so X % of the target is reached no earlier than this plus X % of `targetSeconds`: the
     * indexed bound of percentage escalation rules. Null when not running.
     */
    virtualStartAt: timestamp({ withTimezone: true }),
    dueAt: timestamp({ withTimezone: true }),
    warnAt: timestamp({ withTimezone: true }),
    metAt: timestamp({ withTimezone: true }),
    warnedForDueAt: timestamp({ withTimezone: true }),
    breachedForDueAt: timestamp({ withTimezone: true }),
    /** How many times the clock was (re)armed: next response starts a new cycle on each customer reply. */
    cycle: integer().notNull().default(1),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'ticket_sla_clocks_pkey', columns: [t.ticketId, t.kind] }),
    // ?breached= filter and the scheduler: running clocks by due instant.
    index('ticket_sla_clocks_due_idx')
      .on(t.dueAt)
      .where(sql`${t.status} = 'running'`),
    // Escalation rules on a clock's warning instant.
    index('ticket_sla_clocks_warn_idx')
      .on(t.kind, t.warnAt)
      .where(sql`${t.status} = 'running'`),
    // Escalation rules at X % of a clock's target: one range per distinct target (few: they come from policies).
    index('ticket_sla_clocks_percent_idx')
      .on(t.kind, t.targetSeconds, t.virtualStartAt)
      .where(sql`${t.status} = 'running'`),
    check('ticket_sla_clocks_kind_check', sql`${t.kind} in ('first_response', 'next_response', 'resolution')`),
    check('ticket_sla_clocks_status_check', sql`${t.status} in ('running', 'paused', 'met', 'stopped')`),
    check('ticket_sla_clocks_measure_check', sql`${t.measure} in ('business', 'calendar')`),
    check('ticket_sla_clocks_running_check', sql`(${t.status} = 'running') = (${t.runningSince} is not null)`),
  ],
)
