import type { Deps } from '../../deps.ts'
import { AppError, notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import { type Principal, principalKey } from '../../lib/principal.ts'
import { insertContactWithEmails } from '../contacts/contacts.service.ts'
import { htmlToText } from './content.ts'
import * as repo from './inbound.repo.ts'
import type { MailIntake } from './inbound.service.ts'
import { parseInbound } from './parse.ts'
import type {
  ListQuarantineQuery,
  QuarantinedMail,
  QuarantinedMailDetail,
  ReleaseQuarantined,
  ReleaseResult,
} from './quarantine.schemas.ts'

/**
 * The quarantine: inbound mail held instead of routed (refused by the intake gate, over the
 * sender cap, unparseable, or accepted while tickets are not wired). Admins read it, discard
 * it, or release it — which runs the router again, optionally after registering the sender.
 */
const EXCERPT = 2000

export function toQuarantined(r: repo.InboundMailRow): QuarantinedMail {
  return {
    id: r.id,
    mailbox: r.mailbox,
    queueId: r.queueId,
    from: r.fromAddress,
    fromName: r.fromName,
    envelopeFrom: r.envelopeFrom,
    subject: r.subject,
    messageId: r.messageId,
    size: r.size,
    outcome: r.outcome,
    reason: r.reason,
    state: r.reviewState ?? 'pending',
    ticketId: r.ticketId,
    receivedAt: r.receivedAt.toISOString(),
    quarantinedAt: (r.quarantinedAt ?? r.receivedAt).toISOString(),
    reviewedAt: r.reviewedAt?.toISOString() ?? null,
    reviewedBy: r.reviewedBy,
  }
}

export const listQuarantine = (deps: Deps, q: ListQuarantineQuery): Promise<Page<QuarantinedMail>> =>
  repo.listQuarantine(deps.db, { ...q, limit: q.limit ?? 50 }, toQuarantined)

async function findQuarantined(deps: Deps, id: string): Promise<repo.InboundMailRow> {
  const row = await repo.findInbound(deps.db, id)
  if (!row?.quarantinedAt) throw notFound('quarantined mail', id)
  return row
}

export async function rawQuarantined(intake: MailIntake, id: string): Promise<Buffer> {
  const row = await findQuarantined(intake.deps, id)
  const raw = await intake.blobs.get(intake.deps.db, row.rawBlobHash)
  if (!raw) throw new AppError('INTERNAL', `the raw message of ${id} is missing from the blob store`)
  return raw
}

export async function getQuarantined(intake: MailIntake, id: string): Promise<QuarantinedMailDetail> {
  const row = await findQuarantined(intake.deps, id)
  const raw = await rawQuarantined(intake, id)
  const parsed = await parseInbound(raw).catch(() => undefined)
  const text = parsed?.text ?? (parsed?.html ? htmlToText(parsed.html) : '')
  return {
    ...toQuarantined(row),
    to: parsed?.to ?? [],
    cc: parsed?.cc ?? [],
    date: parsed?.date?.toISOString() ?? null,
    textExcerpt: text.slice(0, EXCERPT),
    attachments: (parsed?.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.bytes.length, inline: a.inline })),
  }
}

const notPending = (row: repo.InboundMailRow) =>
  new AppError('CONFLICT', `quarantined mail ${row.id} was already ${row.reviewState} by ${row.reviewedBy ?? 'someone'}`)

export async function discardQuarantined(deps: Deps, principal: Principal, id: string): Promise<QuarantinedMail> {
  return deps.db.transaction(async (tx) => {
    const row = await repo.findInbound(tx, id, true)
    if (!row?.quarantinedAt) throw notFound('quarantined mail', id)
    if (row.reviewState !== 'pending') throw notPending(row)
    const now = deps.clock.now()
    return toQuarantined(await repo.updateInbound(tx, id, { reviewState: 'discarded', reviewedAt: now, reviewedBy: principalKey(principal, '') }))
  })
}

/**
 * Runs the router again for a held message, at the release time (a contract signed since the
 * mail arrived now covers it). Still refused → it stays pending with the new reason; routed →
 * released, with the ticket. A registered contact stays registered either way: the admin asked for it.
 */
export async function releaseQuarantined(intake: MailIntake, principal: Principal, id: string, input: ReleaseQuarantined): Promise<ReleaseResult> {
  const { deps } = intake
  const raw = await rawQuarantined(intake, id)
  // Parsed before the transaction: it is CPU work, and the transaction should stay short.
  const parsed = await parseInbound(raw).catch(() => undefined)
  return deps.db.transaction(async (tx) => {
    const row = await repo.findInbound(tx, id, true)
    if (!row?.quarantinedAt) throw notFound('quarantined mail', id)
    if (row.reviewState !== 'pending') throw notPending(row)
    if (!parsed) throw new AppError('UNPROCESSABLE', 'the message cannot be parsed; download it (raw) or discard it')
    const now = deps.clock.now()
    let contactId: string | null = null
    if (input.registerContact) {
      if (!parsed.from) {
        throw new AppError('UNPROCESSABLE', 'the message has no single sender address to register', {
          errors: [{ in: 'body', field: 'registerContact', message: 'the message has no usable From address' }],
        })
      }
      const contact = await insertContactWithEmails(tx, { ...input.registerContact, emails: [parsed.from] }, now)
      contactId = contact.id
    }
    const routed = await intake.router.route(tx, {
      mailbox: row.mailbox,
      queue: { id: row.queueId, inboundEmail: row.mailbox },
      parsed,
      rawBlobHash: row.rawBlobHash,
      inboundMailId: row.id,
      sender: parsed.from,
      at: now,
    })
    const patch =
      routed.outcome === 'quarantined'
        ? { reason: routed.reason ?? row.reason }
        : { outcome: routed.outcome, reason: null, ticketId: routed.ticketId ?? null, reviewState: 'released' as const, reviewedAt: now, reviewedBy: principalKey(principal, '') }
    const updated = await repo.updateInbound(tx, id, patch)
    return { mail: toQuarantined(updated), outcome: routed.outcome, reason: routed.reason ?? null, ticketId: routed.ticketId ?? null, contactId }
  })
}
