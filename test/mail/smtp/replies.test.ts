import { eq } from 'drizzle-orm'
import t from 'tap'
import { blobs, inboundMail } from '../../../src/db/schema/index.ts'
import { type BlobStore, postgresBlobStore } from '../../../src/modules/blobs/blob-store.ts'
import { createDefaultRouter, type MailRouter } from '../../../src/modules/mail/router.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { eml } from '../../helpers/mail-fixtures.ts'
import { deliver, MAIL_TEST_CONFIG, makeMailQueue, RawSmtp, startTestSmtp } from '../../helpers/smtp.ts'

const MAX = 64 * 1024

t.test('SMTP reply codes', async (t) => {
  const ctx = await buildTestApp(t, { config: { ...MAIL_TEST_CONFIG, SMTP_MAX_MESSAGE_BYTES: MAX, SMTP_MAX_RECIPIENTS: 3, SMTP_RATE_PER_SENDER_PER_MINUTE: 5, SMTP_MAX_CONNECTIONS: 4 } })
  // A router and a blob store that fail on demand: our own failures must be 451 with nothing kept.
  let failRouter = false
  let failBlobs = false
  const inner = createDefaultRouter()
  const router: MailRouter = {
    route: async (tx, input) => {
      if (failRouter) throw new Error('database went away (test)')
      return inner.route(tx, input)
    },
  }
  const store = postgresBlobStore()
  const diskFull = () => Promise.reject(new Error('disk full (test)'))
  const flaky: BlobStore = {
    ...store,
    stage: async (bytes) => (failBlobs ? diskFull() : store.stage(bytes)),
  }
  const smtp = await startTestSmtp(t, ctx.deps, { router, blobs: flaky })
  const queue = await makeMailQueue(ctx)
  let n = 0
  const mail = (extra: string[] = [], body = 'Hello.\n') =>
    eml([`From: someone@customer.test`, `To: ${queue.address}`, `Subject: test ${++n}`, `Message-ID: <replies-${n}.${Date.now()}@customer.test>`, ...extra], body)
  const rowsFor = (messageId: string) => ctx.deps.db.select().from(inboundMail).where(eq(inboundMail.messageId, messageId))
  const idOf = (raw: Buffer) => /Message-ID: (<[^>]+>)/.exec(raw.toString())![1]!

  t.test('EHLO: SIZE advertised; no STARTTLS without a certificate; no AUTH unless configured', async (t) => {
    const { smtp: c, greeting } = await RawSmtp.open(smtp.port)
    t.equal(greeting.code, 220)
    const ehlo = await c.send('EHLO client.test')
    t.equal(ehlo.code, 250)
    t.ok(ehlo.lines.some((l) => l === `250-SIZE ${MAX}` || l === `250 SIZE ${MAX}`), ehlo.lines.join('|'))
    t.notOk(ehlo.lines.some((l) => /STARTTLS/.test(l)), 'STARTTLS not offered')
    t.notOk(ehlo.lines.some((l) => /AUTH/.test(l)), 'AUTH not offered')
    const starttls = await c.send('STARTTLS')
    t.ok(starttls.code >= 500, `STARTTLS refused: ${starttls.code}`)
    await c.quit()
  })

  t.test('250 for a known recipient, after the commit', async (t) => {
    const raw = mail()
    const d = await deliver(smtp.port, { to: [queue.address], raw })
    t.equal(d.final?.code, 250)
    t.equal(d.final?.text, '2.0.0 Message accepted')
    const [row] = await rowsFor(idOf(raw))
    t.ok(row, 'committed before the 250')
    t.equal(row!.outcome, 'quarantined')
  })

  t.test('550 5.1.1 for an unknown recipient; plus-addressing reaches the queue', async (t) => {
    const d = await deliver(smtp.port, { to: ['nobody@desk.example.com'], raw: mail() })
    t.equal(d.rcpts[0]!.code, 550)
    t.equal(d.rcpts[0]!.text, '5.1.1 Mailbox unavailable: no such recipient')
    const [local, domain] = queue.address.split('@')
    const raw = mail()
    const plus = await deliver(smtp.port, { to: [`${local}+billing@${domain}`.toUpperCase()], raw })
    t.equal(plus.rcpts[0]!.code, 250)
    t.equal(plus.final?.code, 250)
    t.match(await rowsFor(idOf(raw)), [{ mailbox: queue.address }])
  })

  t.test('452 4.5.3 past SMTP_MAX_RECIPIENTS; one message per mailbox for the accepted ones', async (t) => {
    const [local, domain] = queue.address.split('@')
    const to = [0, 1, 2, 3].map((i) => `${local}+r${i}@${domain}`)
    const raw = mail()
    const d = await deliver(smtp.port, { to, raw })
    t.same(
      d.rcpts.map((r) => r.code),
      [250, 250, 250, 452],
    )
    t.equal(d.rcpts[3]!.text, '4.5.3 Too many recipients')
    t.equal(d.final?.code, 250)
    t.equal((await rowsFor(idOf(raw))).length, 1, 'three recipients folding into one mailbox make one intake')
  })

  t.test('552 5.3.4 over the size limit; nothing stored', async (t) => {
    const raw = mail([], `${'x'.repeat(76)}\n`.repeat(Math.ceil((MAX * 1.5) / 77)))
    const d = await deliver(smtp.port, { to: [queue.address], raw })
    t.equal(d.final?.code, 552)
    t.equal(d.final?.text, '5.3.4 Message too big')
    t.same(await rowsFor(idOf(raw)), [])
    const { sha256Hex } = await import('../../../src/modules/blobs/blob-store.ts')
    t.same(await ctx.deps.db.select({ hash: blobs.hash }).from(blobs).where(eq(blobs.hash, sha256Hex(raw))), [], 'no blob either')
  })

  t.test('451 4.3.0 when intake fails (router, blob store); nothing stored; the resend is accepted once', async (t) => {
    for (const fail of ['router', 'blobs'] as const) {
      const raw = mail()
      failRouter = fail === 'router'
      failBlobs = fail === 'blobs'
      const d = await deliver(smtp.port, { to: [queue.address], raw })
      failRouter = false
      failBlobs = false
      t.equal(d.final?.code, 451, fail)
      t.equal(d.final?.text, '4.3.0 Temporary local problem, try again later', 'a fixed text, not the internal message')
      t.same(await rowsFor(idOf(raw)), [], `${fail}: nothing stored`)
      const again = await deliver(smtp.port, { to: [queue.address], raw })
      t.equal(again.final?.code, 250, `${fail}: the resend is accepted`)
      const third = await deliver(smtp.port, { to: [queue.address], raw })
      t.equal(third.final?.code, 250, `${fail}: a third delivery is a duplicate`)
      t.equal((await rowsFor(idOf(raw))).length, 1, `${fail}: once`)
    }
  })

  t.test('451 4.3.0 at RCPT when the recipient lookup fails', async (t) => {
    const broken = { ...ctx.deps, db: { select: () => { throw new Error('no database (test)') } } as unknown as typeof ctx.deps.db }
    const down = await startTestSmtp(t, broken)
    const d = await deliver(down.port, { to: [queue.address], raw: mail() })
    t.equal(d.rcpts[0]!.code, 451)
    t.equal(d.rcpts[0]!.text, '4.3.0 Temporary local problem, try again later')
  })

  t.test('451 4.7.1 past the per-sender rate', async (t) => {
    const from = `rate.${Date.now()}@customer.test`
    const codes: number[] = []
    const { smtp: c } = await RawSmtp.open(smtp.port)
    await c.send('EHLO client.test')
    let last = await c.send(`MAIL FROM:<${from}>`)
    for (let i = 0; i < 6; i++) {
      codes.push(last.code)
      await c.send('RSET')
      last = await c.send(`MAIL FROM:<${from}>`)
    }
    t.same(codes.slice(0, 5), [250, 250, 250, 250, 250])
    t.equal(last.code, 451)
    t.equal(last.text, '4.7.1 Too many messages from this sender, try again later')
    const other = await c.send('MAIL FROM:<someone.else@customer.test>')
    t.equal(other.code, 250, 'other senders are not affected')
    await c.quit()
  })

  t.test('421 past SMTP_MAX_CONNECTIONS', async (t) => {
    const open = await Promise.all([0, 1, 2, 3].map(() => RawSmtp.open(smtp.port)))
    t.ok(open.every((o) => o.greeting.code === 220))
    const { smtp: extra, greeting } = await RawSmtp.open(smtp.port)
    t.equal(greeting.code, 421)
    await extra.quit()
    for (const o of open) await o.smtp.quit()
  })
})
