import { randomUUID } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { queues } from '../../src/db/schema/index.ts'
import { seedTicketStates } from '../../src/db/seed-defaults.ts'
import type { Deps } from '../../src/deps.ts'
import type { BlobStore } from '../../src/modules/blobs/blob-store.ts'
import { createDefaultRouter, type MailRouter, type RouteInput } from '../../src/modules/mail/router.ts'
import { type SmtpListener, startSmtpServer } from '../../src/modules/mail/smtp-server.ts'
import type { TestContext } from './build-test-app.ts'
import { unique } from './directory.ts'
import { makeContact, makeOrganization } from './factories.ts'

export interface SmtpReply {
  code: number
  lines: string[]
  /** The last line without its code, e.g. `5.1.1 Mailbox unavailable: no such recipient`. */
  text: string
}

/** A raw SMTP client: exact reply codes and texts, nothing negotiated behind the test's back. */
export class RawSmtp {
  private buffer = ''
  private lines: string[] = []
  private waiters: Array<{ resolve: (r: SmtpReply) => void; reject: (e: Error) => void }> = []
  private ready: SmtpReply[] = []
  private closed = false
  private constructor(private socket: Socket) {
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => this.onData(d))
    socket.on('error', () => {})
    socket.on('close', () => {
      this.closed = true
      for (const w of this.waiters.splice(0)) w.reject(new Error('connection closed'))
    })
  }

  static async open(port: number): Promise<{ smtp: RawSmtp; greeting: SmtpReply }> {
    const socket = connect(port, '127.0.0.1')
    const smtp = new RawSmtp(socket)
    const greeting = await smtp.next()
    return { smtp, greeting }
  }

  private onData(d: string) {
    this.buffer += d
    let i = this.buffer.indexOf('\r\n')
    while (i >= 0) {
      const line = this.buffer.slice(0, i)
      this.buffer = this.buffer.slice(i + 2)
      this.lines.push(line)
      if (/^\d{3}(?: |$)/.test(line)) {
        const reply = { code: Number(line.slice(0, 3)), lines: this.lines, text: line.slice(4) }
        this.lines = []
        const w = this.waiters.shift()
        if (w) w.resolve(reply)
        else this.ready.push(reply)
      }
      i = this.buffer.indexOf('\r\n')
    }
  }

  next(): Promise<SmtpReply> {
    const r = this.ready.shift()
    if (r) return Promise.resolve(r)
    if (this.closed) return Promise.reject(new Error('connection closed'))
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }))
  }

  send(line: string): Promise<SmtpReply> {
    this.socket.write(`${line}\r\n`)
    return this.next()
  }

  /** The message after a 354: dot-stuffed, terminated with CRLF.CRLF. */
  async data(raw: Buffer): Promise<SmtpReply> {
    const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n')
    const stuffed = text.replace(/(^|\r\n)\./g, '$1..')
    this.socket.write(Buffer.from(`${stuffed}${stuffed.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, 'latin1'))
    return this.next()
  }

  async quit() {
    await this.send('QUIT').catch(() => undefined)
    this.socket.destroy()
  }
}

export interface Delivery {
  mail: SmtpReply
  rcpts: SmtpReply[]
  /** The reply to DATA (354) when a recipient was accepted, then the final reply. */
  dataStart?: SmtpReply
  final?: SmtpReply
}

let senderSeq = 0
/** One SMTP transaction on a new connection, as most relays deliver; the envelope sender is unique unless given. */
export async function deliver(port: number, o: { from?: string; to: string[]; raw: Buffer }): Promise<Delivery> {
  const { smtp } = await RawSmtp.open(port)
  try {
    await smtp.send('EHLO client.test')
    const mail = await smtp.send(`MAIL FROM:<${o.from ?? `relay.${process.pid}.${++senderSeq}@customer.test`}>`)
    const rcpts: SmtpReply[] = []
    for (const to of o.to) rcpts.push(await smtp.send(`RCPT TO:<${to}>`))
    if (mail.code !== 250 || !rcpts.some((r) => r.code === 250)) return { mail, rcpts }
    const dataStart = await smtp.send('DATA')
    const final = await smtp.data(o.raw)
    return { mail, rcpts, dataStart, final }
  } finally {
    await smtp.quit()
  }
}

/** A queue receiving mail at a unique address; returns the address. */
export async function makeMailQueue(ctx: Pick<TestContext, 'deps'>, local = 'support'): Promise<{ id: string; address: string }> {
  const address = `${local}.${process.pid}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@desk.example.com`
  const [q] = await ctx.deps.db.insert(queues).values({ name: unique('Queue'), inboundEmail: address }).returning()
  return { id: q!.id, address }
}

/**
 * A real ticket (through the API) for tests that only need one to point at: inbound_mail.ticket_id
 * is a foreign key. Its own organization, contract and contact; the ticket states are seeded.
 */
export async function makeTicket(ctx: TestContext, token: string, queueId: string): Promise<string> {
  await seedTicketStates(ctx.deps.db)
  const org = await makeOrganization(ctx)
  const contact = await makeContact(ctx, org.id)
  const ok = async (res: Awaited<ReturnType<TestContext['as']>>) => {
    if (res.statusCode !== 201) throw new Error(`${res.statusCode}: ${res.body}`)
    return res.json() as { id: string }
  }
  await ok(
    await ctx.as(token, {
      method: 'POST',
      url: '/v1/contracts',
      payload: { organizationId: org.id, number: `T-${randomUUID()}`, startsOn: '2020-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 1 }], allowedChannels: ['email', 'api', 'phone'], status: 'active' },
    }),
  )
  const ticket = await ok(await ctx.as(token, { method: 'POST', url: '/v1/tickets', payload: { queueId, requesterId: contact.id, subject: 'A ticket to point at', description: { text: 'x' } } }))
  return ticket.id
}

/** Wraps a router and records what reached it. */
export function spyRouter(inner: MailRouter = createDefaultRouter()): MailRouter & { calls: RouteInput[] } {
  const calls: RouteInput[] = []
  return {
    calls,
    route: async (tx, input) => {
      calls.push(input)
      return inner.route(tx, input)
    },
  }
}

export async function startTestSmtp(
  t: { teardown(fn: () => unknown): void },
  deps: Deps,
  o: { router?: MailRouter; blobs?: BlobStore } = {},
): Promise<SmtpListener> {
  const listener = await startSmtpServer(deps, { host: '127.0.0.1', port: 0, router: o.router ?? createDefaultRouter(), recipientCacheMs: 0, ...(o.blobs ? { blobs: o.blobs } : {}) })
  t.teardown(() => listener.close())
  return listener
}

/** Settings every SMTP test uses: our Message-IDs are the fixtures' (bounce-dsn.eml returns one of them). */
export const MAIL_TEST_CONFIG = { MAIL_ID_SECRET: 'fixture-secret-not-for-production', MAIL_DOMAIN: 'desk.example.com' }
