import { eq, inArray } from 'drizzle-orm'
import type { Tx } from '../../db/client.ts'
import { ticketMessages, tickets } from '../../db/schema/index.ts'
import type { Deps } from '../../deps.ts'
import { AppError } from '../../lib/errors.ts'
import type { Principal } from '../../lib/principal.ts'
import { intakeTicket } from '../tickets/intake.service.ts'
import { outcomeUpdate } from './inbound.repo.ts'
import { addMessage } from '../tickets/messages.service.ts'
import { splitQuoted } from './content.ts'
import { mailIdSettings, verifyMessageId } from './message-id.ts'
import type { DeliverFn, IntakeAccepted, RouteInput, RouteOutcome } from './router.ts'
import { threadCandidates, ticketTagFromSubject, stripReplyPrefixes } from './threading.ts'

/**
 * Which ticket a reply belongs to: the Message-IDs it answers (In-Reply-To, then References,
 * newest first) — ours carry the ticket number under our signature, the customer's are stored
 * on their messages — then the `[#1234]` subject tag. A merged ticket forwards to its target.
 * Only a ticket of the sender's own organization is ever returned: a message pointing at
 * another organization's ticket starts a new ticket instead of being appended there.
 */
async function findThread(tx: Tx, input: RouteInput, organizationId: string, secret: string): Promise<typeof tickets.$inferSelect | undefined> {
  const numbers: number[] = []
  const candidates = threadCandidates(input.parsed)
  for (const id of candidates) {
    const ours = verifyMessageId(id, secret)
    if (ours.ours && ours.ticketNumber !== undefined) numbers.push(ours.ticketNumber)
  }
  let found: typeof tickets.$inferSelect | undefined
  if (numbers.length) {
    const rows = await tx.select().from(tickets).where(inArray(tickets.number, numbers))
    found = numbers.map((n) => rows.find((r) => r.number === n)).find((r) => r?.organizationId === organizationId)
  }
  if (!found && candidates.length) {
    const rows = await tx
      .select({ ticket: tickets, mid: ticketMessages.mailMessageId })
      .from(ticketMessages)
      .innerJoin(tickets, eq(tickets.id, ticketMessages.ticketId))
      .where(inArray(ticketMessages.mailMessageId, candidates))
    found = candidates.map((c) => rows.find((r) => r.mid === c)?.ticket).find((t) => t?.organizationId === organizationId)
  }
  const tag = found ? undefined : ticketTagFromSubject(input.parsed.subject)
  if (tag !== undefined) {
    const [row] = await tx.select().from(tickets).where(eq(tickets.number, tag))
    if (row?.organizationId === organizationId) found = row
  }
  for (let hops = 0; found?.mergedIntoId && hops < 10; hops++) {
    const [target] = await tx.select().from(tickets).where(eq(tickets.id, found.mergedIntoId))
    found = target
  }
  return found
}

/**
 * Accepted mail becomes a message on the ticket it answers, or a new ticket through the one
 * intake path. A request the ticket rules refuse (a type's required fields, too many
 * attachments …) is quarantined with the reason instead of failing the SMTP transaction, so the
 * relay is not told to retry something that will never pass. intakeTicket refuses before it
 * writes anything (its one statement comes after every check), so a new ticket needs no
 * savepoint; a reply is added in a savepoint of the intake transaction, as addMessage may
 * refuse after writing.
 */
export function deliverToTickets(deps: Deps): DeliverFn {
  const { secret } = mailIdSettings(deps.config)
  return async (tx: Tx, input: RouteInput, intake: IntakeAccepted): Promise<RouteOutcome> => {
    const contact: Principal = { kind: 'contact', id: intake.contact.id, organizationId: intake.organization.id, name: intake.contact.name }
    const parsed = input.parsed
    const split = splitQuoted(parsed.text ?? '')
    const text = split.newText.trim() || (parsed.text ?? '').trim()
    const files = parsed.attachments.map((a) => ({ filename: a.filename, bytes: a.bytes, inline: a.inline, contentId: a.contentId ?? null }))
    const scoped = { ...deps, clock: { now: () => input.at } }
    try {
      const thread = await findThread(tx, input, intake.organization.id, secret)
      if (thread) {
        await tx.transaction((sp) =>
          addMessage({ ...scoped, db: sp }, contact, thread.id, {
            visibility: 'public',
            channel: 'email',
            bodyText: text || undefined,
            bodyHtml: parsed.html,
            files,
            mailMessageId: parsed.messageId,
          }),
        )
        return { outcome: 'message_added', ticketId: thread.id }
      }
      // Writes through `tx`, the intake transaction; `scoped.db` stays the application's database.
      const ticket = await intakeTicket(scoped, tx, {
        channel: 'email',
        requester: { contactId: intake.contact.id },
        subject: stripReplyPrefixes(parsed.subject ?? '').trim().slice(0, 300) || '(no subject)',
        description: { text },
        bodyHtml: parsed.html,
        queueId: input.queue.id,
        attachments: files,
        mailMessageId: parsed.messageId,
        gate: intake,
        createdBy: { kind: 'contact', id: intake.contact.id },
        at: input.at,
        ...(input.recordOutcome
          ? { alsoWrite: (b, ticketId) => outcomeUpdate(b, input.inboundMailId, { outcome: 'ticket_created', reason: null, ticketId, details: null }) }
          : {}),
      })
      return { outcome: 'ticket_created', ticketId: ticket.id, recorded: Boolean(input.recordOutcome) }
    } catch (e) {
      if (e instanceof AppError && e.status < 500) return { outcome: 'quarantined', reason: `refused_by_tickets: ${e.code.toLowerCase()} — ${e.detail ?? e.title}`.slice(0, 300) }
      throw e
    }
  }
}
