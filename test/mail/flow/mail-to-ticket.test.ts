import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import t from 'tap'
import { seedTicketStates } from '../../../src/db/seed-defaults.ts'
import { contactEmails, inboundMail, outbox, ticketMessages, tickets } from '../../../src/db/schema/index.ts'
import { createMailHandler } from '../../../src/modules/mail/mail-transport.ts'
import { verifyMessageId } from '../../../src/modules/mail/message-id.ts'
import { parseInbound } from '../../../src/modules/mail/parse.ts'
import { deliverNotification } from '../../../src/modules/mail/notifications.service.ts'
import { routerFor } from '../../../src/modules/mail/router.ts'
import { dispatchOnce } from '../../../src/modules/outbox/outbox.service.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { makeContact, makeOrganization } from '../../helpers/factories.ts'
import { eml, fixture } from '../../helpers/mail-fixtures.ts'
import { deliver, MAIL_TEST_CONFIG, makeMailQueue, startTestSmtp } from '../../helpers/smtp.ts'
import { tempDir } from '../../helpers/temp-dir.ts'

t.test('mail in: a ticket, the acknowledgement out, replies threaded, other organizations never appended', async (t) => {
  const dataDir = tempDir(t, 'deskledger-flow-')
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

  // A bounce of our acknowledgement (the fixture, pointed at this ticket's mail): an internal
  // system note on the ticket, the address undeliverable, and nothing sent about it.
  const aboutThisTicket = (name: string) =>
    Buffer.from(
      fixture(name)
        .toString('latin1')
        .replace(/<dl\.1234\.[^>]+>/g, ourId)
        .replaceAll('gone@acme.bg', contact.emails[0]!)
        .replaceAll('[#1234]', `[#${created!.number}]`),
      'latin1',
    )
  const outboxRows = async () => (await ctx.deps.db.select().from(outbox).where(eq(outbox.subject, `ticket:${created!.id}`))).length
  const queued = await outboxRows()
  const bounced = await deliver(smtp.port, { from: '', to: [queue.address], raw: aboutThisTicket('bounce-dsn.eml') })
  t.equal(bounced.final?.code, 250)
  const notes = async () =>
    (await ctx.deps.db.select().from(ticketMessages).where(eq(ticketMessages.ticketId, created!.id))).filter((m) => m.authorKind === 'system')
  const [note] = await notes()
  t.match(note, { visibility: 'internal', authorKind: 'system', createdBy: 'system:mail-bounce', channel: 'email', mailMessageId: null })
  t.match(note?.bodyText, `could not be delivered to ${contact.emails[0]} (status 5.1.1)`)
  t.match(note?.bodyText, `Returned message: ${ourId}`)
  t.match(note?.bodyText, 'User unknown', "the MTA's explanation is quoted")
  const [dsnRow] = await ctx.deps.db.select().from(inboundMail).where(eq(inboundMail.messageKey, '<dsn-1@mx.acme.bg>'))
  t.match(dsnRow, { outcome: 'bounce', ticketId: created!.id })
  const [address] = await ctx.deps.db.select().from(contactEmails).where(eq(contactEmails.email, contact.emails[0]!))
  t.ok(address?.undeliverableAt, 'the address is undeliverable')
  t.equal(await outboxRows(), queued, 'an internal note notifies nobody: no automatic reply to a bounce')
  const seen = await ctx.as(token, { method: 'GET', url: `/v1/tickets/${created!.id}/messages` })
  t.ok(
    (seen.json().data as Array<{ authorKind: string }>).some((m) => m.authorKind === 'system'),
    'agents see the note in the conversation',
  )

  // A delay report with no returned headers threads by In-Reply-To/References: a note, no marking.
  t.equal((await deliver(smtp.port, { from: '', to: [queue.address], raw: aboutThisTicket('bounce-dsn-delayed.eml') })).final?.code, 250)
  const delayed = (await notes()).find((m) => m.id !== note?.id)
  t.match(delayed?.bodyText, /^Delivery of mail about this ticket is delayed \(status 4\.4\.1\)/)
  const [dsn2] = await ctx.deps.db.select().from(inboundMail).where(eq(inboundMail.messageKey, '<dsn-2@mx.acme.bg>'))
  t.match(dsn2, { outcome: 'bounce', ticketId: created!.id, details: { permanent: false, failedRecipients: [] } })
})
