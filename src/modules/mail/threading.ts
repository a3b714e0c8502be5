import type { ParsedMail } from './parse.ts'

/**
 * Threading helpers (issue: "threading: In-Reply-To and References against the Message-IDs we
 * stored and sent, then a `[#1234]` subject tag"). The caller looks the candidates up in order and
 * takes the first hit; only when none hits does it fall back to the subject tag, because a tag is
 * typed by people and copied between threads, while Message-IDs are not.
 */

/**
 * The ticket number in a `[#1234]` tag. Tolerates spaces inside the brackets (`[# 1234]`,
 * `[#1234 ]`: some clients and people re-type it), never `#1234` without brackets (ordinary text:
 * "invoice #1234"). The first tag wins: on a forwarded chain our tag comes first because we put it
 * at the start of the subject. Leading zeros and numbers beyond 12 digits are not ours.
 */
export function ticketTagFromSubject(subject: string | undefined): number | undefined {
  const m = /\[\s*#\s*([1-9]\d{0,11})\s*\]/.exec(subject ?? '')
  return m ? Number(m[1]) : undefined
}

/** The Message-IDs to look up, most specific first: In-Reply-To, then References newest first; no repeats. */
export function threadCandidates(parsed: Pick<ParsedMail, 'inReplyTo' | 'references'>): string[] {
  const out: string[] = []
  for (const id of [...parsed.inReplyTo, ...[...parsed.references].reverse()]) if (!out.includes(id)) out.push(id)
  return out
}

// Reply/forward prefixes of the clients our customers use: English, German (AW, WG), Nordic (SV, VS),
// Polish/Czech/Croatian (Odp, Odg, PD, Fwd), Bulgarian (Отг, Отн, Пр, Пре), Russian/Ukrainian (Ответ,
// Отв, Пересл, Від), Romanian (Răspuns, Redirecționare, RE), Croatian (Odgovor, Proslijedi, Prosl),
// each optionally counted (Re[2]:, Re(2):, Re^2:).
const PREFIX =
  /^\s*(?:re|fwd?|aw|wg|sv|vs|odp|odg|odgovor|pd|prosl|proslijedi|отг|отн|пр|пре|ответ|отв|пересл|від|răspuns|raspuns|redirecționare|tr|rv|antw)\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:：]\s*/iu

/** The subject without any leading chain of reply/forward prefixes, for a new ticket's title. */
export function stripReplyPrefixes(subject: string): string {
  let s = subject.trim()
  for (;;) {
    const next = s.replace(PREFIX, '')
    if (next === s) return s.trim()
    s = next
  }
}

/**
 * The subject with our tag exactly once, at the front: existing `[#n]` tags for this ticket are
 * removed first, so a reply to "Re: [#1234] Printer" becomes "[#1234] Re: Printer", never doubled.
 */
export function withTicketTag(subject: string, ticketNumber: number): string {
  const rest = withoutTicketTag(subject, ticketNumber)
  return rest ? `[#${ticketNumber}] ${rest}` : `[#${ticketNumber}]`
}

const ANY_TICKET_TAG = /\s*\[\s*#\s*(\d+)\s*\]\s*/g

/** The subject without this ticket's `[#n]` tags (another ticket's tag stays), whitespace collapsed. */
export function withoutTicketTag(subject: string, ticketNumber: number): string {
  // One fixed pattern (compiled once) and a number check, not a RegExp built per call: every outbound mail's subject passes here.
  return subject
    .replace(ANY_TICKET_TAG, (tag, n: string) => (n === String(ticketNumber) ? ' ' : tag))
    .replace(/\s+/g, ' ')
    .trim()
}
