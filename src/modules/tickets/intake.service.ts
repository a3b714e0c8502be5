import { eq, type SQLWrapper, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { writeCtes } from '../../db/crud.ts'
import { Binder, preparedQuery } from '../../db/prepared.ts'
import { equipment, outbox, queues, sites, ticketMessages, ticketSlaClocks, tickets, ticketStates, ticketTypes } from '../../db/schema/index.ts'
import type { Channel } from '../../db/schema/directory.ts'
import type { Priority } from '../../db/schema/ticket-config.ts'
import type { TicketDescriptionDoc } from '../../db/schema/tickets.ts'
import type { Deps } from '../../deps.ts'
import { configCache } from '../../lib/config-cache.ts'
import { AppError, type FieldError } from '../../lib/errors.ts'
import { newId } from '../../lib/ids.ts'
import { foldSearchText, searchPart } from '../../lib/search-text.ts'
import { missingDescriptionFields } from '../../lib/ticket-description.ts'
import { blobStoreFor } from '../blobs/blob-store.ts'
import { checkIntake, type IntakeDecision, type IntakeRefusal } from '../contracts/intake-gate.ts'
import { outboxRows } from '../outbox/outbox.service.ts'
import { type IncomingFile, prepareFiles, sanitizeBody, stageFiles, storeFiles, textOfHtml } from './attachments.ts'
import { type Actor, actorKey, type EventInput, eventRows, eventsInsert } from './events.ts'
import { planClockChange, policySelectedEvent, selectFor } from './sla.service.ts'
import type { TicketRow } from './tickets.repo.ts'

export interface IntakeInput {
  channel: Channel
  requester: { contactId: string } | { email: string }
  /**
   * Confines the requester to one organization: a contact principal files for itself or a colleague,
   * and a contact of another organization is refused exactly as an unknown one (nothing learnt about other tenants).
   */
  organizationId?: string
  subject: string
  description?: TicketDescriptionDoc
  bodyHtml?: string
  queueId: string
  ticketTypeId?: string
  priority?: Priority
  siteId?: string
  equipmentId?: string
  tags?: string[]
  attachments?: IncomingFile[]
  /** An agent taking responsibility for a request the gate refused (a phone call from a lapsed customer …). */
  gateOverride?: { reason: string; agentId: string }
  mailMessageId?: string
  /** The gate's acceptance, when the caller has just asked it (mail routing, in the same transaction): not asked twice. */
  gate?: Extract<IntakeDecision, { ok: true }>
  /**
   * A write of the caller's that lands with the ticket, as one more CTE of the create statement
   * (mail intake records its outcome there instead of in a round trip of its own). Values go
   * through the Binder, so the statement stays prepared once per shape.
   */
  alsoWrite?: (b: Binder, ticketId: string) => (h: Db) => SQLWrapper
  createdBy: Actor
  at: Date
}

/** Refusals an agent may override: the contact is known, only the contract side says no. */
const OVERRIDABLE: readonly IntakeRefusal[] = [
  'contact_not_authorized',
  'channel_not_allowed_for_contact',
  'no_active_contract',
  'contract_suspended',
  'outside_term',
  'contact_not_covered',
  'channel_not_allowed',
]

const requesterField = (input: IntakeInput) => ('contactId' in input.requester ? 'requesterId' : 'requesterEmail')
const refField = (field: string, message: string): FieldError => ({ in: 'body', field, message })

/** The conversation's first message: the free text, then the structured parts the type asked for. */
function firstMessageText(d: TicketDescriptionDoc, html: string | undefined, subject: string): string {
  const parts = [d.text?.trim() || (html ? textOfHtml(html) : '')]
  if (d.steps?.trim()) parts.push(`Steps: ${d.steps.trim()}`)
  if (d.expectedResult?.trim()) parts.push(`Expected result: ${d.expectedResult.trim()}`)
  if (d.section?.trim()) parts.push(`Section: ${d.section.trim()}`)
  return parts.filter(Boolean).join('\n\n') || subject
}


/**
 * The one intake path of every channel (API, mail, recurring tickets): requester → contact →
 * covering contract through the intake gate → a ticket with its first message, attachments,
 * events, SLA clocks and outbox rows, all in one transaction (the caller's `tx` when given, so
 * mail intake can commit the raw message with it), or a precise AppError and nothing written.
 * Every check comes before the first write, so a refusal leaves the caller's transaction usable
 * without a savepoint (mail intake quarantines the message in it).
 *
 * Defaults: the queue is required (mail derives it from the recipient address; the API names
 * it); the team is the queue's default team; billable comes from the type, else the queue;
 * priority normal; the state is the default state (category new).
 */
export async function intakeTicket(deps: Deps, tx: Db | undefined, input: IntakeInput): Promise<TicketRow> {
  const db = tx ?? deps.db
  const at = input.at
  const req = 'contactId' in input.requester ? { contactId: input.requester.contactId } : { email: input.requester.email }
  const gate: IntakeDecision = input.gate ?? (await checkIntake(db, { ...req, organizationId: input.organizationId, channel: input.channel, at }))
  let contractId: string | null = null
  let planId: string | null = null
  let contractPolicyId: string | null = null
  let contact: { id: string; organizationId: string }
  if (gate.ok) {
    contractId = gate.contract.id
    planId = gate.contract.planId
    contractPolicyId = gate.contract.slaPolicyId
    contact = gate.contact
  } else if (input.gateOverride && gate.contact && OVERRIDABLE.includes(gate.reason)) {
    contact = gate.contact
  } else {
    const overridable = gate.contact && OVERRIDABLE.includes(gate.reason)
    throw new AppError('INTAKE_REFUSED', gate.detail, {
      reason: gate.reason,
      overridable: Boolean(overridable),
      errors: [refField(requesterField(input), gate.reason)],
    })
  }
  const organizationId = contact.organizationId

  const { queue, type, state } = await intakeConfig(db, input.queueId, input.ticketTypeId)
  const errors: FieldError[] = []
  if (!queue?.active) errors.push(refField('queueId', queue ? 'the queue is deactivated' : 'no such queue'))
  if (input.ticketTypeId && !type?.active) errors.push(refField('ticketTypeId', type ? 'the ticket type is deactivated' : 'no such ticket type'))
  errors.push(...(await foreignRefs(db, organizationId, input)))
  if (errors.length) throw new AppError('REFERENCE_NOT_FOUND', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors })

  const prepared = await prepareFiles(deps.config, input.attachments ?? [])
  const description: TicketDescriptionDoc = input.description ?? {}
  if (type) {
    const missing = missingDescriptionFields(type, description, { hasImage: prepared.some((f) => f.contentType.startsWith('image/')) })
    if (missing.length) {
      throw new AppError('UNPROCESSABLE', `the ticket type ${type.name} requires ${missing.join(', ')}`, {
        errors: missing.map((f) => refField(f === 'screenshot' ? 'attachments' : `description.${f}`, f === 'screenshot' ? 'attach a screenshot (an image)' : 'is required by the ticket type')),
      })
    }
  }
  if (!state) throw new AppError('CONFLICT', 'no default ticket state is configured; create a state of category new first')

  // Every check has passed: the bytes go to the blob store now, before any transaction of ours, so
  // a slow store (S3) holds no connection and no lock (a rollback may leave unreferenced bytes,
  // never a row without bytes). Inside a caller's transaction (mail) they are staged there.
  const files = await stageFiles(blobStoreFor(deps.config), prepared)

  const priority = input.priority ?? 'normal'
  const facts = {
    organizationId,
    planId,
    contractId,
    siteId: input.siteId ?? null,
    equipmentId: input.equipmentId ?? null,
    ticketTypeId: input.ticketTypeId ?? null,
    queueId: input.queueId,
    priority,
  }
  const { applied, selection } = await selectFor(db, facts, contractPolicyId)
  const bodyHtml = input.bodyHtml ? sanitizeBody(input.bodyHtml) : null
  const bodyText = firstMessageText(description, bodyHtml ?? undefined, input.subject)
  const searchText = foldSearchText(`${input.subject}\n${searchPart(bodyText)}`)

  // Ids are made here so the clocks, the ticket's SLA columns, the first message, the events and
  // the outbox row can be written without reading anything back: all of it is one statement, the
  // ticket insert with the other writes as data-modifying CTEs (foreign keys are checked at the
  // end of the statement, when the ticket exists).
  const ticketId = newId()
  const messageId = newId()
  const clocks = planClockChange(ticketId, [], { kind: 'created', category: state.category }, null, applied, priority, at)
  const events: EventInput[] = [{ type: 'ticket.created', new: { queueId: input.queueId, priority, contractId, state: state.key } }]
  if (!gate.ok) {
    events.push({ type: 'intake.gate_overridden', field: 'contractId', old: { reason: gate.reason, detail: gate.detail }, new: null, reason: input.gateOverride!.reason })
  }
  events.push({ type: 'message.added', new: { messageId, visibility: 'public', attachments: files.length } })
  if (applied) events.push(policySelectedEvent(null, applied, selection.trail))
  events.push(...clocks.events)
  // Every value is a placeholder (Binder), so the statement is built once per shape and reused.
  const b = new Binder()
  const messageRow = b.row({
    id: messageId,
    ticketId,
    visibility: 'public' as const,
    authorKind: 'contact' as const,
    authorContactId: contact.id,
    createdBy: actorKey(input.createdBy),
    channel: input.channel,
    bodyText,
    bodyHtml,
    mailMessageId: input.mailMessageId ?? null,
    createdAt: at,
  })
  const clockRows = b.rows(clocks.rows)
  const eventRowsBound = b.rows(eventRows(events.map((e) => ({ ...e, ticketId })), input.createdBy, input.channel, at))
  const outboxRowsBound = b.rows(outboxRows([{ kind: 'notification', payload: { event: 'ticket.created', ticketId }, dedupeKey: `ticket.created:${ticketId}`, subject: `ticket:${ticketId}` }], at))
  const values = {
    id: ticketId,
    subject: input.subject.trim(),
    description,
    channel: input.channel,
    requesterId: contact.id,
    organizationId,
    contractId,
    siteId: input.siteId ?? null,
    equipmentId: input.equipmentId ?? null,
    queueId: input.queueId,
    ticketTypeId: input.ticketTypeId ?? null,
    priority,
    stateId: state.id,
    stateCategory: state.category,
    teamId: queue!.defaultTeamId,
    tags: input.tags ?? [],
    billable: billableOf(type, queue!),
    gateOverrideReason: contractId ? null : input.gateOverride!.reason,
    createdBy: actorKey(input.createdBy),
    lastCustomerMessageAt: at,
    ...clocks.columns,
    createdAt: at,
    updatedAt: at,
  }
  const ticketRow = b.row(values)
  const search = b.value(searchText)
  const also = input.alsoWrite?.(b, ticketId)
  // Only the number comes back: everything else is what was just written. Returning the whole
  // row (46 columns, the search document among them) cost the server its output and this process
  // the decoding, a tenth of a create's CPU.
  // Without files the writes are one statement, atomic on its own: no BEGIN/COMMIT round trips.
  // The files' rows are statements of their own, so with files the writes are a transaction.
  const write = async (w: Db) => {
    const rows = await preparedQuery(w, also ? 'intake+also' : 'intake', b, (h) =>
      h
      .with(
        ...writeCtes(h, [
          // A new ticket's clocks and outbox row cannot meet existing rows: plain inserts, not the
          // upsert and deduplicating insert used elsewhere (each ON CONFLICT probes its index first).
          h.insert(ticketMessages).values(messageRow),
          ...(clockRows.length ? [h.insert(ticketSlaClocks).values(clockRows)] : []),
          eventsInsert(h, eventRowsBound),
          h.insert(outbox).values(outboxRowsBound),
          ...(also ? [also(h)] : []),
        ]),
      )
      .insert(tickets)
      .values({ ...ticketRow, search: sql`to_tsvector('simple', ${search})` })
      .returning({ number: tickets.number }),
    )
    await storeFiles(w, ticketId, messageId, files, at)
    return rows
  }
  const [created] = tx || !files.length ? await write(db) : await deps.db.transaction(write)
  const ticket: TicketRow = {
    ...values,
    number: created!.number,
    assigneeId: null,
    billableReason: null,
    firstResponseAt: null,
    resolvedAt: null,
    closedAt: null,
    lastAgentReplyAt: null,
    mergedIntoId: null,
    version: 1,
  }
  return ticket
}

/**
 * Queues, ticket types and the default state: read by every intake, changed rarely, so kept
 * per process (src/lib/config-cache.ts). An id the cached copy does not know (a queue made on
 * another instance a second ago) and a missing default state are read afresh, so the cache can
 * only be late about changes to rows it holds, never refuse a request wrongly.
 */
export const INTAKE_CONFIG_CACHE_MS = 5_000
interface IntakeConfig {
  queues: Map<string, typeof queues.$inferSelect>
  types: Map<string, typeof ticketTypes.$inferSelect>
  defaultState: typeof ticketStates.$inferSelect | undefined
}
async function readIntakeConfig(db: Db): Promise<IntakeConfig> {
  const qs = await db.select().from(queues)
  const ts = await db.select().from(ticketTypes)
  const [defaultState] = await db.select().from(ticketStates).where(eq(ticketStates.isDefault, true)).limit(1)
  return { queues: new Map(qs.map((q) => [q.id, q])), types: new Map(ts.map((t) => [t.id, t])), defaultState }
}
const cachedIntakeConfig = configCache(INTAKE_CONFIG_CACHE_MS, readIntakeConfig)

export async function intakeConfig(db: Db, queueId: string, typeId: string | undefined) {
  let config = await cachedIntakeConfig(db)
  if (!config.queues.has(queueId) || (typeId && !config.types.has(typeId)) || !config.defaultState) config = await readIntakeConfig(db)
  return { queue: config.queues.get(queueId), type: typeId ? config.types.get(typeId) : undefined, state: config.defaultState }
}

/**
 * Whether work on a ticket is billable until a manager decides otherwise (with a reason): as its
 * type says, else as its queue says. Intake sets it so; a PATCH of the type or queue follows it.
 */
export const billableOf = (type: { billable: boolean } | undefined, queue: { billableByDefault: boolean }): boolean => (type ? type.billable : queue.billableByDefault)

/** The site and equipment, when given, must belong to the requester's organization. */
export async function foreignRefs(db: Db, organizationId: string, refs: { siteId?: string | null; equipmentId?: string | null }): Promise<FieldError[]> {
  const errors: FieldError[] = []
  if (refs.siteId) {
    const [site] = await db.select({ organizationId: sites.organizationId }).from(sites).where(eq(sites.id, refs.siteId))
    if (site?.organizationId !== organizationId) errors.push(refField('siteId', "no such site of the ticket's organization"))
  }
  if (refs.equipmentId) {
    const [item] = await db.select({ organizationId: equipment.organizationId }).from(equipment).where(eq(equipment.id, refs.equipmentId))
    if (item?.organizationId !== organizationId) errors.push(refField('equipmentId', "no such equipment of the ticket's organization"))
  }
  return errors
}
