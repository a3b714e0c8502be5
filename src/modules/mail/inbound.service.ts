import type { Tx } from '../../db/client.ts'
import type { BounceDetails, InboundOutcome } from '../../db/schema/mail.ts'
import type { Deps } from '../../deps.ts'
import { AppError } from '../../lib/errors.ts'
import { type BlobStore, blobStoreFor } from '../blobs/blob-store.ts'
import { addMessage, type SystemAuthor } from '../tickets/messages.service.ts'
import * as repo from './inbound.repo.ts'
import { classifyAutomated, extractBounce } from './loop-guard.ts'
import { type MailIdSettings, mailIdSettings, verifyMessageId } from './message-id.ts'
import { firstHeader, type ParsedMail, parseHeaderBlock, parseInbound, syntheticMessageKey } from './parse.ts'
import type { InboundQueue, MailRouter, RouteOutcome } from './router.ts'

/**
 * The intake pipeline, one transaction per message per receiving mailbox (issue 5 §1):
 *   loop guard verdict (from the message alone, before the transaction); one statement writes
 *   the raw bytes' blob row, claims (mailbox, Message-ID or synthetic key) and counts the sender
 *   of mail the guard let through — a duplicate stops there with the first delivery's outcome;
 *   machine mail is recorded, never routed (a bounce of our mail marks the failed addresses
 *   undeliverable); the per-sender hourly cap; then the router; then the outcome. The caller
 *   answers 250 only after this resolves (the commit happened) and 451 when it throws (nothing
 *   was committed, so the relay's retry starts from scratch).
 */
export interface MailIntake {
  deps: Deps
  blobs: BlobStore
  router: MailRouter
  ids: MailIdSettings
}

export const createMailIntake = (deps: Deps, router: MailRouter, blobs: BlobStore = blobStoreFor(deps.config)): MailIntake => ({
  deps,
  blobs,
  router,
  ids: mailIdSettings(deps.config),
})

export interface InboundMessage {
  raw: Buffer
  /** Undefined when the message could not be parsed: it is kept and quarantined as `unparseable`. */
  parsed: ParsedMail | undefined
  mailbox: string
  queue: InboundQueue
  /** SMTP MAIL FROM; `''` is the null reverse-path. */
  envelopeFrom: string | undefined
  receivedAt: Date
  /** Domains of our queue addresses, for X-Loop recognition. */
  ourDomains: readonly string[]
}

export interface IntakeResult {
  inboundMailId: string
  outcome: InboundOutcome
  reason: string | null
  ticketId: string | null
  /** This delivery repeated an earlier one: nothing was done, `outcome` is the first delivery's. */
  duplicate: boolean
}

/** Parses for intake; a parser failure is not the sender's loss: the message is kept as unparseable. */
export async function parseForIntake(raw: Buffer): Promise<ParsedMail | undefined> {
  try {
    return await parseInbound(raw)
  } catch {
    return undefined
  }
}

/** Header-only view of a message mailparser gave up on, enough for dedupe and for the quarantine list. */
function headersOnly(raw: Buffer): ParsedMail {
  const headers = parseHeaderBlock(raw.subarray(0, 256 * 1024).toString('latin1'))
  return {
    replyTo: [],
    to: [],
    cc: [],
    deliveredTo: [],
    subject: firstHeader(headers, 'subject') ?? '',
    inReplyTo: [],
    references: [],
    contentType: { value: 'text/plain', params: {} },
    headers,
    attachments: [],
  }
}

const HOUR = 3_600_000
const SUBJECT_MAX = 1000

export async function intakeMessage(intake: MailIntake, msg: InboundMessage): Promise<IntakeResult> {
  const { deps } = intake
  const parsed = msg.parsed ?? headersOnly(msg.raw)
  const messageKey = parsed.messageId ?? syntheticMessageKey(msg.mailbox, parsed, msg.raw)
  // The loop guard reads only the message, so it is asked before the transaction: mail it lets
  // through counts against its sender's hourly cap in the claim's own statement.
  const verdict = msg.parsed ? loopVerdict(intake, msg, msg.parsed) : undefined
  const sender = verdict && !verdict.automated ? (parsed.from ?? msg.envelopeFrom) : undefined
  const blob = await intake.blobs.stage(msg.raw)

  return deps.db.transaction(async (tx) => {
    const claim = await repo.claimInbound(tx, {
      blob: blob.row,
      row: {
        mailbox: msg.mailbox,
        queueId: msg.queue.id,
        messageKey,
        messageId: parsed.messageId ?? null,
        envelopeFrom: msg.envelopeFrom ?? null,
        fromAddress: parsed.from ?? null,
        fromName: parsed.fromName ?? null,
        subject: parsed.subject.slice(0, SUBJECT_MAX),
        rawBlobHash: blob.hash,
        size: blob.size,
        receivedAt: msg.receivedAt,
        outcome: 'received',
      },
      sender: sender ? { address: sender, windowStart: new Date(Math.floor(msg.receivedAt.getTime() / HOUR) * HOUR) } : undefined,
    })
    if (!claim) {
      // The first delivery committed (its claim made ours wait): both get 250, one outcome.
      const first = await repo.findInboundByKey(tx, msg.mailbox, messageKey)
      if (!first) throw new Error('inbound mail claim lost without a winner')
      return { inboundMailId: first.id, outcome: first.outcome, reason: first.reason, ticketId: first.ticketId, duplicate: true }
    }
    const { id } = claim

    const decided = msg.parsed && verdict ? await decide(intake, tx, msg, msg.parsed, id, blob.hash, verdict, claim.senderCount) : quarantine('unparseable')
    const held = decided.outcome === 'quarantined' || decided.outcome === 'throttled'
    if (!decided.recorded) {
      await repo.setInboundOutcome(tx, id, {
        outcome: decided.outcome,
        reason: decided.reason ?? null,
        ticketId: decided.ticketId ?? null,
        details: decided.details ?? null,
        ...(held ? { quarantinedAt: msg.receivedAt, reviewState: 'pending' as const } : {}),
      })
    }
    return { inboundMailId: id, outcome: decided.outcome, reason: decided.reason ?? null, ticketId: decided.ticketId ?? null, duplicate: false }
  })
}

export const BOUNCE_AUTHOR: SystemAuthor = { kind: 'system', id: 'mail-bounce' }
/** The MTA's own explanation is quoted up to this size; the raw report stays in the blob store. */
const BOUNCE_TEXT_MAX = 4000

/** What an agent reads on the ticket: which address failed, how, and what the reporting MTA said. */
export function bounceNoteText(details: BounceDetails, reporter: string | undefined, explanation: string | undefined): string {
  const lines = details.permanent
    ? [
        `Mail about this ticket could not be delivered to ${details.failedRecipients.join(', ') || 'a recipient'} (status ${details.status ?? '5.0.0'}).`,
        'The address is marked undeliverable: notifications skip it until it is removed from the contact or replaced.',
      ]
    : [`Delivery of mail about this ticket is delayed (status ${details.status ?? '4.0.0'}); the sending relay keeps trying.`]
  if (details.originalMessageId) lines.push(`Returned message: ${details.originalMessageId}`)
  if (reporter) lines.push(`Reported by: ${reporter}`)
  const said = explanation?.trim()
  if (said) lines.push('', said.length > BOUNCE_TEXT_MAX ? `${said.slice(0, BOUNCE_TEXT_MAX)}…` : said)
  return lines.join('\n')
}

/**
 * A bounce of mail we sent about a ticket becomes an internal note on it (issue 5 §1.3), written
 * as the system, in a savepoint: a ticket that is gone or refuses the note leaves the bounce
 * recorded without a ticket rather than failing the SMTP transaction.
 */
async function noteBounceOnTicket(intake: MailIntake, tx: Tx, ticketNumber: number, parsed: ParsedMail, details: BounceDetails, at: Date): Promise<string | undefined> {
  const ticketId = await repo.ticketByNumber(tx, ticketNumber)
  if (!ticketId) return undefined
  const deps = { ...intake.deps, db: tx, clock: { now: () => at } }
  try {
    await addMessage(deps, BOUNCE_AUTHOR, ticketId, { visibility: 'internal', channel: 'email', bodyText: bounceNoteText(details, parsed.from, parsed.text) })
    return ticketId
  } catch (e) {
    if (e instanceof AppError && e.status < 500) {
      intake.deps.log.warn({ ticketId, err: e }, 'mail: bounce not noted on its ticket')
      return undefined
    }
    throw e
  }
}

interface Decision {
  outcome: Exclude<InboundOutcome, 'received'>
  reason?: string | undefined
  ticketId?: string | undefined
  details?: BounceDetails
  /** Already written on the inbound row by the router (a new ticket's statement). */
  recorded?: boolean | undefined
}

const quarantine = (reason: string): Decision => ({ outcome: 'quarantined', reason })

type LoopVerdict = ReturnType<typeof classifyAutomated>

function loopVerdict(intake: MailIntake, msg: InboundMessage, parsed: ParsedMail): LoopVerdict {
  const { secret, domain } = intake.ids
  return classifyAutomated(parsed, {
    ourDomains: [...msg.ourDomains, domain],
    ourMessageIdDomain: domain,
    verifyOurMessageId: (mid) => verifyMessageId(mid, secret).ours,
    ...(msg.envelopeFrom !== undefined ? { envelopeFrom: msg.envelopeFrom } : {}),
  })
}

/** `senderCount`: the sender's messages in this hour including this one, counted by the claim; null when there is no sender. */
async function decide(
  intake: MailIntake,
  tx: Tx,
  msg: InboundMessage,
  parsed: ParsedMail,
  id: string,
  rawBlobHash: string,
  verdict: LoopVerdict,
  senderCount: number | null,
): Promise<Decision> {
  const ours = (mid: string | undefined) => verifyMessageId(mid, intake.ids.secret)
  if (verdict.automated) {
    if (verdict.kind === 'bounce') {
      const bounce = extractBounce(parsed)
      const original = ours(bounce?.originalMessageId)
      if (bounce && original.ours) {
        const details: BounceDetails = { failedRecipients: bounce.failedRecipients, permanent: bounce.permanent }
        if (bounce.originalMessageId) details.originalMessageId = bounce.originalMessageId
        if (original.ticketNumber !== undefined) details.ticketNumber = original.ticketNumber
        if (bounce.status) details.status = bounce.status
        if (bounce.permanent) {
          await repo.markUndeliverable(tx, bounce.failedRecipients, msg.receivedAt, `bounce ${bounce.status ?? '5.0.0'} of ${bounce.originalMessageId}`)
        }
        const ticketId = original.ticketNumber === undefined ? undefined : await noteBounceOnTicket(intake, tx, original.ticketNumber, parsed, details, msg.receivedAt)
        return { outcome: 'bounce', reason: verdict.reason, details, ticketId }
      }
    }
    return { outcome: 'automated', reason: `${verdict.kind}: ${verdict.reason}` }
  }

  // Autoresponders that send none of the headers above still loop: cap what one address may
  // feed into routing (and so into automatic replies) per hour.
  if (senderCount !== null && senderCount > intake.deps.config.AUTO_MAIL_CAP_PER_HOUR) return { outcome: 'throttled', reason: 'sender_cap' }

  const routed: RouteOutcome = await intake.router.route(tx, {
    mailbox: msg.mailbox,
    queue: msg.queue,
    parsed,
    rawBlobHash,
    inboundMailId: id,
    sender: parsed.from,
    at: msg.receivedAt,
    recordOutcome: true,
  })
  return { outcome: routed.outcome, reason: routed.reason, ticketId: routed.ticketId, recorded: routed.recorded }
}
