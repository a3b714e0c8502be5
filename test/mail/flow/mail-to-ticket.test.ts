import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import t from 'tap'
import { seedTicketStates } from '../../../src/db/seed-defaults.ts'
import { ticketMessages, tickets } from '../../../src/db/schema/index.ts'
import { createMailHandler } from '../../../src/modules/mail/mail-transport.ts'
import { verifyMessageId } from '../../../src/modules/mail/message-id.ts'
import { parseInbound } from '../../../src/modules/mail/parse.ts'
import { deliverNotification } from '../../../src/modules/mail/notifications.service.ts'
import { routerFor } from '../../../src/modules/mail/router.ts'
import { dispatchOnce } from '../../../src/modules/outbox/outbox.service.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { makeContact, makeOrganization } from '../../helpers/factories.ts'
import { eml } from '../../helpers/mail-fixtures.ts'
import { deliver, MAIL_TEST_CONFIG, makeMailQueue, startTestSmtp } from '../../helpers/smtp.ts'

t.test('mail in: a ticket, the acknowledgement out, replies threaded, other organizations never appended', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskledger-flow-'))
  const ctx = await buildTestApp(t, { config: { ...MAIL_TEST_CONFIG, DATA_DIR: dataDir } })
  await seedTicketStates(ctx.deps.db)
  const smtp = await startTestSmtp(t, ctx.deps, { router: routerFor(ctx.deps) })
  const queue = await makeMailQueue(ctx)
  const org = await makeOrganization(ctx, { defaultLocale: 'bg', timeZone: 'Europe/Sofia' })
  const contact = await makeContact(ctx, org.id, { channels: ['email'], locale: 'bg' })
  const other = await makeOrganization(ctx)
  const stranger = await makeContact(ctx, other.id, { channels: ['email'] })
  const token = await ctx.adminToken()
  for (const o of [org, other]) {
    const res = await ctx.as(token, {
      method: 'POST',
      url: '/v1/contracts',
      payload: { organizationId: o.id, number: `MAIL-${o.id.slice(-6)}`, startsOn: '2020-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 5000 }], allowedChannels: ['email'], status: 'active' },
    })
    t.equal(res.statusCode, 201, res.body)
  }
  const send = (from: string, headers: string[], body: string) =>
    deliver(smtp.port, { from, to: [queue.address], raw: eml([`From: ${from}`, `To: ${queue.address}`, 'Date: Mon, 23 Nov 2026 10:00:00 +0200', ...headers], body) })

  const first = await send(contact.emails[0]!, ['Subject: Програмата не стартира', `Message-ID: <first.${Date.now()}@customer.test>`], 'Здравейте, програмата не стартира.\n')
  t.equal(first.final?.code, 250, first.final?.text ?? 'no final reply')
  const [created] = await ctx.deps.db.select().from(tickets).where(eq(tickets.requesterId, contact.id))
  t.ok(created, 'a ticket was created')
  t.equal(created?.channel, 'email')
  t.equal(created?.subject, 'Програмата не стартира')
  t.equal(created?.queueId, queue.id)

  // The acknowledgement: notification → mail row → .eml in the outbound directory, in the contact's language.
  const handlers = { notification: deliverNotification, mail: createMailHandler(ctx.deps.config) }
  for (let i = 0; i < 3; i++) await dispatchOnce(ctx.deps, handlers, { instanceId: 'test', batchSize: 50 })
  const outDir = path.join(dataDir, 'outbound-mail')
  const sent = await Promise.all(readdirSync(outDir).map((f) => parseInbound(readFileSync(path.join(outDir, f)))))
  const ack = sent.find((m) => m.subject?.includes(`[#${created!.number}]`) && m.to.includes(contact.emails[0]!))
  t.ok(ack, 'the acknowledgement was written to the outbound directory')
  t.equal(ack?.headers.get('auto-submitted')?.[0], 'auto-generated')
  const ourId = ack?.messageId
  t.ok(ourId && verifyMessageId(ourId, MAIL_TEST_CONFIG.MAIL_ID_SECRET).ours, 'our Message-ID is signed')
  if (!ourId) return

  // A reply to our acknowledgement threads by In-Reply-To onto the same ticket.
  const reply = await send(contact.emails[0]!, [`Subject: Re: [#${created!.number}] Програмата не стартира`, `In-Reply-To: ${ourId}`, `Message-ID: <reply.${Date.now()}@customer.test>`], 'Ето и снимка.\n\nOn Mon, Desk wrote:\n> old text\n')
  t.equal(reply.final?.code, 250)
  const messages = await ctx.deps.db.select().from(ticketMessages).where(eq(ticketMessages.ticketId, created!.id))
  t.equal(messages.length, 2, 'the reply was appended')
  t.equal(messages.at(-1)?.bodyText, 'Ето и снимка.', 'quoted history separated from the new text')

  // A message pointing at that ticket from another organization is never appended to it.
  const foreign = await send(stranger.emails[0]!, [`Subject: Re: [#${created!.number}] hijack`, `In-Reply-To: ${ourId}`, `Message-ID: <foreign.${Date.now()}@other.test>`], 'Let me in.\n')
  t.equal(foreign.final?.code, 250)
  t.equal((await ctx.deps.db.select().from(ticketMessages).where(eq(ticketMessages.ticketId, created!.id))).length, 2)
  const [own] = await ctx.deps.db.select().from(tickets).where(eq(tickets.requesterId, stranger.id))
  t.ok(own && own.id !== created!.id, 'it became a ticket of its own organization')
})
