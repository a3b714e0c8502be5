import { mkdir, rename, writeFile } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import nodemailer from 'nodemailer'
import { addressOf } from '../../config.ts'
import type { Deps } from '../../deps.ts'
import type { DeliveryHandler, DeliveryResult } from '../outbox/outbox.service.ts'
import { composeMail } from './compose.ts'
import { markUndeliverable } from './inbound.repo.ts'

/** A fully rendered message, as the outbox stores it: retries send exactly these bytes' source, Message-ID included. */
export interface MailPayload {
  to: string[]
  cc?: string[]
  from?: string
  replyTo?: string
  subject: string
  text: string
  html?: string
  messageId: string
  inReplyTo?: string
  references?: string[]
  headers?: Record<string, string>
}

type Transport = ReturnType<typeof nodemailer.createTransport>

const mkdirAsync = promisify(mkdir)
const writeFileAsync = promisify(writeFile)
const renameAsync = promisify(rename)

/** nodemailer's per-recipient refusal (RCPT TO answered with anything but 2xx). */
interface RecipientRefusal {
  recipient?: string
  responseCode?: number
  response?: string
}

/**
 * The recipients the relay refused for good: a 5xx to RCPT TO names that address (unknown mailbox,
 * domain without mail). A 5xx to MAIL FROM or DATA (policy, content, our own sender) says nothing
 * about the recipient and marks nothing.
 */
function refusedForGood(refusals: RecipientRefusal[] | undefined): { address: string; reason: string }[] {
  return (refusals ?? [])
    .filter((r) => r.recipient && typeof r.responseCode === 'number' && r.responseCode >= 500)
    .map((r) => ({ address: r.recipient!.toLowerCase(), reason: `relay: ${(r.response ?? String(r.responseCode)).slice(0, 300)}` }))
}

/** Later notifications skip these addresses (notifications.repo.ts picks the contact's next one). */
async function markRefused(deps: Deps, refusals: RecipientRefusal[] | undefined): Promise<void> {
  for (const r of refusedForGood(refusals)) {
    const marked = await markUndeliverable(deps.db, [r.address], deps.clock.now(), r.reason)
    if (marked.length) deps.log.warn({ address: r.address, reason: r.reason }, 'address marked undeliverable after a permanent refusal by the relay')
  }
}

/**
 * Where mail goes: the configured relay, or — with none configured, so `npm start` works with
 * no mail server — `.eml` files under `DATA_DIR/outbound-mail`, one per message, named by
 * outbox id so a retry overwrites rather than duplicates.
 */
export function createMailHandler(config: Deps['config']): DeliveryHandler & { close(): void } {
  const relay: Transport | undefined = config.MAIL_RELAY_URL ? nodemailer.createTransport(config.MAIL_RELAY_URL) : undefined
  const dir = path.join(config.DATA_DIR, 'outbound-mail')
  let dirMade = false
  // The callback API, promisified: a few kilobytes written this way cost ~0.2 ms of CPU, against
  // ~0.6 ms through fs/promises (a FileHandle per file, its close), and the dispatcher writes one
  // file per acknowledgement while mail comes in. Not the synchronous calls, which are cheaper
  // still but block the event loop, and so the SMTP sessions, whenever the file system stalls
  // (an open waiting on the journal while PostgreSQL commits on the same disk). The directory is
  // made once, and again only if something removed it.
  const writeMailFile = async (id: string, bytes: Buffer): Promise<string> => {
    const file = path.join(dir, `${id}.eml`)
    if (!dirMade) {
      await mkdirAsync(dir, { recursive: true })
      dirMade = true
    }
    try {
      await writeFileAsync(`${file}.tmp`, bytes)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
      await mkdirAsync(dir, { recursive: true })
      await writeFileAsync(`${file}.tmp`, bytes)
    }
    await renameAsync(`${file}.tmp`, file)
    return file
  }

  const handler = async (deps: Deps, row: { id: string; payload: Record<string, unknown> }): Promise<DeliveryResult> => {
    const p = row.payload as unknown as MailPayload
    const from = p.from ?? config.MAIL_FROM
    const message = { ...p, from, date: deps.clock.now() }
    try {
      if (relay) {
        // The same bytes as the file below, with the envelope said outright: nodemailer reads
        // none from a raw message.
        const envelope = { from: addressOf(from) ?? from, to: [...p.to, ...(p.cc ?? [])] }
        const info = await relay.sendMail({ envelope, raw: composeMail(message) })
        // Some recipients refused, the others accepted: the mail counts as sent.
        await markRefused(deps, (info as { rejectedErrors?: RecipientRefusal[] }).rejectedErrors)
      } else {
        const file = await writeMailFile(row.id, composeMail({ ...message, newline: '\n' }))
        deps.log.info({ outboxId: row.id, to: p.to, subject: p.subject, file }, 'mail written to the outbound directory')
      }
      return { ok: true }
    } catch (e) {
      const err = e as { responseCode?: number; message?: string; code?: string; rejectedErrors?: RecipientRefusal[] }
      // A 5xx reply is the relay's final word (unknown mailbox, policy): retrying cannot help.
      const permanent = typeof err.responseCode === 'number' && err.responseCode >= 500
      if (permanent) await markRefused(deps, err.rejectedErrors)
      return { ok: false, permanent, error: `${err.code ?? 'ERROR'} ${err.responseCode ?? ''} ${err.message ?? ''}`.trim() }
    }
  }
  return Object.assign(handler, { close: () => relay?.close() })
}
