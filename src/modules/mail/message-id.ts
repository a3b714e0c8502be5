import { type Config, mailDomain, mailIdSecret } from '../../config.ts'
import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Our own Message-IDs, signed. Every outbound mail carries `<dl.{ticket}.{outboxId}.{tag}@{domain}>`
 * where `tag` is the first 80 bits of HMAC-SHA256(secret, "ticket|outboxId|domain") in lower-case hex.
 * Why: threading trusts In-Reply-To/References only when they name a message we sent, and the loop
 * guard recognises our own mail coming back; anyone can write a Message-ID at our domain, so the ids
 * must be unforgeable without the secret (issue: "our own Message-ID, signed so that forged ones are
 * recognised"). Lower-case hex, not base32/base64, because a relay that case-folds an id must not break it.
 * The domain is part of the MAC so an id cannot be replayed under another domain of ours.
 */
const TAG_HEX = 20
const SHAPE = /^<dl\.(n|\d{1,12})\.([0-9A-Za-z-]{1,64})\.([0-9a-f]{20})@([^<>@\s]+)>$/

export interface SignedMessageIdInput {
  ticketNumber?: number | undefined
  outboxId: string
  domain: string
  secret: string
}

function tag(secret: string, ticket: string, outboxId: string, domain: string): string {
  return createHmac('sha256', secret).update(`${ticket}|${outboxId}|${domain}`).digest('hex').slice(0, TAG_HEX)
}

export function signedMessageId({ ticketNumber, outboxId, domain, secret }: SignedMessageIdInput): string {
  if (!/^[0-9A-Za-z-]{1,64}$/.test(outboxId)) throw new Error('outboxId must be an id of letters, digits and hyphens')
  if (ticketNumber !== undefined && !(Number.isSafeInteger(ticketNumber) && ticketNumber >= 0)) throw new Error('ticketNumber must be a non-negative integer')
  const d = domain.toLowerCase()
  const t = ticketNumber === undefined ? 'n' : String(ticketNumber)
  return `<dl.${t}.${outboxId}.${tag(secret, t, outboxId, d)}@${d}>`
}

export interface MessageIdVerdict {
  ours: boolean
  ticketNumber?: number
}

/**
 * Whether `id` is a Message-ID we signed. Accepts several secrets so the secret can be rotated
 * (new one first; old ones keep threading replies to mail sent before the rotation).
 */
export function verifyMessageId(id: string | undefined, secret: string | readonly string[]): MessageIdVerdict {
  if (!id) return { ours: false }
  const m = SHAPE.exec(id.trim())
  if (!m) return { ours: false }
  const [, t, outboxId, given, domain] = m as unknown as [string, string, string, string, string]
  const givenBuf = Buffer.from(given, 'utf8')
  let ok = false
  for (const s of typeof secret === 'string' ? [secret] : secret) {
    const expected = Buffer.from(tag(s, t, outboxId, domain.toLowerCase()), 'utf8')
    // Check every secret, without early exit, so timing says nothing about which one matched.
    if (timingSafeEqual(expected, givenBuf)) ok = true
  }
  if (!ok) return { ours: false }
  return t === 'n' ? { ours: true } : { ours: true, ticketNumber: Number(t) }
}

export interface MailIdSettings {
  secret: string
  domain: string
}

/** The secret and domain of our Message-IDs, as outbound mail signs them (one derivation: src/config.ts). */
export function mailIdSettings(config: Pick<Config, 'MAIL_ID_SECRET' | 'MAIL_DOMAIN' | 'MAIL_FROM' | 'jwtSecrets'>): MailIdSettings {
  return { secret: mailIdSecret(config), domain: mailDomain(config) }
}
