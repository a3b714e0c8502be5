import { eq } from 'drizzle-orm'
import t from 'tap'
import { CONFIG_CHANNEL } from '../../../src/db/change-feed.ts'
import { queues } from '../../../src/db/schema/index.ts'
import { createDefaultRouter } from '../../../src/modules/mail/router.ts'
import { startSmtpServer } from '../../../src/modules/mail/smtp-server.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { eventually, feedLive } from '../../helpers/eventually.ts'
import { eml } from '../../helpers/mail-fixtures.ts'
import { deliver, MAIL_TEST_CONFIG, makeMailQueue } from '../../helpers/smtp.ts'

/**
 * The listener's recipient list is cached (src/modules/mail/smtp-server.ts) with a long TTL here,
 * so only the configuration change feed can explain a change being seen: a queue made, moved or
 * deactivated anywhere is obeyed once its notification arrives, not after the TTL.
 */
t.test('the recipient list follows queue changes made anywhere', async (t) => {
  const ctx = await buildTestApp(t, { config: MAIL_TEST_CONFIG })
  const smtp = await startSmtpServer(ctx.deps, { host: '127.0.0.1', port: 0, router: createDefaultRouter(), recipientCacheMs: 3_600_000 })
  t.teardown(() => smtp.close())
  const raw = () => eml(['From: someone@customer.test', 'Subject: hello', `Message-ID: <rcpt-${Date.now()}-${Math.random()}@customer.test>`], 'Hello.\n')
  const rcpt = async (address: string) => (await deliver(smtp.port, { to: [address], raw: raw() })).rcpts[0]!.code
  /** The RCPT answer once it is `code`, within 2 s: notifications from another connection arrive asynchronously. */
  const eventuallyRcpt = (address: string, code: number) => eventually(() => rcpt(address), (got) => got === code)

  const first = await makeMailQueue(ctx)
  t.equal(await rcpt(first.address), 250, 'the list is loaded')
  t.ok(await feedLive(ctx.deps.db, CONFIG_CHANNEL), 'the configuration feed listens')
  t.equal(await rcpt(first.address), 250)

  // Written straight to the database, as another instance or an operator would.
  const second = await makeMailQueue(ctx)
  t.equal(await eventuallyRcpt(second.address, 250), 250, 'a new queue receives mail without waiting for the TTL')
  await ctx.deps.db.update(queues).set({ active: false }).where(eq(queues.id, first.id))
  t.equal(await eventuallyRcpt(first.address, 550), 550, 'a deactivated queue stops receiving')
  await ctx.deps.db.update(queues).set({ inboundEmail: `moved.${first.address}`, active: true }).where(eq(queues.id, first.id))
  t.equal(await eventuallyRcpt(`moved.${first.address}`, 250), 250, 'a changed address is known')
  t.equal(await rcpt(first.address), 550, 'and the old one no longer')
})
