import { createHash } from 'node:crypto'
import { type AddressObject, simpleParser } from 'mailparser'
import { detectContentType, sanitizeFilename } from '../../lib/files.ts'

/**
 * Inbound mail as the intake pipeline sees it (issue: "sender → contact by the parsed address,
 * never the display name"; "dedupe by Message-ID"; "attachments stored (sanitised names, detected
 * types; nested messages and winmail.dat kept as attachments); inline images kept; charsets decoded").
 * Pure: the caller stores the raw bytes untouched and passes them here; nothing here does I/O.
 */
export interface ParsedAttachment {
  /** Safe to store and serve: no directory parts, control or bidi characters (sanitizeFilename). */
  filename: string
  /** Detected from the bytes; what we serve the attachment as. */
  contentType: string
  /** What the sender claimed; kept for display and for message/rfc822 and TNEF, which bytes alone do not reveal. */
  declaredContentType: string
  bytes: Buffer
  /** Shown in the body (Content-Disposition inline, or a part of multipart/related). */
  inline: boolean
  /** Without angle brackets, as `cid:` URLs in the HTML refer to it. */
  contentId?: string
}

export interface ParsedMail {
  /** The one sender address, lower-cased; undefined when missing, empty (trap 17), or more than one. */
  from?: string
  /** Display name: for showing only, never for authorising. */
  fromName?: string
  replyTo: string[]
  to: string[]
  cc: string[]
  deliveredTo: string[]
  subject: string
  /** Normalised (see normalizeMessageId); undefined when absent or unusable. */
  messageId?: string
  /** Normalised ids from In-Reply-To, in header order (usually one). */
  inReplyTo: string[]
  /** Normalised ids from References, oldest first as written. */
  references: string[]
  date?: Date
  /** Top-level Content-Type, lower-cased value and parameters (multipart/report; report-type=…). */
  contentType: { value: string; params: Record<string, string> }
  /** Every header, lower-cased name → unfolded raw values in order (not MIME-decoded). */
  headers: Map<string, string[]>
  text?: string
  html?: string
  attachments: ParsedAttachment[]
}

/**
 * Normalises a Message-ID for storage and comparison: trimmed, one pair of angle brackets, and
 * the part right of the last `@` lower-cased. RFC 5322 makes id-right a domain (case-insensitive)
 * but gives id-left no case rules, so only the domain is folded: two ids differing in the left
 * part's case stay distinct, which is the safe side for dedupe (a false duplicate loses mail).
 * Returns undefined for empty, `<>`, or values with whitespace or brackets inside.
 */
export function normalizeMessageId(value: string | undefined): string | undefined {
  if (!value) return undefined
  let v = value.trim()
  if (v.startsWith('<') && v.endsWith('>')) v = v.slice(1, -1).trim()
  if (!v || /[\s<>]/.test(v) || v.length > 995) return undefined
  const at = v.lastIndexOf('@')
  if (at >= 0) v = v.slice(0, at + 1) + v.slice(at + 1).toLowerCase()
  return `<${v}>`
}

/**
 * All Message-IDs in a header value (In-Reply-To, References), normalised, in order. Old clients
 * append comments or phrases (`<id> (message from X)`), so only bracketed tokens count; a value
 * with no brackets at all is one bare id if it is a single token.
 */
export function messageIdsIn(value: string | undefined): string[] {
  if (!value) return []
  const bracketed = value.match(/<[^<>\s]+>/g)
  const tokens = bracketed ?? (/^\S+$/.test(value.trim()) ? [value.trim()] : [])
  const out: string[] = []
  for (const t of tokens) {
    const n = normalizeMessageId(t)
    if (n && !out.includes(n)) out.push(n)
  }
  return out
}

/**
 * Header-syntax text (a header block, a text/rfc822-headers part, or one block of a
 * message/delivery-status part) → lower-cased name → unfolded values. Stops at the first blank line.
 */
export function parseHeaderBlock(text: string): Map<string, string[]> {
  const headers = new Map<string, string[]>()
  const unfolded = text.replace(/\r\n/g, '\n').split(/\n\n/, 1)[0]!.replace(/\n[ \t]+/g, ' ')
  for (const line of unfolded.split('\n')) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue
    const list = headers.get(name) ?? []
    list.push(line.slice(colon + 1).trim())
    headers.set(name, list)
  }
  return headers
}

/** The first value of a header, or undefined. */
export const firstHeader = (headers: Map<string, string[]>, name: string): string | undefined => headers.get(name.toLowerCase())?.[0]

function addresses(value: AddressObject | AddressObject[] | undefined): { address: string; name: string }[] {
  const out: { address: string; name: string }[] = []
  const walk = (list: { address?: string | undefined; name: string; group?: unknown }[]) => {
    for (const a of list) {
      if (Array.isArray(a.group)) walk(a.group as typeof list)
      else if (a.address) out.push({ address: a.address.trim().toLowerCase(), name: a.name })
    }
  }
  for (const o of Array.isArray(value) ? value : value ? [value] : []) walk(o.value)
  return out
}

const uniq = (list: string[]) => [...new Set(list)]

function fallbackName(declared: string): string {
  if (declared === 'message/rfc822') return 'message.eml'
  if (declared === 'application/ms-tnef' || declared === 'application/vnd.ms-tnef') return 'winmail.dat'
  return 'attachment'
}

export async function parseInbound(raw: Buffer): Promise<ParsedMail> {
  // keepCidLinks: inline images stay `cid:` references to stored attachments (the default inlines
  // them as data: URLs, doubling their size in the body). keepDeliveryStatus: the DSN part stays an
  // attachment so extractBounce can read it (by default it is merged into the text body).
  const m = await simpleParser(raw, { keepCidLinks: true, keepDeliveryStatus: true, skipTextToHtml: true, skipImageLinks: true })
  const headers = parseHeaderBlock(m.headerLines.map((h) => h.line).join('\n'))

  const fromList = addresses(m.from)
  const sender = fromList.length === 1 ? fromList[0] : undefined
  const ct = m.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined
  const params: Record<string, string> = {}
  for (const [k, v] of Object.entries(ct?.params ?? {})) params[k.toLowerCase()] = String(v).toLowerCase()

  const attachments: ParsedAttachment[] = []
  for (const a of m.attachments) {
    const declared = (a.contentType || 'application/octet-stream').toLowerCase()
    const bytes = a.content
    const att: ParsedAttachment = {
      filename: sanitizeFilename(a.filename, fallbackName(declared)),
      contentType: await detectContentType(bytes),
      declaredContentType: declared,
      bytes,
      inline: a.contentDisposition === 'inline' || a.related === true,
    }
    const cid = a.contentId?.trim().replace(/^<|>$/g, '')
    if (cid) att.contentId = cid
    attachments.push(att)
  }

  const parsed: ParsedMail = {
    replyTo: uniq(addresses(m.replyTo).map((a) => a.address)),
    to: uniq(addresses(m.to).map((a) => a.address)),
    cc: uniq(addresses(m.cc).map((a) => a.address)),
    deliveredTo: uniq((headers.get('delivered-to') ?? []).map((v) => v.replace(/^<|>$/g, '').trim().toLowerCase()).filter(Boolean)),
    subject: m.subject ?? '',
    // The first Message-ID header, not mailparser's (it keeps the last of duplicates, trap 17):
    // redeliveries then agree with what a client showing the first one would thread on.
    inReplyTo: messageIdsIn(firstHeader(headers, 'in-reply-to')),
    references: messageIdsIn((headers.get('references') ?? []).join(' ')),
    contentType: { value: (ct?.value ?? 'text/plain').toLowerCase(), params },
    headers,
    attachments,
  }
  const messageId = normalizeMessageId(firstHeader(headers, 'message-id'))
  if (messageId) parsed.messageId = messageId
  if (sender) {
    parsed.from = sender.address
    if (sender.name) parsed.fromName = sender.name
  }
  if (m.date && !Number.isNaN(m.date.getTime())) parsed.date = m.date
  if (m.text) parsed.text = m.text
  if (typeof m.html === 'string' && m.html) parsed.html = m.html
  return parsed
}

/**
 * A dedupe key for mail without a Message-ID, shaped like one so it fits the same column and
 * index: `<{sha256}@synthetic.invalid>` (`.invalid` is reserved, RFC 2606, so it never equals a
 * real id). Hashed: the receiving mailbox, the sender address, the Date header as written, the
 * decoded subject, and a hash of the decoded bodies and attachment bytes.
 * Why this is stable across redelivery: an MTA that delivers the same message twice (a retry after
 * a lost 250, a backup MX) prepends trace headers (Received, Delivered-To, Return-Path) and may
 * re-encode the body (8BITMIME downgrade to quoted-printable), so the raw bytes differ; the
 * author-written Date/From/Subject and the decoded content do not. Two different mails with the
 * same sender, Date to the second, subject and content are the same mail for our purposes.
 * The raw bytes are used only when the message has no decoded content at all.
 */
export function syntheticMessageKey(mailbox: string, parsed: ParsedMail, raw: Buffer): string {
  const body = createHash('sha256')
  body.update(parsed.text ?? '').update('\0').update(parsed.html ?? '')
  for (const a of parsed.attachments) body.update('\0').update(a.bytes)
  if (!parsed.text && !parsed.html && !parsed.attachments.length) {
    const cut = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') : raw.indexOf('\n\n')
    body.update(cut >= 0 ? raw.subarray(cut).toString('latin1').trim() : '')
  }
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        mailbox.trim().toLowerCase(),
        parsed.from ?? '',
        (firstHeader(parsed.headers, 'date') ?? '').replace(/\s+/g, ' '),
        parsed.subject,
        body.digest('hex'),
      ]),
    )
    .digest('hex')
  return `<${key}@synthetic.invalid>`
}
