import { eq } from 'drizzle-orm'
import t from 'tap'
import { seedTicketStates } from '../../../src/db/seed-defaults.ts'
import { inboundMail, outbox, ticketMessages, tickets } from '../../../src/db/schema/index.ts'
import { routerFor } from '../../../src/modules/mail/router.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { makeContact, makeOrganization } from '../../helpers/factories.ts'
import { eml } from '../../helpers/mail-fixtures.ts'
import { deliver, MAIL_TEST_CONFIG, makeMailQueue, startTestSmtp } from '../../helpers/smtp.ts'

/**
 * Mail the gate accepts but the ticket rules refuse (here: more attachments than a message may
 * carry) is quarantined with the reason and answered 250, with nothing of a ticket written; a
 * reply refused on its ticket likewise. Either way the intake transaction still commits.
 */
t.test('refused by the ticket rules: quarantined, 250, nothing of a ticket written', async (t) => {
  const ctx = await buildTestApp(t, { config: { ...MAIL_TEST_CONFIG, MESSAGE_ATTACHMENTS_MAX_COUNT: 1 } })
  await seedTicketStates(ctx.deps.db)
  const smtp = await startTestSmtp(t, ctx.deps, { router: routerFor(ctx.deps) })
  const queue = await makeMailQueue(ctx)
  const org = await makeOrganization(ctx)
  const contact = await makeContact(ctx, org.id, { channels: ['email'] })
  const token = await ctx.adminToken()
  const res = await ctx.as(token, {
    method: 'POST',
    url: '/v1/contracts',
    payload: { organizationId: org.id, number: 'REFUSE-1', startsOn: '2020-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 5000 }], allowedChannels: ['email'], status: 'active' },
  })
  t.equal(res.statusCode, 201, res.body)
  const from = contact.emails[0]!
  const attachment = (name: string) => [
    '--b1',
    `Content-Type: text/plain; name="${name}"`,
    `Content-Disposition: attachment; filename="${name}"`,
    '',
    `contents of ${name}`,
  ]
  const send = (headers: string[], files: string[]) =>
    deliver(smtp.port, {
      from,
      to: [queue.address],
      raw: eml(
        [`From: ${from}`, `To: ${queue.address}`, 'Date: Mon, 23 Nov 2026 10:00:00 +0200', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', ...headers],
        [...['--b1', 'Content-Type: text/plain; charset=utf-8', '', 'The export fails.'], ...files.flatMap(attachment), '--b1--', ''].join('\n'),
      ),
    })
  const inbound = async (id: string) => (await ctx.deps.db.select().from(inboundMail).where(eq(inboundMail.messageId, id)))[0]

  const refusedId = `<refused.${Date.now()}@customer.test>`
  const refused = await send(['Subject: Two files', `Message-ID: ${refusedId}`], ['a.txt', 'b.txt'])
  t.equal(refused.final?.code, 250, refused.final?.text ?? 'no final reply')
  t.match(await inbound(refusedId), { outcome: 'quarantined', reason: /^refused_by_tickets: /, ticketId: null, reviewState: 'pending' })
  t.same(await ctx.deps.db.select().from(tickets), [], 'no ticket')
  t.same(await ctx.deps.db.select().from(ticketMessages), [], 'no message')
  t.same(await ctx.deps.db.select().from(outbox), [], 'no acknowledgement')

  const okId = `<accepted.${Date.now()}@customer.test>`
  t.equal((await send(['Subject: One file', `Message-ID: ${okId}`], ['a.txt'])).final?.code, 250)
  const created = await inbound(okId)
  t.match(created, { outcome: 'ticket_created' })
  const [ticket] = await ctx.deps.db.select().from(tickets)
  t.equal(ticket?.id, created?.ticketId)

  const replyId = `<reply.${Date.now()}@customer.test>`
  const reply = await send([`Subject: Re: [#${ticket!.number}] One file`, `Message-ID: ${replyId}`], ['c.txt', 'd.txt'])
  t.equal(reply.final?.code, 250)
  t.match(await inbound(replyId), { outcome: 'quarantined', reason: /^refused_by_tickets: /, ticketId: null })
  t.equal((await ctx.deps.db.select().from(ticketMessages).where(eq(ticketMessages.ticketId, ticket!.id))).length, 1, 'the reply was not appended')
})
