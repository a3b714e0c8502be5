import { asc, eq } from 'drizzle-orm'
import t from 'tap'
import { queues, ticketStates, ticketTypes } from '../../../src/db/schema/index.ts'
import { seedDemoTicketConfig, seedTicketConfig, seedTicketStates } from '../../../src/db/seed-defaults.ts'
import { canTransition } from '../../../src/lib/state-machine.ts'
import { buildTestApp, fixedClock } from '../../helpers/build-test-app.ts'

t.test('seeded ticket configuration', async (t) => {
  const ctx = await buildTestApp(t)
  const { db } = ctx.deps
  const clock = fixedClock('2025-03-03T08:00:00Z')
  const snapshot = async () => ({
    states: await db.select().from(ticketStates).orderBy(asc(ticketStates.key)),
    queues: await db.select().from(queues).orderBy(asc(queues.name)),
    types: await db.select().from(ticketTypes).orderBy(asc(ticketTypes.name)),
  })

  t.test('seeding twice gives the same rows', async (t) => {
    await seedTicketConfig(db, clock)
    const first = await snapshot()
    clock.advance(3600)
    await seedTicketConfig(db, clock)
    await seedTicketStates(db, clock)
    await seedDemoTicketConfig(db, clock)
    t.same(await snapshot(), first)
    t.same(first.states.map((s) => s.key), ['closed', 'new', 'open', 'pending', 'resolved'])
    t.equal(first.queues.length, 6)
    t.equal(first.types.length, 4)
  })

  t.test('the default states form a usable state machine', async (t) => {
    const { states } = await snapshot()
    const byKey = new Map(states.map((s) => [s.key, s]))
    t.same(states.filter((s) => s.isDefault).map((s) => s.key), ['new'])
    t.equal(byKey.get('pending')!.category, 'pending')
    t.same(byKey.get('new')!.allowedTransitions, ['open', 'pending', 'resolved', 'closed'])
    t.same(byKey.get('closed')!.allowedTransitions, ['open'])
    for (const s of states) {
      for (const target of s.allowedTransitions) t.ok(canTransition(states, s.key, target).ok, `${s.key} → ${target}`)
    }
    t.notOk(canTransition(states, 'closed', 'resolved').ok)
    // They are served by the API like any other state.
    const res = await ctx.as(await ctx.adminToken(), { method: 'GET', url: '/v1/ticket-states?category=pending' })
    t.same(res.json().data.map((s: { key: string }) => s.key), ['pending'])
  })

  t.test('demo queues and types', async (t) => {
    const { queues: qs, types } = await snapshot()
    const support = qs.find((q) => q.name === 'Product support')!
    t.match(support, { inboundEmail: 'support@desk.example', reopenOnCustomerReply: true, active: true })
    t.ok(qs.every((q) => q.inboundEmail?.endsWith('@desk.example')))
    const howDoI = types.find((x) => x.name.startsWith('How do I'))!
    t.match(howDoI, { billable: true, requiredFields: ['steps', 'expectedResult', 'section'] })
    t.same(types.filter((x) => !x.billable).map((x) => x.name).sort(), ['Licence re-issue', 'Program does not start', 'Update installation'])
  })

  t.test('a state an admin deleted is not re-created at the next start', async (t) => {
    const token = await ctx.adminToken()
    const resolved = (await db.select().from(ticketStates).where(eq(ticketStates.key, 'resolved')))[0]!
    // Unhook it from the states that may move to it, then delete it.
    for (const s of await db.select().from(ticketStates)) {
      if (s.allowedTransitions.includes('resolved')) {
        const res = await ctx.as(token, { method: 'PATCH', url: `/v1/ticket-states/${s.id}`, payload: { allowedTransitions: s.allowedTransitions.filter((k) => k !== 'resolved') } })
        t.equal(res.statusCode, 200, res.body)
      }
    }
    t.equal((await ctx.as(token, { method: 'DELETE', url: `/v1/ticket-states/${resolved.id}` })).statusCode, 204)
    await seedTicketStates(db, clock)
    t.same(await db.select().from(ticketStates).where(eq(ticketStates.key, 'resolved')), [])
  })
})
