import { eq } from 'drizzle-orm'
import t from 'tap'
import { CONFIG_CHANNEL } from '../../../src/db/change-feed.ts'
import { openPostgres } from '../../../src/db/client.ts'
import { queues, sites, ticketEvents, ticketMessages } from '../../../src/db/schema/index.ts'
import { INTAKE_CONFIG_CACHE_MS, intakeTicket } from '../../../src/modules/tickets/intake.service.ts'
import { buildTestApp, fixedClock } from '../../helpers/build-test-app.ts'
import { makeDesk } from '../../helpers/desk.ts'
import { eventually, feedLive } from '../../helpers/eventually.ts'

/**
 * Intake reads queues, ticket types and the default state from a per-process cache: writes
 * through the API must take effect at once, and rows the cache has never seen must be found.
 */
t.test('the intake configuration cache', async (t) => {
  const clock = fixedClock('2026-01-19T10:00:00+02:00')
  const ctx = await buildTestApp(t, { clock, config: { ACCESS_TOKEN_TTL_SECONDS: 86_400 } })
  const desk = await makeDesk(ctx, clock)
  const admin = await ctx.adminToken()
  const create = (queueId: string) =>
    ctx.as(admin, { method: 'POST', url: '/v1/tickets', payload: { requesterId: desk.requester.id, queueId, subject: 'Payroll export fails', description: { text: 'It fails.' } } })

  t.equal((await create(desk.queue.id)).statusCode, 201, 'a first create fills the cache')

  const now = clock.now()
  const [behind] = await ctx.deps.db.insert(queues).values({ name: 'Made behind the API', createdAt: now, updatedAt: now }).returning()
  const res = await create(behind!.id)
  t.equal(res.statusCode, 201, 'a queue the cached copy does not know is read afresh, not refused')
  t.equal(res.json().queueId, behind!.id)

  const off = await ctx.as(admin, { method: 'DELETE', url: `/v1/queues/${desk.queue.id}` })
  t.ok(off.statusCode < 300, `the queue is deactivated through the API (${off.statusCode})`)
  const refused = await create(desk.queue.id)
  t.equal(refused.statusCode, 422, 'a deactivation through this instance applies to the very next create')
  t.match(refused.json(), { errors: [{ field: 'queueId', message: 'the queue is deactivated' }] })

  await ctx.deps.db.update(queues).set({ active: true }).where(eq(queues.id, desk.queue.id))
  const type = await ctx.as(admin, { method: 'POST', url: '/v1/ticket-types', payload: { name: 'Licence re-issue', requiredFields: ['steps'] } })
  t.equal(type.statusCode, 201)
  const needsSteps = await ctx.as(admin, {
    method: 'POST',
    url: '/v1/tickets',
    payload: { requesterId: desk.requester.id, queueId: behind!.id, ticketTypeId: type.json().id, subject: 'Licence', description: { text: 'Please re-issue.' } },
  })
  t.equal(needsSteps.statusCode, 422, 'a type created a moment ago is known, with its required fields')
  t.match(needsSteps.json(), { errors: [{ field: 'description.steps' }] })
})

/**
 * Configuration written anywhere else — behind the API, or by another instance on the same
 * PostgreSQL — reaches the cache through the configuration change feed, not after a TTL.
 */
t.test('configuration written elsewhere is seen once its notification arrives', async (t) => {
  const clock = fixedClock('2026-01-19T10:00:00+02:00')
  const ctx = await buildTestApp(t, { clock, config: { ACCESS_TOKEN_TTL_SECONDS: 86_400 } })
  const desk = await makeDesk(ctx, clock)
  const admin = await ctx.adminToken()
  const create = (db = ctx.deps.db) =>
    intakeTicket({ ...ctx.deps, db }, undefined, {
      channel: 'api',
      requester: { contactId: desk.requester.id },
      subject: 'Payroll export fails',
      queueId: desk.queue.id,
      createdBy: { kind: 'system', id: 'test' },
      at: clock.now(),
    }).then(
      () => 'created',
      (e: { message?: string }) => String(e.message),
    )
  /** The answer on `db` once `want` holds of it, within 2 s. */
  const createdOnceNotified = (db: typeof ctx.deps.db, want: (r: string) => boolean) => eventually(() => create(db), want)
  t.equal(await create(), 'created', 'a first create fills the cache')
  t.ok(await feedLive(ctx.deps.db, CONFIG_CHANNEL), 'the configuration feed listens')
  t.equal(await create(), 'created')
  await ctx.deps.db.update(queues).set({ active: false }).where(eq(queues.id, desk.queue.id))
  t.match(await createdOnceNotified(ctx.deps.db, (r) => r !== 'created'), /deactivated/, 'a queue deactivated behind the API refuses without waiting for a TTL')
  await ctx.deps.db.update(queues).set({ active: true }).where(eq(queues.id, desk.queue.id))
  t.equal(await createdOnceNotified(ctx.deps.db, (r) => r === 'created'), 'created')

  if (!ctx.database.url) return
  const other = openPostgres(ctx.database.url, 2)
  t.teardown(() => other.close())
  t.equal(await create(other.db), 'created', 'another instance fills its own cache')
  t.ok(await feedLive(other.db, CONFIG_CHANNEL))
  t.equal(await create(other.db), 'created')
  const started = performance.now()
  t.ok((await ctx.as(admin, { method: 'DELETE', url: `/v1/queues/${desk.queue.id}` })).statusCode < 300)
  t.match(await createdOnceNotified(other.db, (r) => r !== 'created'), /deactivated/, 'the other instance refuses once notified')
  t.ok(performance.now() - started < INTAKE_CONFIG_CACHE_MS, 'well before the TTL')
})

/**
 * The create statement is prepared once per shape (which columns hold null, how many events and
 * clocks), with the values filled in per call: alternating shapes must each store their own values.
 */
t.test('creates of alternating shapes store their own values', async (t) => {
  const clock = fixedClock('2026-01-19T10:00:00+02:00')
  const ctx = await buildTestApp(t, { clock, config: { ACCESS_TOKEN_TTL_SECONDS: 86_400 } })
  const desk = await makeDesk(ctx, clock)
  const admin = await ctx.adminToken()
  const now = clock.now()
  const [site] = await ctx.deps.db.insert(sites).values({ organizationId: desk.org.id, name: 'Plovdiv plant', createdAt: now, updatedAt: now }).returning()
  const create = (n: number, extra: Record<string, unknown>) =>
    ctx.as(admin, { method: 'POST', url: '/v1/tickets', payload: { requesterId: desk.requester.id, queueId: desk.queue.id, subject: `Request ${n}`, description: { text: `Body ${n}` }, ...extra } })
  const shapes = [{}, { siteId: site!.id, tags: ['payroll'] }, { priority: 'high' }, {}, { siteId: site!.id, priority: 'low', tags: ['a', 'b'] }]
  for (const [n, extra] of shapes.entries()) {
    const res = await create(n, extra)
    t.equal(res.statusCode, 201, res.body)
    const got = res.json()
    t.match(got, { subject: `Request ${n}`, siteId: 'siteId' in extra ? site!.id : null, priority: (extra as { priority?: string }).priority ?? 'normal', tags: (extra as { tags?: string[] }).tags ?? [] })
    const [message] = await ctx.deps.db.select().from(ticketMessages).where(eq(ticketMessages.ticketId, got.id))
    t.equal(message?.bodyText, `Body ${n}`, `ticket ${n} has its own first message`)
    const events = await ctx.deps.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, got.id))
    t.ok(events.some((e) => e.type === 'ticket.created'), `ticket ${n} has its own events`)
  }
})
