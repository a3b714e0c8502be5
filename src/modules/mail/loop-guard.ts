import { firstHeader, messageIdsIn, type ParsedAttachment, type ParsedMail, parseHeaderBlock } from './parse.ts'

/**
 * The loop guard (issue: "auto-replies and machine mail … never create a ticket and never trigger
 * an automatic reply"). Recognises machine mail by the signals RFC 3834 (Auto-Submitted), RFC 2369/
 * 2919 (List-*), RFC 3462/3464 (delivery reports), de-facto headers (Precedence, X-Autoreply,
 * X-Autorespond, Microsoft's X-Auto-Response-Suppress) and the out-of-office subjects of the
 * clients our customers use. First match wins, in this order: our own mail, bounce, out-of-office,
 * auto-reply, bulk, list — so a returned mail of ours is never mistaken for a customer's, and a
 * bounce is routed to its ticket rather than dropped as generic machine mail.
 */
export type AutomatedKind = 'auto-reply' | 'bulk' | 'list' | 'bounce' | 'own-mail' | 'out-of-office'
export type Classification = { automated: false } | { automated: true; kind: AutomatedKind; reason: string }

export interface LoopGuardOptions {
  /** Domains of our queue addresses; a mail whose X-Loop names one of them went through us. */
  ourDomains: readonly string[]
  /** The domain of our signed Message-IDs. */
  ourMessageIdDomain: string
  /** Checks the signature (message-id.ts verifyMessageId with the secret bound in). */
  verifyOurMessageId: (id: string) => boolean
  /** SMTP MAIL FROM; `''` is the null reverse-path. */
  envelopeFrom?: string
}

// Outlook, Exchange, Gmail, Yandex, Mail.ru, Abv.bg in each language, followed by ':' or ending the
// subject: "Out of office tomorrow, please call" is a person writing, "Out of Office: Re: …" is not.
const OUT_OF_OFFICE_SUBJECT =
  /^\s*(?:out of (?:the )?office(?: autoreply)?|automatic reply|auto(?:matic)?[- ]?reply|autoresponse|away from (?:the )?office|автоматичен отговор|извън офиса|отсъствие от офиса|автоответ|автоматический ответ|автоматична відповідь|вне офиса|не в офисе|răspuns automat|raspuns automat|în afara biroului|absent de la birou|automatski odgovor|odsutan iz ureda|odsutna iz ureda|izvan ureda|abwesenheitsnotiz|automatische antwort)\s*(?::|$)/iu

const MACHINE_LOCAL_PART = /^(?:mailer-daemon|postmaster|mail-daemon|maildaemon|mailerdaemon)$/i

const lower = (v: string | undefined) => (v ?? '').trim().toLowerCase()
const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase()

export function classifyAutomated(parsed: ParsedMail, opts: LoopGuardOptions): Classification {
  const h = (name: string) => firstHeader(parsed.headers, name)
  const yes = (kind: AutomatedKind, reason: string): Classification => ({ automated: true, kind, reason })

  // Our own mail: a signed Message-ID (an unsigned one at our domain is a forgery and proves nothing),
  // or our X-Loop marker naming one of our domains.
  if (parsed.messageId && domainOf(parsed.messageId.slice(1, -1)) === opts.ourMessageIdDomain.toLowerCase() && opts.verifyOurMessageId(parsed.messageId)) {
    return yes('own-mail', 'Message-ID signed by us')
  }
  const ours = new Set(opts.ourDomains.map((d) => d.toLowerCase()))
  for (const loop of parsed.headers.get('x-loop') ?? []) {
    const v = lower(loop).replace(/^<|>$/g, '')
    if (ours.has(v.includes('@') ? domainOf(v) : v)) return yes('own-mail', `X-Loop: ${loop}`)
  }

  if (parsed.contentType.value === 'multipart/report' && parsed.contentType.params['report-type'] === 'delivery-status') {
    return yes('bounce', 'multipart/report; report-type=delivery-status')
  }
  const fromLocal = parsed.from ? parsed.from.slice(0, parsed.from.lastIndexOf('@')) : ''
  if (MACHINE_LOCAL_PART.test(fromLocal)) return yes('bounce', `sender ${parsed.from}`)

  const autoSubmitted = lower(h('auto-submitted')).split(/[;(\s]/, 1)[0] ?? ''
  if (OUT_OF_OFFICE_SUBJECT.test(parsed.subject)) return yes('out-of-office', `subject "${parsed.subject}"`)
  const suppress = lower(h('x-auto-response-suppress'))
  if (autoSubmitted && autoSubmitted !== 'no') return yes('auto-reply', `Auto-Submitted: ${autoSubmitted}`)
  if (h('x-autoreply') !== undefined) return yes('auto-reply', 'X-Autoreply')
  if (h('x-autorespond') !== undefined) return yes('auto-reply', 'X-Autorespond')
  if (/\b(?:all|oof)\b/.test(suppress)) return yes('auto-reply', `X-Auto-Response-Suppress: ${h('x-auto-response-suppress')}`)

  const precedence = lower(h('precedence'))
  if (precedence === 'auto_reply') return yes('auto-reply', 'Precedence: auto_reply')
  if (precedence === 'bulk' || precedence === 'junk') return yes('bulk', `Precedence: ${precedence}`)
  if (precedence === 'list') return yes('list', 'Precedence: list')
  for (const name of ['list-id', 'list-unsubscribe', 'list-post']) if (h(name) !== undefined) return yes('list', name)

  // The null reverse-path: RFC 3834 asks autoresponders to send with it, and MTAs send DSNs with it.
  // Without any structural sign of a report, it is treated as an auto-reply.
  const returnPath = parsed.headers.get('return-path')?.at(-1)
  if (opts.envelopeFrom === '' || (returnPath !== undefined && /^<\s*>$/.test(returnPath.trim()))) {
    return yes('auto-reply', 'null reverse-path')
  }
  return { automated: false }
}

/** RFC 3463 status code: class.subject.detail. */
export type DsnStatus = `${2 | 4 | 5}.${number}.${number}`

export interface BounceInfo {
  /** The Message-ID of the message that bounced, normalised; ours when it verifies. */
  originalMessageId?: string
  failedRecipients: string[]
  status?: DsnStatus
  /** Class 5 (permanent failure): the address is undeliverable. Class 4 (delayed) is not. */
  permanent: boolean
}

const isDeliveryStatus = (a: ParsedAttachment) => a.declaredContentType === 'message/delivery-status' || a.declaredContentType === 'message/global-delivery-status'
const isOriginal = (a: ParsedAttachment) =>
  ['text/rfc822-headers', 'message/rfc822', 'message/global', 'message/global-headers'].includes(a.declaredContentType)

/**
 * What a delivery status notification (RFC 3464) says: per-recipient blocks with Action failed or
 * delayed, their Status, and the bounced message's Message-ID from the returned headers (or, from
 * MTAs that return nothing, the report's own In-Reply-To/References). Undefined when the mail has
 * no machine-readable report: free-text bounces are not parsed, since guessing there would mark good
 * addresses undeliverable.
 */
export function extractBounce(parsed: ParsedMail): BounceInfo | undefined {
  const report = parsed.attachments.find(isDeliveryStatus)
  if (!report) return undefined
  // Per-message fields first, then one block per recipient, separated by blank lines.
  const blocks = report.bytes
    .toString('utf8')
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map(parseHeaderBlock)
  const failed: string[] = []
  let worst: DsnStatus | undefined
  let permanent = false
  for (const block of blocks) {
    const action = lower(firstHeader(block, 'action'))
    if (action !== 'failed' && action !== 'delayed') continue
    const status = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(firstHeader(block, 'status') ?? '')
    const code = status ? (`${status[1]}.${status[2]}.${status[3]}` as DsnStatus) : undefined
    const isPermanent = action === 'failed' && (code === undefined || code.startsWith('5'))
    const recipient = (firstHeader(block, 'final-recipient') ?? firstHeader(block, 'original-recipient') ?? '').replace(/^[^;]*;/, '').trim()
    if (isPermanent && recipient) failed.push(recipient.replace(/^<|>$/g, '').toLowerCase())
    if (code && (!worst || (isPermanent && !permanent))) worst = code
    if (isPermanent) permanent = true
  }
  const info: BounceInfo = { failedRecipients: [...new Set(failed)], permanent }
  if (worst) info.status = worst
  const original = parsed.attachments.find(isOriginal)
  const originalId = original ? messageIdsIn(firstHeader(parseHeaderBlock(original.bytes.toString('utf8')), 'message-id'))[0] : undefined
  const fallbackId = [...parsed.inReplyTo, ...parsed.references][0]
  const id = originalId ?? fallbackId
  if (id) info.originalMessageId = id
  return info
}

/**
 * The per-address cap on automatic mail (issue: "a cap on automatic mail per address stops storms
 * from autoresponders that send no such headers"): the caller counts automatic mails sent to the
 * address in the window (a DB counter); at the cap, it stops sending and quarantines instead.
 */
export const shouldThrottle = (countInWindow: number, max: number): boolean => countInWindow >= max
