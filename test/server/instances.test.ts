import t from 'tap'
import { seedTicketStates } from '../../src/db/seed-defaults.ts'
import { systemClock } from '../../src/lib/clock.ts'
import { createAgent } from '../../src/modules/agents/agents.service.ts'
import { testConfig } from '../helpers/build-test-app.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { eventually } from '../helpers/eventually.ts'
import { makeContact, makeOrganization } from '../helpers/factories.ts'
import { freePort, type Proc, startServer, waitForHttp } from '../helpers/process.ts'

/**
 * Two service processes on one PostgreSQL: each keeps its own intake gate and configuration
 * caches, and a write through one must reach the other's caches through the change feeds, not
 * after a TTL (src/db/change-feed.ts).
 */
t.test('two instances: a change through one is obeyed by the other', { skip: process.env.TEST_DATABASE_URL ? false : 'PostgreSQL only' }, async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  const deps = { db: database.db, clock: systemClock, config: testConfig() }
  const secret = 'instances-test-secret-that-is-long-enough-0123456789'
  const procs: Proc[] = []
  t.teardown(async () => {
    for (const p of procs) p.child.kill('SIGTERM')
    await Promise.all(procs.map((p) => p.exited))
  })
  const start = async () => {
    const port = await freePort()
    const proc = startServer({ DATABASE_URL: database.url!, JWT_SECRET: secret, PORT: String(port), HOST: '127.0.0.1', SMTP_ENABLED: 'false', SCHEDULER_ENABLED: 'false', LOG_LEVEL: 'warn' })
    procs.push(proc)
    await waitForHttp(`http://127.0.0.1:${port}/health`)
    return `http://127.0.0.1:${port}`
  }
  const [a, b] = await Promise.all([start(), start()])

  await seedTicketStates(database.db)
  await createAgent(deps as never, { name: 'Admin', email: 'admin@instances.test', role: 'admin', password: 'a long enough password' })
  const login = await fetch(`${a}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@instances.test', password: 'a long enough password' }) })
  const { accessToken } = (await login.json()) as { accessToken: string }
  const call = async (base: string, method: string, url: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${accessToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    return { status: res.status, body: (res.status === 204 ? {} : await res.json()) as Record<string, unknown> }
  }

  const org = await makeOrganization({ deps } as never)
  const contact = await makeContact({ deps } as never, org.id)
  const contract = await call(a, 'POST', '/v1/contracts', {
    organizationId: org.id,
    number: 'INST-1',
    startsOn: '2020-01-01',
    currency: 'EUR',
    hourlyRates: [{ rateMinor: 1 }],
    allowedChannels: ['api', 'phone', 'email', 'web'],
    status: 'active',
  })
  t.equal(contract.status, 201)
  const queue = await call(a, 'POST', '/v1/queues', { name: 'Instances queue' })
  t.equal(queue.status, 201)
  const create = () => call(a, 'POST', '/v1/tickets', { requesterId: contact.id, queueId: queue.body.id, subject: 'Printing fails', description: { text: 'Error 42' } })
  /** Instance A's answer once it differs from 201, within 2 s (a notification crosses processes). */
  const refusedByA = () => eventually(create, (res) => res.status !== 201, 2_000, 20)

  t.equal((await create()).status, 201, 'A accepts and now holds the requester in its gate cache')
  t.equal((await create()).status, 201)
  t.equal((await call(b, 'PATCH', `/v1/contacts/${contact.id}`, { active: false })).status, 200, 'B deactivates the contact')
  t.match(await refusedByA(), { status: 422, body: { reason: 'contact_inactive' } }, 'A refuses once notified')

  t.equal((await call(b, 'PATCH', `/v1/contacts/${contact.id}`, { active: true })).status, 200)
  t.equal((await create()).status, 201, 'a refusal is never cached: A accepts again at once')
  t.equal((await call(b, 'DELETE', `/v1/queues/${queue.body.id}`)).status < 300, true, 'B deactivates the queue')
  t.match(await refusedByA(), { status: 422, body: { errors: [{ field: 'queueId' }] } }, "A's configuration cache drops the queue once notified")
})
