import { and, eq, inArray, sql } from 'drizzle-orm'
import t from 'tap'
import { blobs, contactEmails, inboundMail } from '../../../src/db/schema/index.ts'
import { postgresBlobStore } from '../../../src/modules/blobs/blob-store.ts'
import { createDefaultRouter, type IntakeAccepted, type RouteInput } from '../../../src/modules/mail/router.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { makeContact, makeOrganization } from '../../helpers/factories.ts'
import { eml, fixture } from '../../helpers/mail-fixtures.ts'
import { deliver, MAIL_TEST_CONFIG, makeMailQueue, makeTicket, RawSmtp, spyRouter, startTestSmtp } from '../../helpers/smtp.ts'

const CAP = 3

t.test('mail intake through the SMTP listener', async (t) => {
  const ctx = await buildTestApp(t, { config: { ...MAIL_TEST_CONFIG, AUTO_MAIL_CAP_PER_HOUR: CAP } })
  const token = await ctx.adminToken()
  const router = spyRouter()
  const smtp = await startTestSmtp(t, ctx.deps, { router })
  const queue = await makeMailQueue(ctx)
  const other = await makeMailQueue(ctx, 'sales')

  let n = 0
  const send = (raw: Buffer, o: { to?: string[]; from?: string } = {}) => deliver(smtp.port, { to: o.to ?? [queue.address], raw, ...(o.from !== undefined ? { from: o.from } : {}) })
  const mail = (from: string, extra: string[] = [], body = 'Hello, the printer is broken.\n') => {
    const id = `<intake-${++n}.${Date.now()}@customer.test>`
    return { id, raw: eml([`From: ${from}`, `To: ${queue.address}`, `Subject: request ${n}`, `Message-ID: ${id}`, `Date: Tue, 24 Nov 2026 10:15:00 +0200`, ...extra], body) }
  }
  const rows = (messageKey: string) => ctx.deps.db.select().from(inboundMail).where(eq(inboundMail.messageKey, messageKey))
  const routedIds = () => router.calls.map((c) => c.inboundMailId)

  let contractNo = 0
  const contract = async (organizationId: string) => {
    const res = await ctx.as(token, {
      method: 'POST',
      url: '/v1/contracts',
      payload: { organizationId, number: `M-${++contractNo}`, startsOn: '2020-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 1 }], allowedChannels: ['email'], status: 'active' },
    })
    if (res.statusCode !== 201) throw new Error(res.body)
  }
  const org = await makeOrganization(ctx)
  await contract(org.id)
  const alice = await makeContact(ctx, org.id, { emails: [`alice.${Date.now()}@customer.test`] })
  // A fresh authorized sender per test: the hourly sender cap (CAP) counts per address.
  const person = async () => (await makeContact(ctx, org.id)).emails[0]!

  t.test('an accepted sender reaches deliver; until tickets exist it is held as tickets_unavailable', async (t) => {
    const m = mail(`Alice <${alice.emails[0]}>`)
    t.equal((await send(m.raw)).final?.code, 250)
    const [row] = await rows(m.id)
    t.match(row, { outcome: 'quarantined', reason: 'tickets_unavailable', fromAddress: alice.emails[0], fromName: 'Alice', reviewState: 'pending', mailbox: queue.address, queueId: queue.id })
    t.ok(routedIds().includes(row!.id), 'routed')
    const call = router.calls.find((c) => c.inboundMailId === row!.id)!
    t.match(call, { mailbox: queue.address, queue: { id: queue.id }, sender: alice.emails[0], rawBlobHash: row!.rawBlobHash })
  })

  t.test('a deliver function gets the intake decision; its outcome and ticket are recorded', async (t) => {
    const seen: Array<{ input: RouteInput; intake: IntakeAccepted }> = []
    const ticketId = await makeTicket(ctx, token, queue.id)
    const wired = await startTestSmtp(t, ctx.deps, {
      router: createDefaultRouter(async (_tx, input, intake) => {
        seen.push({ input, intake })
        return { outcome: 'ticket_created', ticketId }
      }),
    })
    const bob = await person()
    const m = mail(bob)
    t.equal((await deliver(wired.port, { to: [queue.address], raw: m.raw })).final?.code, 250)
    t.match(await rows(m.id), [{ outcome: 'ticket_created', ticketId, reason: null, quarantinedAt: null, reviewState: null }])
    t.match(seen[0], { input: { sender: bob }, intake: { ok: true, contact: { name: String }, organization: { id: org.id }, contract: { number: 'M-1' } } })
  })

  t.test('refused by the gate → quarantine with the reason; never answered', async (t) => {
    const unauthorized = await makeContact(ctx, org.id, { authorized: false })
    const bare = await makeOrganization(ctx)
    const noContract = await makeContact(ctx, bare.id)
    const cases: Array<[string, string]> = [
      [`stranger.${Date.now()}@nowhere.test`, 'unknown_contact'],
      [unauthorized.emails[0]!, 'contact_not_authorized'],
      [noContract.emails[0]!, 'no_active_contract'],
    ]
    for (const [from, reason] of cases) {
      const m = mail(from)
      t.equal((await send(m.raw)).final?.code, 250, reason)
      t.match(await rows(m.id), [{ outcome: 'quarantined', reason, reviewState: 'pending', fromAddress: from }], reason)
    }
  })

  t.test('the sender is the parsed address, never the display name', async (t) => {
    await makeContact(ctx, org.id, { emails: ['ceo@acme.bg'] })
    t.equal((await send(fixture('from-display-spoof.eml'))).final?.code, 250)
    t.match(await rows('<spoof-1@attacker.example>'), [{ outcome: 'quarantined', reason: 'unknown_contact', fromAddress: 'evil@attacker.example' }])
    t.equal((await send(fixture('from-encoded-word.eml'))).final?.code, 250)
    t.match(await rows('<ew-1@attacker.example>'), [{ outcome: 'quarantined', reason: 'no_sender', fromAddress: null }])
  })

  t.test('the same message twice: one outcome, both 250; another mailbox is its own intake', async (t) => {
    const m = mail(await person())
    const before = router.calls.length
    t.equal((await send(m.raw)).final?.code, 250)
    t.equal((await send(m.raw)).final?.code, 250)
    t.equal((await rows(m.id)).length, 1)
    t.equal(router.calls.length, before + 1, 'routed once')
    t.equal((await send(m.raw, { to: [other.address] })).final?.code, 250)
    t.same((await rows(m.id)).map((r) => r.mailbox).sort(), [queue.address, other.address].sort())
  })

  t.test('a redelivery with other bytes (new trace headers) stores no blob of its own', async (t) => {
    const m = mail(await person())
    const blobCount = async () => Number((await ctx.deps.db.execute<{ n: string }>(sql`select count(*) as n from blobs`)).rows[0]!.n)
    t.equal((await send(m.raw)).final?.code, 250)
    const stored = await blobCount()
    const traced = Buffer.concat([Buffer.from('Received: from relay2.customer.test by mx.desk.example.com; Tue, 24 Nov 2026 10:16:00 +0200\r\n'), m.raw])
    t.equal((await send(traced)).final?.code, 250)
    t.equal((await rows(m.id)).length, 1, 'one claim')
    t.equal(await blobCount(), stored, 'and no blob for the redelivered bytes')
    const [row] = await rows(m.id)
    const [blob] = await ctx.deps.db.select().from(blobs).where(eq(blobs.hash, row!.rawBlobHash!))
    t.same(blob?.content, m.raw, 'the first delivery\'s bytes are the ones kept')
  })

  t.test('the same message at the same moment on two connections: one outcome, both 250', async (t) => {
    const m = mail(await person())
    const open = async () => {
      const { smtp: c } = await RawSmtp.open(smtp.port)
      await c.send('EHLO client.test')
      await c.send('MAIL FROM:<relay@customer.test>')
      await c.send(`RCPT TO:<${queue.address}>`)
      t.equal((await c.send('DATA')).code, 354)
      return c
    }
    const [a, b] = await Promise.all([open(), open()])
    const before = router.calls.length
    const replies = await Promise.all([a!.data(m.raw), b!.data(m.raw)])
    t.same(
      replies.map((r) => r.code),
      [250, 250],
    )
    t.equal((await rows(m.id)).length, 1)
    t.equal(router.calls.length, before + 1, 'routed once')
    await a!.quit()
    await b!.quit()
  })

  t.test('without a Message-ID: a synthetic key dedupes redeliveries (with new trace headers)', async (t) => {
    const raw = fixture('no-message-id.eml')
    t.equal((await send(raw)).final?.code, 250)
    const again = Buffer.concat([Buffer.from('Received: from mx2.example by desk; Tue, 24 Nov 2026 10:16:00 +0200\r\n'), raw])
    t.equal((await send(again)).final?.code, 250)
    const found = await ctx.deps.db.select().from(inboundMail).where(and(eq(inboundMail.mailbox, queue.address), eq(inboundMail.subject, 'No id here')))
    t.equal(found.length, 1)
    t.equal(found[0]!.messageId, null)
    t.match(found[0]!.messageKey, /^<[0-9a-f]{64}@synthetic\.invalid>$/)
  })

  t.test('machine mail of every class is recorded and never routed', async (t) => {
    const from = alice.emails[0]!
    const cases: Array<[string, Buffer, string, RegExp]> = [
      ['out-of-office fixture', fixture('out-of-office.eml'), '<oof-1@mail.acme.bg>', /^out-of-office: /],
      ['mailing-list fixture', fixture('mailing-list.eml'), '<list-1@lists.example.org>', /^list: /],
    ]
    for (const [label, extra, kind] of [
      ['Auto-Submitted', ['Auto-Submitted: auto-replied'], /^auto-reply: Auto-Submitted/],
      ['X-Autoreply', ['X-Autoreply: yes'], /^auto-reply: X-Autoreply/],
      ['X-Autorespond', ['X-Autorespond: vacation'], /^auto-reply: X-Autorespond/],
      ['Precedence bulk', ['Precedence: bulk'], /^bulk: /],
      ['Precedence junk', ['Precedence: junk'], /^bulk: /],
      ['Precedence list', ['Precedence: list'], /^list: /],
      ['List-Id', ['List-Id: <news.vendor.example>'], /^list: /],
      ['List-Unsubscribe', ['List-Unsubscribe: <mailto:u@vendor.example>'], /^list: /],
      ['X-Loop of ours', [`X-Loop: ${queue.address}`], /^own-mail: /],
    ] as const) {
      const m = mail(from, [...extra])
      cases.push([label, m.raw, m.id, kind])
    }
    const ownId = '<dl.1234.0192f0c4-7b1e-7c3a-9d2e-5f6a7b8c9d0e.92bba065d6bb6a792a34@desk.example.com>'
    cases.push(['our signed Message-ID', eml([`From: ${queue.address}`, `To: ${queue.address}`, 'Subject: [#1234] We received your request', `Message-ID: ${ownId}`]), ownId, /^own-mail: Message-ID signed/])
    const daemon = mail('MAILER-DAEMON@mx.customer.test')
    cases.push(['mailer-daemon sender', daemon.raw, daemon.id, /^bounce: sender/])
    for (const [label, raw, id, reason] of cases) {
      const before = router.calls.length
      t.equal((await send(raw)).final?.code, 250, label)
      const [row] = await rows(id)
      t.match(row, { outcome: 'automated', reason, quarantinedAt: null }, label)
      t.equal(router.calls.length, before, `${label}: not routed`)
    }
    const nullSender = mail(from)
    t.equal((await send(nullSender.raw, { from: '' })).final?.code, 250)
    t.match(await rows(nullSender.id), [{ outcome: 'automated', reason: 'auto-reply: null reverse-path', envelopeFrom: '' }], 'null reverse-path')
  })

  t.test('a bounce of our mail is recorded and marks the failed address undeliverable', async (t) => {
    const org2 = await makeOrganization(ctx)
    await makeContact(ctx, org2.id, { emails: ['gone@acme.bg', 'slow@acme.bg'] })
    const before = router.calls.length
    t.equal((await send(fixture('bounce-dsn.eml'), { from: '' })).final?.code, 250)
    t.equal(router.calls.length, before, 'not routed')
    const [row] = await rows('<dsn-1@mx.acme.bg>')
    t.match(row, {
      outcome: 'bounce',
      details: { failedRecipients: ['gone@acme.bg'], permanent: true, status: '5.1.1', ticketNumber: 1234, originalMessageId: /^<dl\.1234\./ },
    })
    const emails = await ctx.deps.db.select().from(contactEmails).where(inArray(contactEmails.email, ['gone@acme.bg', 'slow@acme.bg']))
    const gone = emails.find((e) => e.email === 'gone@acme.bg')!
    t.ok(gone.undeliverableAt instanceof Date, 'gone@ is undeliverable')
    t.match(gone.undeliverableReason, /^bounce 5\.1\.1 of <dl\.1234\./)
    t.equal(emails.find((e) => e.email === 'slow@acme.bg')!.undeliverableAt, null, 'a delay is not a failure')
  })

  t.test('a forged bounce (the returned id is not signed by us) marks nothing', async (t) => {
    const org3 = await makeOrganization(ctx)
    await makeContact(ctx, org3.id, { emails: ['victim@acme.bg'] })
    const forged = fixture('bounce-dsn.eml')
      .toString('latin1')
      .replace('<dsn-1@mx.acme.bg>', '<dsn-forged@mx.acme.bg>')
      .replaceAll('gone@acme.bg', 'victim@acme.bg')
      .replace(/\.92bba065d6bb6a792a34@/, '.00000000000000000000@')
    t.equal((await send(Buffer.from(forged, 'latin1'))).final?.code, 250)
    t.match(await rows('<dsn-forged@mx.acme.bg>'), [{ outcome: 'automated', reason: /^bounce: / }])
    const [victim] = await ctx.deps.db.select().from(contactEmails).where(eq(contactEmails.email, 'victim@acme.bg'))
    t.equal(victim!.undeliverableAt, null)
  })

  t.test('over the per-sender hourly cap: throttled, held, not routed', async (t) => {
    const sender = `storm.${Date.now()}@autoresponder.test`
    const outcomes: string[] = []
    for (let i = 0; i < CAP + 2; i++) {
      const m = mail(sender)
      t.equal((await send(m.raw)).final?.code, 250)
      outcomes.push((await rows(m.id))[0]!.outcome)
    }
    t.same(outcomes, [...Array(CAP).fill('quarantined'), 'throttled', 'throttled'])
    const held = await ctx.deps.db.select().from(inboundMail).where(and(eq(inboundMail.fromAddress, sender), eq(inboundMail.outcome, 'throttled')))
    t.match(held, [{ reason: 'sender_cap', reviewState: 'pending' }, { reason: 'sender_cap', reviewState: 'pending' }])
    t.notOk(router.calls.some((c) => held.some((h) => h.id === c.inboundMailId)), 'throttled mail is not routed')
  })

  t.test('redeliveries and machine mail do not count against the sender cap', async (t) => {
    const sender = await person()
    const first = mail(sender)
    for (let i = 0; i < CAP + 2; i++) t.equal((await send(first.raw)).final?.code, 250, `delivery ${i + 1} of one message`)
    for (let i = 0; i < CAP + 2; i++) t.equal((await send(mail(sender, ['Auto-Submitted: auto-replied']).raw)).final?.code, 250, `auto-reply ${i + 1}`)
    const outcomes: string[] = []
    for (let i = 0; i < CAP - 1; i++) {
      const m = mail(sender)
      t.equal((await send(m.raw)).final?.code, 250)
      outcomes.push((await rows(m.id))[0]!.outcome)
    }
    t.same(outcomes, Array(CAP - 1).fill('quarantined'), 'the cap counts the first delivery once and no machine mail')
    const over = mail(sender)
    t.equal((await send(over.raw)).final?.code, 250)
    t.match(await rows(over.id), [{ outcome: 'throttled', reason: 'sender_cap' }], 'and still holds the message past it')
  })

  t.test('the raw message is kept byte for byte', async (t) => {
    const body = '.a line starting with a dot\r\n..two dots\r\nCyrillic bytes: \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\r\ntrailing spaces   \r\n\r\n'
    const id = `<raw.${Date.now()}@customer.test>`
    const raw = Buffer.from(`From: ${await person()}\r\nTo: ${queue.address}\r\nSubject: raw\r\nMessage-ID: ${id}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}`, 'latin1')
    t.equal((await send(raw)).final?.code, 250)
    const [row] = await rows(id)
    const stored = await postgresBlobStore().get(ctx.deps.db, row!.rawBlobHash)
    t.ok(stored?.equals(raw), 'identical bytes')
    t.equal(row!.size, raw.length)
  })
})
