import { eq } from 'drizzle-orm'
import t from 'tap'
import { seedTicketStates } from '../../../src/db/seed-defaults.ts'
import { inboundMail, messageAttachments, ticketMessages } from '../../../src/db/schema/index.ts'
import { routerFor } from '../../../src/modules/mail/router.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { makeContact, makeOrganization } from '../../helpers/factories.ts'
import { eml } from '../../helpers/mail-fixtures.ts'
import { deliver, MAIL_TEST_CONFIG, makeMailQueue, startTestSmtp } from '../../helpers/smtp.ts'

/**
 * What the API refuses (a filename with a path or control characters, HTML with scripts or
 * event handlers) mail takes and cleans: a sender cannot be asked to send again, so a new
 * ticket and a reply are both accepted, sanitised, and not quarantined.
 */
t.test('mail with a path or a control character in a filename and scripts in its HTML is sanitised, not refused', async (t) => {
  const ctx = await buildTestApp(t, { config: MAIL_TEST_CONFIG })
  const { db } = ctx.deps
  await seedTicketStates(db)
  const smtp = await startTestSmtp(t, ctx.deps, { router: routerFor(ctx.deps) })
  const queue = await makeMailQueue(ctx)
  const org = await makeOrganization(ctx)
  const from = (await makeContact(ctx, org.id, { channels: ['email'] })).emails[0]!
  const contract = await ctx.as(await ctx.adminToken(), {
    method: 'POST',
    url: '/v1/contracts',
    payload: { organizationId: org.id, number: 'UNSAFE-1', startsOn: '2020-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 5000 }], allowedChannels: ['email'], status: 'active' },
  })
  t.equal(contract.statusCode, 201, contract.body)

  const send = (subject: string, messageId: string, filename: string, headers: string[] = []) =>
    deliver(smtp.port, {
      from,
      to: [queue.address],
      raw: eml(
        [`From: ${from}`, `To: ${queue.address}`, `Subject: ${subject}`, `Message-ID: ${messageId}`, ...headers, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"'],
        [
          '--b1',
          'Content-Type: text/html; charset=utf-8',
          '',
          '<p>It fails<script>alert(1)</script><img src="https://cdn.example/a.png" onerror="alert(1)"> <a href="javascript:alert(1)">log</a></p>',
          '--b1',
          `Content-Type: text/plain; name="${filename}"`,
          `Content-Disposition: attachment; filename="${filename}"`,
          '',
          'log lines',
          '--b1--',
          '',
        ].join('\n'),
      ),
    })
  const outcome = async (id: string) => (await db.select().from(inboundMail).where(eq(inboundMail.messageId, id)))[0]
  const stored = async (ticketId: string) => {
    const messages = await db.select().from(ticketMessages).where(eq(ticketMessages.ticketId, ticketId)).orderBy(ticketMessages.id)
    const files = await db.select().from(messageAttachments).where(eq(messageAttachments.ticketId, ticketId)).orderBy(messageAttachments.id)
    return { html: messages.map((m) => m.bodyHtml), names: files.map((f) => f.filename) }
  }

  const firstId = `<unsafe.${Date.now()}@customer.test>`
  t.equal((await send('Export fails', firstId, '../../etc/passwd')).final?.code, 250)
  const created = await outcome(firstId)
  t.match(created, { outcome: 'ticket_created' }, 'a new ticket, not quarantined')
  const replyId = `<unsafe-reply.${Date.now()}@customer.test>`
  t.equal((await send('Re: Export fails', replyId, 'logs/app\u0007.log', [`In-Reply-To: ${firstId}`])).final?.code, 250)
  t.match(await outcome(replyId), { outcome: 'message_added', ticketId: created!.ticketId }, 'a reply, not quarantined')

  const { html, names } = await stored(created!.ticketId!)
  t.equal(html.length, 2)
  for (const h of html) {
    t.match(h, /It fails/)
    t.notMatch(h, /script|onerror|javascript:/i, 'scripts, handlers and script URLs removed')
  }
  t.same(names, ['passwd', 'app.log'], 'directories and control characters removed from the names')
})
