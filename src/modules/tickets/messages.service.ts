import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { literalLimit } from '../../db/crud.ts'
import { messageAttachments, queues, ticketMessages, tickets } from '../../db/schema/index.ts'
import type { Channel } from '../../db/schema/directory.ts'
import type { MessageVisibility } from '../../db/schema/tickets.ts'
import type { Deps } from '../../deps.ts'
import { AppError, notFound } from '../../lib/errors.ts'
import { decodeCursor, type Page, toPage } from '../../lib/pagination.ts'
import type { Principal } from '../../lib/principal.ts'
import { foldSearchText, searchPart } from '../../lib/search-text.ts'
import { blobStoreFor } from '../blobs/blob-store.ts'
import { enqueue } from '../outbox/outbox.service.ts'
import { findAttachment, type IncomingFile, prepareFiles, type StagedFile, sanitizeBody, stageFiles, storeFiles, textOfHtml } from './attachments.ts'
import { type EventInput, recordEvents, requestChannel } from './events.ts'
import { applyClockChange, isDone, loadClocks, loadPolicy, owedOf } from './sla.service.ts'
import type { Message } from './tickets.schemas.ts'
import { allStates, findTicket } from './tickets.repo.ts'
import { visibleTicket } from './tickets.service.ts'

export interface NewMessage {
  visibility: MessageVisibility
  bodyText?: string
  bodyHtml?: string
  channel?: Channel
  files?: IncomingFile[]
  /** The mail Message-ID of an inbound message (threading and dedupe of the mail channel). */
  mailMessageId?: string
}

type MessageRow = typeof ticketMessages.$inferSelect
type AttachmentRow = typeof messageAttachments.$inferSelect

function toMessage(m: MessageRow, files: AttachmentRow[]): Message {
  return {
    id: m.id,
    ticketId: m.ticketId,
    visibility: m.visibility,
    authorKind: m.authorKind,
    authorContactId: m.authorContactId,
    authorAgentId: m.authorAgentId,
    channel: m.channel,
    bodyText: m.bodyText,
    bodyHtml: m.bodyHtml,
    attachments: files
      .filter((f) => f.messageId === m.id)
      .map((f) => ({
        id: f.id,
        messageId: f.messageId,
        filename: f.filename,
        contentType: f.contentType,
        size: f.size,
        inline: f.inline,
        contentId: f.contentId,
        url: `/v1/attachments/${f.id}`,
      })),
    createdAt: m.createdAt.toISOString(),
  }
}

/** The service itself writing (a bounce of our mail noted on its ticket): sees every ticket, writes as the system. */
export interface SystemAuthor {
  kind: 'system'
  id: string
}

/**
 * Adds a message to a ticket's conversation. Who wrote it decides what it does to the clocks:
 * an agent's public reply meets the first-response (and a pending next-response) target; a
 * contact's reply re-arms next response. Internal notes touch no clock and are never shown to
 * contacts (who cannot write them either). API keys and the service itself write as the system.
 */
export async function addMessage(deps: Deps, principal: Principal | SystemAuthor, ticketId: string, input: NewMessage): Promise<Message> {
  if (principal.kind === 'contact' && input.visibility !== 'public') throw new AppError('FORBIDDEN', 'contacts cannot write internal notes')
  const files = await prepareFiles(deps.config, input.files ?? [])
  const html = input.bodyHtml ? sanitizeBody(input.bodyHtml) : null
  const text = (input.bodyText ?? (html ? textOfHtml(html) : '')).trim()
  if (!text && !files.length) {
    throw new AppError('UNPROCESSABLE', 'a message needs a text, an HTML body or a file', {
      errors: [{ in: 'body', field: 'bodyText', message: 'give bodyText, bodyHtml or files' }],
    })
  }
  const now = deps.clock.now()
  const channel: Channel = input.channel ?? requestChannel(principal)
  const author =
    principal.kind === 'agent'
      ? { authorKind: 'agent' as const, authorAgentId: principal.id }
      : principal.kind === 'contact'
        ? { authorKind: 'contact' as const, authorContactId: principal.id }
        : { authorKind: 'system' as const }
  // The bytes go to the blob store before the transaction, so a slow store (S3) holds no connection
  // and no lock on the ticket; only for someone who may write here (checked again, locked, below).
  let staged: StagedFile[] = []
  if (files.length) {
    if (principal.kind !== 'system') await visibleTicket(deps.db, principal, ticketId)
    staged = await stageFiles(blobStoreFor(deps.config), files)
  }
  return deps.db.transaction(async (tx) => {
    const t = principal.kind === 'system' ? await findTicket(tx, ticketId, true) : await visibleTicket(tx, principal, ticketId, true)
    if (!t) throw notFound('ticket', ticketId)
    if (t.mergedIntoId) throw new AppError('CONFLICT', `ticket ${ticketId} was merged into ${t.mergedIntoId}; write there`)
    const [m] = await tx
      .insert(ticketMessages)
      .values({ ticketId, visibility: input.visibility, ...author, createdBy: `${principal.kind}:${principal.id}`, channel, bodyText: text, bodyHtml: html, mailMessageId: input.mailMessageId ?? null, createdAt: now })
      .returning()
    const stored = await storeFiles(tx, ticketId, m!.id, staged, now)
    const set: Partial<typeof tickets.$inferInsert> = {}
    const isPublic = input.visibility === 'public'
    const events: EventInput[] = [{ type: 'message.added', new: { messageId: m!.id, visibility: input.visibility, authorKind: author.authorKind, attachments: files.length } }]
    if (isPublic && author.authorKind !== 'system') {
      const policy = await loadPolicy(tx, t.slaPolicyId)
      let category = t.stateCategory
      if (author.authorKind === 'contact' && (category === 'pending' || category === 'resolved')) {
        const reopen = await reopenTarget(tx, t)
        if (reopen) {
          Object.assign(set, { stateId: reopen.to.id, stateCategory: reopen.to.category, resolvedAt: null })
          events.push({ type: 'ticket.updated', field: 'state', old: reopen.from.key, new: reopen.to.key, reason: 'the customer replied' })
          const clocks = await loadClocks(tx, t.id)
          const owed = isDone(category) ? await owedOf(tx, t, clocks) : undefined
          const resumed = await applyClockChange(tx, t.id, { kind: 'category', from: category, to: reopen.to.category, owed }, policy, policy, t.priority, now, clocks)
          events.push(...resumed.events)
          category = reopen.to.category
        }
      }
      const change = author.authorKind === 'agent' ? ({ kind: 'agentReply' } as const) : ({ kind: 'customerReply', category } as const)
      const out = await applyClockChange(tx, t.id, change, policy, policy, t.priority, now)
      Object.assign(set, out.columns)
      events.push(...out.events)
      if (author.authorKind === 'agent') {
        set.lastAgentReplyAt = now
        if (!t.firstResponseAt) set.firstResponseAt = now
      } else set.lastCustomerMessageAt = now
    }
    const searchText = isPublic && text ? foldSearchText(searchPart(text)) : ''
    await tx
      .update(tickets)
      .set({
        ...set,
        ...(searchText ? { search: sql`${tickets.search} || to_tsvector('simple', ${searchText})` } : {}),
        version: sql`${tickets.version} + 1`,
        updatedAt: now,
      })
      .where(eq(tickets.id, t.id))
    await recordEvents(tx, t.id, { kind: principal.kind, id: principal.id }, channel, events, now)
    if (isPublic) {
      await enqueue(tx, [{ kind: 'notification', payload: { event: 'ticket.message_added', ticketId: t.id, number: t.number, messageId: m!.id }, subject: `ticket:${t.id}` }], now)
    }
    return toMessage(m!, stored)
  })
}

/** A ticket's conversation in order; contacts see public messages only. */
export async function listMessages(deps: Deps, principal: Principal, ticketId: string, q: { limit?: number; cursor?: string }): Promise<Page<Message>> {
  await visibleTicket(deps.db, principal, ticketId)
  const limit = q.limit ?? 50
  const after = decodeCursor('ticket-messages', q.cursor, 1)
  if (after && typeof after[0] !== 'string') throw new AppError('INVALID_CURSOR', 'the cursor is malformed')
  const rows = await deps.db
    .select()
    .from(ticketMessages)
    .where(
      and(
        eq(ticketMessages.ticketId, ticketId),
        principal.kind === 'contact' ? ne(ticketMessages.visibility, 'internal') : undefined,
        after ? sql`${ticketMessages.id} > ${after[0]}::uuid` : undefined,
      ),
    )
    .orderBy(asc(ticketMessages.id))
    .limit(literalLimit(limit + 1))
  const ids = rows.slice(0, limit).map((r) => r.id)
  const files = ids.length ? await deps.db.select().from(messageAttachments).where(inArray(messageAttachments.messageId, ids)) : []
  return toPage('ticket-messages', rows, limit, (r) => [r.id], (r) => toMessage(r, files))
}

/**
 * An attachment's bytes, for anyone who may see its ticket (and, for contacts, its message:
 * files of internal notes stay internal). Everyone else gets 404.
 */
export async function downloadAttachment(deps: Deps, principal: Principal, id: string): Promise<{ filename: string; contentType: string; bytes: Buffer }> {
  const a = await findAttachment(deps.db, id)
  if (!a) throw notFound('attachment', id)
  try {
    await visibleTicket(deps.db, principal, a.ticketId)
  } catch {
    throw notFound('attachment', id)
  }
  if (principal.kind === 'contact' && (await isInternal(deps.db, a.messageId))) throw notFound('attachment', id)
  const bytes = await blobStoreFor(deps.config).get(deps.db, a.blobHash)
  if (!bytes) throw new AppError('INTERNAL', `the body of attachment ${id} is missing from the blob store`)
  return { filename: a.filename, contentType: a.contentType, bytes }
}

/**
 * Where a customer's reply moves a waiting (pending) or resolved ticket: the first active state of
 * category open, when the ticket's queue says `reopenOnCustomerReply` (the default). Closed
 * tickets stay closed: a reply to those is a new request.
 */
async function reopenTarget(tx: Db, t: { stateId: string; queueId: string }) {
  const [queue] = await tx.select({ reopen: queues.reopenOnCustomerReply }).from(queues).where(eq(queues.id, t.queueId))
  if (!queue?.reopen) return null
  const states = await allStates(tx)
  const to = states.filter((s) => s.category === 'open' && s.active).sort((a, b) => a.position - b.position)[0]
  const from = states.find((s) => s.id === t.stateId)
  return to && from ? { from, to } : null
}

async function isInternal(db: Db, messageId: string): Promise<boolean> {
  const [m] = await db.select({ visibility: ticketMessages.visibility }).from(ticketMessages).where(eq(ticketMessages.id, messageId))
  return m?.visibility !== 'public'
}
