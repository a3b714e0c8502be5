import { readFileSync } from 'node:fs'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import t from 'tap'
import { outbox } from '../../../src/db/schema/index.ts'
import type { Deps } from '../../../src/deps.ts'
import { createMailHandler, type MailPayload } from '../../../src/modules/mail/mail-transport.ts'
import { claimDue, findOutbox, markSent } from '../../../src/modules/outbox/outbox.repo.ts'
import { type DeliveryHandler, dispatchOnce, enqueue, LEASE_SECONDS } from '../../../src/modules/outbox/outbox.service.ts'
import { buildTestApp, fixedClock } from '../../helpers/build-test-app.ts'
import { scriptedRelay } from '../../helpers/smtp-relay.ts'
import { tempDir } from '../../helpers/temp-dir.ts'

const mail = (n: number): MailPayload => ({
  to: ['customer@example.com'],
  subject: `[#${n}] Your request`,
  text: `Body ${n}`,
  messageId: `<ticket-${n}.${Date.now()}@desk.example>`,
  headers: { 'Auto-Submitted': 'auto-generated' },
})

t.test('outbox', async (t) => {
  const clock = fixedClock('2026-11-23T10:00:00Z')
  const dataDir = tempDir(t, 'deskledger-outbox-')
  const ctx = await buildTestApp(t, { clock, config: { DATA_DIR: dataDir } })
  const deps = ctx.deps

  t.test('rows are written with the change: a rolled-back change sends nothing', async (t) => {
    const subject = `ticket:rollback-${Date.now()}`
    await t.rejects(
      deps.db.transaction(async (tx) => {
        await enqueue(tx, [{ kind: 'mail', payload: { ...mail(1) }, subject }], clock.now())
        throw new Error('the change failed')
      }),
    )
    t.same(await deps.db.select().from(outbox).where(eq(outbox.subject, subject)), [])
  })

  t.test('with no relay, mail is written to the outbound directory', async (t) => {
    const handler = createMailHandler(deps.config)
    const subject = `ticket:file-${Date.now()}`
    const payload = mail(2)
    await enqueue(deps.db, [{ kind: 'mail', payload: { ...payload }, subject }], clock.now())
    const s = await dispatchOnce(deps, { mail: handler }, { instanceId: 'a' })
    t.ok(s.sent >= 1)
    const [row] = await deps.db.select().from(outbox).where(eq(outbox.subject, subject))
    t.equal(row?.status, 'sent')
    const eml = readFileSync(path.join(dataDir, 'outbound-mail', `${row!.id}.eml`), 'utf8')
    t.match(eml, `Message-ID: ${payload.messageId}`)
    t.match(eml, 'Auto-Submitted: auto-generated')
    t.match(eml, /Subject: \[#2\] Your request/)
  })

  t.test('a 4xx is retried with backoff and the same Message-ID; a 5xx is not retried', async (t) => {
    const relay = await scriptedRelay([451, 250, 550])
    t.teardown(relay.close)
    const handler = createMailHandler({ ...deps.config, MAIL_RELAY_URL: relay.url })
    t.teardown(() => handler.close())
    const subject = `ticket:relay-${Date.now()}`
    const payload = mail(3)
    await enqueue(deps.db, [{ kind: 'mail', payload: { ...payload }, subject }], clock.now())
    const first = await dispatchOnce(deps, { mail: handler }, { instanceId: 'a' })
    t.equal(first.retried, 1)
    let [row] = await deps.db.select().from(outbox).where(eq(outbox.subject, subject))
    t.equal(row?.status, 'pending')
    t.equal(row?.availableAt.toISOString(), '2026-11-23T10:00:30.000Z', 'first retry 30 s later')
    t.equal((await dispatchOnce(deps, { mail: handler }, { instanceId: 'a' })).claimed, 0, 'not before its time')
    clock.advance(30)
    const second = await dispatchOnce(deps, { mail: handler }, { instanceId: 'a' })
    t.equal(second.sent, 1)
    ;[row] = await deps.db.select().from(outbox).where(eq(outbox.subject, subject))
    t.equal(row?.status, 'sent')
    t.equal(row?.attempts, 2)
    t.equal(relay.received.length, 2)
    for (const raw of relay.received) t.match(raw, `Message-ID: ${payload.messageId}`)

    const bounced = `ticket:bounce-${Date.now()}`
    await enqueue(deps.db, [{ kind: 'mail', payload: { ...mail(4) }, subject: bounced }], clock.now())
    const third = await dispatchOnce(deps, { mail: handler }, { instanceId: 'a' })
    t.equal(third.failed, 1)
    ;[row] = await deps.db.select().from(outbox).where(eq(outbox.subject, bounced))
    t.equal(row?.status, 'failed')
    t.match(row?.lastError, /550/)
    clock.advance(86_400)
    t.equal((await dispatchOnce(deps, { mail: handler }, { instanceId: 'a' })).claimed, 0, 'never retried')
  })

  t.test('a dedupe key stores one delivery', async (t) => {
    const key = `ack:${Date.now()}`
    t.equal(await enqueue(deps.db, [{ kind: 'mail', payload: { ...mail(5) }, dedupeKey: key }], clock.now()), 1)
    t.equal(await enqueue(deps.db, [{ kind: 'mail', payload: { ...mail(5) }, dedupeKey: key }], clock.now()), 0)
    await dispatchOnce(deps, { mail: async () => ({ ok: true }) }, { instanceId: 'a', batchSize: 100 })
  })

  t.test('a batch handler answers for all its rows of a round; when it throws, they are all retried', async (t) => {
    const subject = `ticket:batch-${Date.now()}`
    await enqueue(deps.db, [1, 2, 3].map((i) => ({ kind: 'batchy', payload: { i }, subject })), clock.now())
    const calls: number[] = []
    let fail = true
    const one: DeliveryHandler = async () => ({ ok: false, permanent: true, error: 'not called one at a time' })
    const batchy: DeliveryHandler = Object.assign(one, {
      batch: async (_d: unknown, rows: unknown[]) => {
        calls.push(rows.length)
        if (fail) throw new Error('database went away')
        return rows.map(() => ({ ok: true as const }))
      },
    })
    const first = await dispatchOnce(deps, { batchy }, { instanceId: 'a', batchSize: 100 })
    t.same([first.retried, calls], [3, [3]], 'one call for the round; every row retried')
    clock.advance(30)
    fail = false
    const second = await dispatchOnce(deps, { batchy }, { instanceId: 'a', batchSize: 100 })
    t.same([second.sent, calls], [3, [3, 3]])
    const rows = await deps.db.select().from(outbox).where(eq(outbox.subject, subject))
    t.ok(rows.every((r) => r.status === 'sent' && r.sentAt !== null && r.lockedBy === null), 'recorded sent in one statement')
  })

  t.test('a round that runs long records what it delivered before its next delivery, not at its end', async (t) => {
    const subject = `ticket:slow-${Date.now()}`
    await enqueue(deps.db, [1, 2, 3].map((i) => ({ kind: 'slow', payload: { i }, subject })), clock.now())
    const seen: Array<string | undefined> = []
    let first: string | undefined
    const slow: DeliveryHandler = async (_d, row) => {
      if (first) seen.push((await findOutbox(deps.db, first))?.status)
      first ??= row.id
      // A relay that took most of the lease over the first row.
      clock.advance(LEASE_SECONDS / 2)
      return { ok: true }
    }
    const s = await dispatchOnce(deps, { slow }, { instanceId: 'a', batchSize: 100 })
    t.equal(s.sent, 3)
    t.same(seen, ['sent', 'sent'], 'the first row was recorded sent before the second and third deliveries')
  })

  t.test('a dispatcher that dies loses its rows to another after the lease; its late outcome changes nothing', async (t) => {
    const subject = `ticket:lease-${Date.now()}`
    await enqueue(deps.db, [{ kind: 'mail', payload: { ...mail(6) }, subject }], clock.now())
    const claimed = await claimDue(deps.db, clock.now(), LEASE_SECONDS, 100, 'dead')
    const mine = claimed.find((r) => r.subject === subject)!
    t.ok(mine)
    t.equal((await dispatchOnce(deps, { mail: async () => ({ ok: true }) }, { instanceId: 'b' })).claimed, 0, 'leased rows are not taken')
    clock.advance(LEASE_SECONDS)
    const delivered: string[] = []
    const record: DeliveryHandler = async (_d, row) => {
      delivered.push(row.id)
      return { ok: true }
    }
    const s = await dispatchOnce(deps, { mail: record }, { instanceId: 'b' })
    t.equal(s.sent, 1)
    t.same(delivered, [mine.id])
    await markSent(deps.db, [mine.id], 'dead', clock.now())
    t.equal((await findOutbox(deps.db, mine.id))?.lockedBy, null)
  })
})

t.test('several dispatchers deliver each row exactly once', async (t) => {
  const clock = fixedClock('2026-11-23T10:00:00Z')
  const ctx = await buildTestApp(t, { clock })
  // A second, independent connection pool on the same database plays the second instance (PostgreSQL);
  // on PGlite both share the one in-process database.
  const other = process.env.TEST_DATABASE_URL ? await import('../../../src/db/client.ts').then((m) => m.openPostgres(ctx.database.url!, 4)) : undefined
  t.teardown(() => other?.close())
  const depsB: Deps = { ...ctx.deps, db: other?.db ?? ctx.deps.db }
  const subject = `ticket:many-${Date.now()}`
  const N = 120
  await enqueue(
    ctx.deps.db,
    Array.from({ length: N }, (_, i) => ({ kind: 'mail', payload: { ...mail(100 + i) }, subject })),
    clock.now(),
  )
  const deliveries = new Map<string, number>()
  const handler: DeliveryHandler = async (_d, row) => {
    deliveries.set(row.id, (deliveries.get(row.id) ?? 0) + 1)
    await new Promise((r) => setTimeout(r, 1))
    return { ok: true }
  }
  const loop = async (deps: Deps, id: string) => {
    for (;;) {
      const s = await dispatchOnce(deps, { mail: handler }, { instanceId: id, batchSize: 7 })
      if (s.claimed === 0) return
    }
  }
  await Promise.all([loop(ctx.deps, 'a'), loop(depsB, 'b'), loop(ctx.deps, 'c'), loop(depsB, 'd')])
  t.equal(deliveries.size, N)
  t.ok([...deliveries.values()].every((n) => n === 1), 'no row delivered twice')
  const rows = await ctx.deps.db.select().from(outbox).where(eq(outbox.subject, subject))
  t.ok(rows.every((r) => r.status === 'sent'))
})
