import { eq, sql } from 'drizzle-orm'
import t from 'tap'
import { changeFeed, DIRECTORY_CHANNEL } from '../../../src/db/change-feed.ts'
import { openPostgres } from '../../../src/db/client.ts'
import { contacts, contracts } from '../../../src/db/schema/index.ts'
import { seedTicketStates } from '../../../src/db/seed-defaults.ts'
import { checkIntake } from '../../../src/modules/contracts/intake-gate.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { eventually, feedLive } from '../../helpers/eventually.ts'
import { makeContact, makeOrganization } from '../../helpers/factories.ts'

/**
 * The intake gate's cache of contacts, organizations and contracts (intake-gate.ts), kept exact
 * by the directory change feed (db/change-feed.ts, migration 0001). With a trigger disabled, a
 * write behind the feed's back shows whether an answer came from memory.
 */
t.test('intake gate cache', async (t) => {
  const ctx = await buildTestApp(t)
  const { db } = ctx.deps
  const token = await ctx.adminToken()
  const at = new Date('2026-03-10T09:00:00Z')
  const check = (contactId: string, channel: 'email' | 'web' = 'email') => checkIntake(db, { contactId, channel, at })
  let n = 0
  const contract = async (organizationId: string) => {
    const res = await ctx.as(token, {
      method: 'POST',
      url: '/v1/contracts',
      payload: { organizationId, number: `GC-${++n}`, startsOn: '2026-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 1 }], allowedChannels: ['email', 'web', 'api', 'phone'], status: 'active' },
    })
    if (res.statusCode !== 201) throw new Error(res.body)
    return res.json() as { id: string; number: string; version: number }
  }
  /** Runs `write` with the contacts trigger off: the feed does not hear of it. */
  const unheard = async (write: () => Promise<unknown>) => {
    await db.execute(sql`alter table contacts disable trigger contacts_notify`)
    try {
      await write()
    } finally {
      await db.execute(sql`alter table contacts enable trigger contacts_notify`)
    }
  }
  const live = () => feedLive(db, DIRECTORY_CHANNEL)
  /** Waits until notifications of earlier writes (delivered asynchronously on PostgreSQL) stop arriving. */
  const quiet = async () => {
    let seen = changeFeed(db, DIRECTORY_CHANNEL)?.generation
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 30))
      const now = changeFeed(db, DIRECTORY_CHANNEL)?.generation
      if (now === seen) return
      seen = now
    }
  }
  /** Polls the gate until it answers `ok`, for a notification from another connection to arrive. */
  const settles = async (contactId: string, ok: boolean) => (await eventually(() => check(contactId), (d) => d.ok === ok)).ok === ok

  const org = await makeOrganization(ctx)
  const c1 = await contract(org.id)
  await check((await makeContact(ctx, org.id)).id)
  t.ok(await live(), 'the feed listens once the gate has been used')

  t.test('an acceptance is answered from memory until the directory changes', async (t) => {
    const alice = await makeContact(ctx, org.id)
    await quiet()
    t.match(await check(alice.id), { ok: true, contract: { id: c1.id } })
    await unheard(() => db.update(contacts).set({ active: false }).where(eq(contacts.id, alice.id)))
    t.match(await check(alice.id), { ok: true }, 'the write behind the feed was not seen: the rows came from memory')
    await db.update(contacts).set({ name: 'Alice renamed' }).where(eq(contacts.id, alice.id))
    t.ok(await settles(alice.id, false), 'any heard write to contacts drops the cache: the deactivation is now seen')
    t.match(await check(alice.id), { ok: false, reason: 'contact_inactive' })
  })

  t.test('a refusal is always read again', async (t) => {
    const bob = await makeContact(ctx, org.id, { active: false })
    t.match(await check(bob.id), { ok: false, reason: 'contact_inactive' })
    await unheard(() => db.update(contacts).set({ active: true }).where(eq(contacts.id, bob.id)))
    t.match(await check(bob.id), { ok: true }, 'reactivated behind the feed, and accepted at once')
  })

  t.test('writes through the API are seen by the next request on this instance', async (t) => {
    await seedTicketStates(db)
    const carol = await makeContact(ctx, org.id)
    const body = (contactId: string) => ({ requesterId: contactId, subject: 'Printing fails', description: { text: 'Error 42' } })
    const queue = await ctx.as(token, { method: 'POST', url: '/v1/queues', payload: { name: `GC queue ${Date.now()}` } })
    const queueId = (queue.json() as { id: string }).id
    const create = () => ctx.as(token, { method: 'POST', url: '/v1/tickets', payload: { ...body(carol.id), queueId } })
    t.equal((await create()).statusCode, 201)
    const off = await ctx.as(token, { method: 'PATCH', url: `/v1/contacts/${carol.id}`, payload: { active: false } })
    t.equal(off.statusCode, 200)
    const refused = await create()
    t.equal(refused.statusCode, 422, 'refused by the very next request')
    t.match(refused.json(), { reason: 'contact_inactive' })
    t.equal((await ctx.as(token, { method: 'PATCH', url: `/v1/contacts/${carol.id}`, payload: { active: true } })).statusCode, 200)
    t.equal((await create()).statusCode, 201)
    const suspended = await ctx.as(token, { method: 'PATCH', url: `/v1/contracts/${c1.id}`, payload: { status: 'suspended' } })
    t.equal(suspended.statusCode, 200)
    t.match((await create()).json(), { reason: 'contract_suspended' }, 'a suspended contract refuses at once')
    t.equal((await ctx.as(token, { method: 'PATCH', url: `/v1/contracts/${c1.id}`, payload: { status: 'active' } })).statusCode, 200)
    t.equal((await create()).statusCode, 201)
  })

  t.test('a new contract takes over from the one cached', async (t) => {
    const other = await makeOrganization(ctx)
    const dave = await makeContact(ctx, other.id)
    const old = await contract(other.id)
    t.match(await check(dave.id), { ok: true, contract: { id: old.id } })
    const res = await ctx.as(token, {
      method: 'POST',
      url: '/v1/contracts',
      payload: { organizationId: other.id, number: `GC-${++n}`, startsOn: '2026-03-01', currency: 'EUR', hourlyRates: [{ rateMinor: 1 }], allowedChannels: ['email'], status: 'active' },
    })
    const renewal = res.json() as { id: string }
    t.match(await check(dave.id), { ok: true, contract: { id: renewal.id } }, 'the later start wins at once')
  })

  t.test('another instance on the same database drops its copy when notified', { skip: ctx.database.url ? false : 'PostgreSQL only: PGlite is one process' }, async (t) => {
    const other = openPostgres(ctx.database.url!, 2)
    t.teardown(() => other.close())
    const erin = await makeContact(ctx, org.id)
    const checkThere = () => checkIntake(other.db, { contactId: erin.id, channel: 'email', at })
    await checkThere()
    await feedLive(other.db, DIRECTORY_CHANNEL)
    t.match(await checkThere(), { ok: true })
    // Written on this instance; the other one only hears the notification.
    t.equal((await ctx.as(token, { method: 'PATCH', url: `/v1/contacts/${erin.id}`, payload: { active: false } })).statusCode, 200)
    const refused = !(await eventually(checkThere, (d) => !d.ok)).ok
    t.ok(refused, 'refused on the other instance once the notification arrived')
  })

  t.test('without a listening connection nothing is served from memory, and the feed comes back', { skip: ctx.database.url ? false : 'PostgreSQL only: the listener is a connection' }, async (t) => {
    const frank = await makeContact(ctx, org.id)
    t.match(await check(frank.id), { ok: true })
    const killed = await db.execute<{ n: number }>(
      sql`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen %'`,
    )
    t.equal(killed.rows[0]!.n, 1, 'the one listening connection')
    await eventually(() => changeFeed(db, DIRECTORY_CHANNEL)!.live, (on) => !on)
    t.notOk(changeFeed(db, DIRECTORY_CHANNEL)!.live)
    await unheard(() => db.update(contacts).set({ active: false }).where(eq(contacts.id, frank.id)))
    t.match(await check(frank.id), { ok: false, reason: 'contact_inactive' }, 'read afresh while the feed is down')
    t.ok(await live(), 'listening again after the retry')
    await db.update(contacts).set({ active: true }).where(eq(contacts.id, frank.id))
    t.ok(await settles(frank.id, true))
  })

  t.test('contracts written behind the API notify too', async (t) => {
    const grace = await makeContact(ctx, org.id)
    t.match(await check(grace.id), { ok: true })
    await db.update(contracts).set({ status: 'suspended' }).where(eq(contracts.organizationId, org.id))
    t.ok(await settles(grace.id, false))
    t.match(await check(grace.id), { ok: false, reason: 'contract_suspended' })
    await db.update(contracts).set({ status: 'active' }).where(eq(contracts.organizationId, org.id))
    t.ok(await settles(grace.id, true))
  })
})
