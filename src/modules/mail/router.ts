import type { Tx } from '../../db/client.ts'
import type { Deps } from '../../deps.ts'
import { checkIntake, type IntakeDecision } from '../contracts/intake-gate.ts'
import { deliverToTickets } from './deliver.ts'
import type { ParsedMail } from './parse.ts'

/**
 * The last step of mail intake, behind a narrow interface: everything before it (raw bytes
 * stored, dedupe, loop guard, sender cap) is done by inbound.service.ts; the router decides
 * what the message becomes. It runs inside the intake transaction and must use only `tx`
 * (STACK.md trap 2) and must not send mail (trap 26: write an outbox row instead).
 */
export interface InboundQueue {
  id: string
  inboundEmail: string
}

export interface RouteInput {
  /** The receiving queue address (plus-addressing already folded). */
  mailbox: string
  queue: InboundQueue
  parsed: ParsedMail
  /** SHA-256 of the raw message in the blob store: retrievable byte for byte. */
  rawBlobHash: string
  inboundMailId: string
  /** The parsed From address, lower-cased; undefined when missing or ambiguous (never a display name). */
  sender: string | undefined
  /** When intake decides: the reception time, or the release time for a released message. */
  at: Date
  /**
   * Set by intake (not by a release): a new ticket's outcome may be written on the inbound row
   * with the ticket's own statement, and the result then says `recorded`.
   */
  recordOutcome?: boolean
}

export type RouteOutcome = {
  outcome: 'ticket_created' | 'message_added' | 'quarantined'
  ticketId?: string
  reason?: string
  /** The outcome is already on the inbound row (with the same values intake would write). */
  recorded?: boolean
}

export interface MailRouter {
  route(tx: Tx, input: RouteInput): Promise<RouteOutcome>
}

/** The intake gate's acceptance: who sent it, their organization and the covering contract. */
export type IntakeAccepted = Extract<IntakeDecision, { ok: true }>

/**
 * What an accepted message becomes: threading onto an existing ticket or a new one. The lead
 * plugs `intakeTicket` and the threading helpers in here.
 */
export type DeliverFn = (tx: Tx, input: RouteInput, intake: IntakeAccepted) => Promise<RouteOutcome>

/** Until tickets exist, accepted mail is kept in quarantine so nothing is lost; releasing it later delivers it. */
export const quarantineUntilTickets: DeliverFn = async () => ({ outcome: 'quarantined', reason: 'tickets_unavailable' })

/**
 * The default router: sender → contact (by the parsed address) → intake gate on the email
 * channel → `deliver`; a refusal (unknown sender, not authorized, no active contract, channel
 * not allowed …) is quarantined with the gate's reason and is never answered.
 */
export function createDefaultRouter(deliver: DeliverFn = quarantineUntilTickets): MailRouter {
  return {
    async route(tx, input) {
      if (!input.sender) return { outcome: 'quarantined', reason: 'no_sender' }
      const decision = await checkIntake(tx, { email: input.sender, channel: 'email', at: input.at })
      if (!decision.ok) return { outcome: 'quarantined', reason: decision.reason }
      return deliver(tx, input, decision)
    },
  }
}

/** The router `npm start` uses: accepted mail goes to tickets (threaded reply or new ticket). */
export const routerFor = (deps: Deps): MailRouter => createDefaultRouter(deliverToTickets(deps))
