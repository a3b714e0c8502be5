import { eq, inArray } from 'drizzle-orm'
import t from 'tap'
import { purgeInboundMail } from '../../src/jobs/purge.ts'
import { blobs, inboundMail } from '../../src/db/schema/index.ts'
import { seedTicketStates } from '../../src/db/seed-defaults.ts'
import { routerFor } from '../../src/modules/mail/router.ts'
import { buildTestApp, fixedClock } from '../helpers/build-test-app.ts'
import { makeContact, makeOrganization } from '../helpers/factories.ts'
import { eml } from '../helpers/mail-fixtures.ts'
import { deliver, MAIL_TEST_CONFIG, makeMailQueue, startTestSmtp } from '../helpers/smtp.ts'

const RECEIVED = '2026-03-02T09:00:00Z'
const DAY = 86_400_000

t.test('inbound mail retention: mail of no ticket goes after the configured days, with its raw bytes; ticket mail and pending quarantine stay', async (t) => {
  const clock = fixedClock(RECEIVED)
  const ctx = await buildTestApp(t, { clock, config: { ...MAIL_TEST_CONFIG, INBOUND_MAIL_RETENTION_DAYS: 30 } })
  await seedTicketStates(ctx.deps.db)
  const token = await ctx.adminToken()
  const smtp = await startTestSmtp(t, ctx.deps, { router: routerFor(ctx.deps) })
  const queue = await makeMailQueue(ctx)
  const org = await makeOrganization(ctx)
  const customer = await makeContact(ctx, org.id, { channels: ['email'] })
  const contract = await ctx.as(token, {
    method: 'POST',
    url: '/v1/contracts',
    payload: { organizationId: org.id, number: 'RET-1', startsOn: '2020-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 1 }], allowedChannels: ['email'], status: 'active' },
  })
  t.equal(contract.statusCode, 201, contract.body)

  let n = 0
  const send = async (from: string, extra: string[] = []) => {
    const id = `<ret-${++n}@customer.test>`
    const res = await deliver(smtp.port, { to: [queue.address], raw: eml([`From: ${from}`, `To: ${queue.address}`, `Subject: retention ${n}`, `Message-ID: ${id}`, ...extra], `Message ${n}.\n`) })
    t.equal(res.final?.code, 250)
    const [row] = await ctx.deps.db.select().from(inboundMail).where(eq(inboundMail.messageKey, id))
    return row!
  }
  const ticketMail = await send(customer.emails[0]!)
  const machine = await send(customer.emails[0]!, ['Auto-Submitted: auto-replied'])
  const pending = await send('stranger@nowhere.test')
  const discarded = await send('spam@nowhere.test')
  t.equal((await ctx.as(token, { method: 'POST', url: `/v1/quarantine/${discarded.id}/discard` })).statusCode, 200)
  t.match(
    [ticketMail, machine, pending].map((r) => [r.outcome, r.ticketId === null]),
    [
      ['ticket_created', false],
      ['automated', true],
      ['quarantined', true],
    ],
  )

  const ids = () => ctx.deps.db.select({ id: inboundMail.id }).from(inboundMail).then((rows) => rows.map((r) => r.id).sort())
  const all = [ticketMail.id, machine.id, pending.id, discarded.id].sort()
  const rawOf = async (rows: Array<{ rawBlobHash: string }>) =>
    (await ctx.deps.db.select({ hash: blobs.hash }).from(blobs).where(inArray(blobs.hash, rows.map((r) => r.rawBlobHash)))).map((b) => b.hash)

  t.same(await purgeInboundMail(ctx.deps, new Date(Date.parse(RECEIVED) + 29 * DAY)), { deleted: 0, blobs: 0 }, 'within the retention: nothing goes')
  t.same(await ids(), all)

  const after = new Date(Date.parse(RECEIVED) + 31 * DAY)
  t.same(await purgeInboundMail(ctx.deps, after), { deleted: 2, blobs: 2 }, 'the machine mail and the discarded quarantine go, raw bytes included')
  t.same(await ids(), [ticketMail.id, pending.id].sort(), 'the ticket’s mail and the pending quarantine stay')
  t.same(await rawOf([machine, discarded]), [], 'their raw blobs are gone')
  t.same((await rawOf([ticketMail, pending])).sort(), [ticketMail.rawBlobHash, pending.rawBlobHash].sort(), 'the kept rows keep their raw bytes')
  const raw = await ctx.as(token, { method: 'GET', url: `/v1/quarantine/${pending.id}/raw` })
  t.equal(raw.statusCode, 200)
  t.match(raw.body, 'Message 3.', 'pending quarantine is still reviewable byte for byte')
  t.same(await purgeInboundMail(ctx.deps, after), { deleted: 0, blobs: 0 }, 'a second run finds nothing')
})
