import { createHash, timingSafeEqual } from 'node:crypto'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server'
import type { Deps } from '../../deps.ts'
import type { BlobStore } from '../blobs/blob-store.ts'
import * as repo from './inbound.repo.ts'
import { createMailIntake, intakeMessage, parseForIntake } from './inbound.service.ts'
import type { InboundQueue, MailRouter } from './router.ts'
import type { Db } from '../../db/client.ts'
import { configCache } from '../../lib/config-cache.ts'

/**
 * The embedded SMTP listener (issue 5 §1), meant to sit behind the company's MX or a relay.
 * Every refusal has an explicit code and a fixed text (STACK.md trap 15: smtp-server's defaults
 * echo internal error messages). 250 is sent only after the intake transaction committed, and
 * only after the whole message was read (trap 16); our own failures are 451 4.3.0 so the relay
 * retries, never a 5xx.
 */
export const REPLIES = {
  accepted: '2.0.0 Message accepted',
  unknownRecipient: [550, '5.1.1 Mailbox unavailable: no such recipient'],
  tooManyRecipients: [452, '4.5.3 Too many recipients'],
  tooBig: [552, '5.3.4 Message too big'],
  localFailure: [451, '4.3.0 Temporary local problem, try again later'],
  senderRate: [451, '4.7.1 Too many messages from this sender, try again later'],
  authRequired: '5.7.0 Authentication required',
  authFailed: [535, '5.7.8 Authentication credentials invalid'],
} as const

const reply = ([code, text]: readonly [number, string]) => Object.assign(new Error(text), { responseCode: code })

export interface SmtpListener {
  port: number
  readonly listening: boolean
  close(): Promise<void>
}

export interface SmtpListenerOptions {
  host: string
  port: number
  router: MailRouter
  blobs?: BlobStore
  /** How long the recipient list (active queues' addresses) is cached. */
  recipientCacheMs?: number
}

/**
 * Recipient addresses → queue, from the active queues, kept by the configuration cache
 * (lib/config-cache.ts) so RCPT costs no query: queues notify the configuration channel, so the
 * list is reloaded when a queue changes anywhere, and a queue made on another instance gets its
 * mail at once rather than a 550 its relay would bounce; while the feed is not live, the list is
 * kept for `ttlMs` (0: read on every RCPT). With plus-addressing,
 * `support+anything@desk.example` is `support@desk.example`.
 */
export function mailboxDirectory(deps: Deps, ttlMs: number) {
  const load = async (db: Db) => new Map((await repo.loadMailboxes(db)).map((q) => [q.inboundEmail.toLowerCase(), q]))
  const cached = configCache(ttlMs, load)
  let byAddress = new Map<string, InboundQueue>()
  const fresh = async () => {
    byAddress = await (ttlMs > 0 ? cached(deps.db) : load(deps.db))
  }
  return {
    async resolve(address: string): Promise<InboundQueue | undefined> {
      await fresh()
      const a = address.trim().toLowerCase()
      const exact = byAddress.get(a)
      if (exact || !deps.config.SMTP_PLUS_ADDRESSING) return exact
      const m = /^([^+@]+)\+[^@]*(@.+)$/.exec(a)
      return m ? byAddress.get(`${m[1]}${m[2]}`) : undefined
    },
    domains: () => [...new Set([...byAddress.keys()].map((a) => a.slice(a.lastIndexOf('@') + 1)))],
  }
}

/** MAIL FROM per envelope sender per minute, in this process (behind a relay, the sender is the only useful key). */
function senderRateLimiter(perMinute: number) {
  let window = 0
  let counts = new Map<string, number>()
  return (sender: string, now: number): boolean => {
    const w = Math.floor(now / 60_000)
    if (w !== window) {
      window = w
      counts = new Map()
    }
    const n = (counts.get(sender) ?? 0) + 1
    counts.set(sender, n)
    return n <= perMinute
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest()
const sameSecret = (given: string | null | undefined, expected: string) => timingSafeEqual(digest(given ?? ''), digest(expected))

export async function startSmtpServer(deps: Deps, opts: SmtpListenerOptions): Promise<SmtpListener> {
  const { config, log } = deps
  const intake = createMailIntake(deps, opts.router, opts.blobs)
  const mailboxes = mailboxDirectory(deps, opts.recipientCacheMs ?? 5000)
  const allowSender = senderRateLimiter(config.SMTP_RATE_PER_SENDER_PER_MINUTE)
  // Per session, the queue each accepted recipient resolved to; read at DATA for the envelope's recipients.
  const accepted = new WeakMap<SMTPServerSession, Map<string, InboundQueue>>()

  const tls = config.SMTP_TLS_KEY_FILE && config.SMTP_TLS_CERT_FILE
  const auth = config.SMTP_AUTH_USER && config.SMTP_AUTH_PASSWORD ? { user: config.SMTP_AUTH_USER, password: config.SMTP_AUTH_PASSWORD } : undefined
  const disabled = [...(tls ? [] : ['STARTTLS']), ...(auth ? [] : ['AUTH'])]

  const options: SMTPServerOptions = {
    banner: 'deskledger',
    logger: false,
    disableReverseLookup: true,
    size: config.SMTP_MAX_MESSAGE_BYTES,
    maxClients: config.SMTP_MAX_CONNECTIONS,
    authOptional: !auth,
    authMethods: ['PLAIN', 'LOGIN'],
    authRequiredMessage: REPLIES.authRequired,
    // Without a certificate there is no way to protect the password: the listener then sits on
    // a private network behind the relay, and AUTH over plain text is what that relay can do.
    allowInsecureAuth: !tls,
    disabledCommands: disabled,
    socketTimeout: 60_000,
    closeTimeout: Math.max(1000, Math.floor(config.SHUTDOWN_TIMEOUT_MS / 2)),
    ...(tls ? { key: readFileSync(config.SMTP_TLS_KEY_FILE!), cert: readFileSync(config.SMTP_TLS_CERT_FILE!) } : {}),

    onAuth(credentials, _session, callback) {
      if (auth && credentials.username !== undefined && sameSecret(credentials.username, auth.user) && sameSecret(credentials.password, auth.password)) {
        return callback(null, { user: credentials.username })
      }
      callback(reply(REPLIES.authFailed))
    },

    onMailFrom(address, _session, callback) {
      if (!allowSender(address.address.toLowerCase() || '<>', Date.now())) return callback(reply(REPLIES.senderRate))
      callback()
    },

    onRcptTo(address, session, callback) {
      const map = accepted.get(session) ?? new Map<string, InboundQueue>()
      accepted.set(session, map)
      const key = address.address.toLowerCase()
      if (session.envelope.rcptTo.length >= config.SMTP_MAX_RECIPIENTS && !session.envelope.rcptTo.some((r) => r.address.toLowerCase() === key)) {
        return callback(reply(REPLIES.tooManyRecipients))
      }
      mailboxes.resolve(key).then(
        (queue) => {
          if (!queue) return callback(reply(REPLIES.unknownRecipient))
          map.set(key, queue)
          callback()
        },
        (err: unknown) => {
          log.error({ err, session: session.id }, 'smtp: recipient lookup failed')
          callback(reply(REPLIES.localFailure))
        },
      )
    },

    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      let kept = 0
      stream.on('data', (chunk: Buffer) => {
        // Past the limit the rest is read and dropped: the client still needs its reply.
        if (kept <= config.SMTP_MAX_MESSAGE_BYTES) {
          chunks.push(chunk)
          kept += chunk.length
        }
      })
      stream.once('error', (err) => {
        log.warn({ err, session: session.id }, 'smtp: data stream failed')
        callback(reply(REPLIES.localFailure))
      })
      stream.once('end', () => {
        if (stream.sizeExceeded || kept > config.SMTP_MAX_MESSAGE_BYTES) return callback(reply(REPLIES.tooBig))
        const raw = Buffer.concat(chunks)
        deliver(raw, session).then(
          () => callback(null, REPLIES.accepted),
          (err: unknown) => {
            log.error({ err, session: session.id }, 'smtp: intake failed; answered 451')
            callback(reply(REPLIES.localFailure))
          },
        )
      })
    },
  }

  /** One transaction per receiving mailbox; recipients that fold into one mailbox are delivered once. */
  async function deliver(raw: Buffer, session: SMTPServerSession): Promise<void> {
    const map = accepted.get(session)
    const targets = new Map<string, InboundQueue>()
    for (const r of session.envelope.rcptTo) {
      const q = map?.get(r.address.toLowerCase())
      if (q) targets.set(q.inboundEmail.toLowerCase(), q)
    }
    if (!targets.size) throw new Error('no resolved recipient at DATA')
    const parsed = await parseForIntake(raw)
    const mailFrom = session.envelope.mailFrom
    const receivedAt = deps.clock.now()
    for (const [mailbox, queue] of targets) {
      const result = await intakeMessage(intake, {
        raw,
        parsed,
        mailbox,
        queue,
        envelopeFrom: mailFrom ? mailFrom.address.toLowerCase() : undefined,
        receivedAt,
        ourDomains: mailboxes.domains(),
      })
      log.info(
        { session: session.id, mailbox, inboundMailId: result.inboundMailId, outcome: result.outcome, reason: result.reason, duplicate: result.duplicate },
        'smtp: message received',
      )
    }
  }

  const server = new SMTPServer(options)
  server.on('error', (err) => log.error({ err }, 'smtp: listener error'))
  server.listen(opts.port, opts.host)
  await once(server.server, 'listening')
  let listening = true
  const port = (server.server.address() as { port: number }).port
  log.info({ host: opts.host, port, starttls: Boolean(tls), auth: Boolean(auth) }, 'smtp listener started')
  return {
    port,
    get listening() {
      return listening
    },
    close: () =>
      new Promise<void>((resolve) => {
        listening = false
        server.close(() => resolve())
      }),
  }
}
