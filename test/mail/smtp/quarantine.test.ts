import { eq } from 'drizzle-orm'
import t from 'tap'
import { seedTicketStates } from '../../../src/db/seed-defaults.ts'
import { contactEmails, inboundMail } from '../../../src/db/schema/index.ts'
import { createMailIntake } from '../../../src/modules/mail/inbound.service.ts'
import { releaseQuarantined } from '../../../src/modules/mail/quarantine.service.ts'
import { createDefaultRouter } from '../../../src/modules/mail/router.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { listIds, walkPages } from '../../helpers/directory.ts'
import { makeApiKey, makeOrganization } from '../../helpers/factories.ts'
import { eml, fixture } from '../../helpers/mail-fixtures.ts'
import { deliver, MAIL_TEST_CONFIG, makeMailQueue, makeTicket, startTestSmtp } from '../../helpers/smtp.ts'

t.test('quarantine API', async (t) => {
  const ctx = await buildTestApp(t, { config: MAIL_TEST_CONFIG })
  const token = await ctx.adminToken()
  const smtp = await startTestSmtp(t, ctx.deps)
  const queue = await makeMailQueue(ctx)
  const other = await makeMailQueue(ctx, 'sales')
  const as = (o: Parameters<typeof ctx.as>[1], tk = token) => ctx.as(tk, o)

  let n = 0
  /** Delivers a mail from an unknown sender and returns its quarantine id. */
  const held = async (o: { from?: string; to?: string; extra?: string[]; raw?: Buffer } = {}) => {
    const id = `<q-${++n}.${Date.now()}@customer.test>`
    const raw = o.raw ?? eml([`From: ${o.from ?? `stranger${n}@nowhere.test`}`, `To: ${o.to ?? queue.address}`, `Subject: quarantine ${n}`, `Message-ID: ${id}`, ...(o.extra ?? [])])
    const d = await deliver(smtp.port, { to: [o.to ?? queue.address], raw })
    if (d.final?.code !== 250) throw new Error(`delivery: ${JSON.stringify(d)}`)
    const key = /Message-ID: (<[^>]+>)/i.exec(raw.toString())![1]!
    const [row] = await ctx.deps.db.select().from(inboundMail).where(eq(inboundMail.messageKey, key))
    return { id: row!.id, raw }
  }

  const startedAt = new Date(Date.now() - 1000).toISOString()
  const a = await held({ from: 'one@nowhere.test' })
  const b = await held({ from: 'two@nowhere.test' })
  const c = await held({ from: 'two@nowhere.test', to: other.address })
  const html = await held({ raw: fixture('html-inline-attachments.eml') })

  t.test('list: newest first, each filter, pagination', async (t) => {
    const all = await listIds(ctx, token, '/v1/quarantine?limit=200')
    t.same(all.slice(0, 4), [html.id, c.id, b.id, a.id])
    t.same(await listIds(ctx, token, '/v1/quarantine?from=TWO@nowhere.test'), [c.id, b.id])
    t.same(await listIds(ctx, token, `/v1/quarantine?mailbox=${encodeURIComponent(other.address)}`), [c.id])
    t.ok((await listIds(ctx, token, '/v1/quarantine?reason=unknown_contact')).includes(a.id))
    t.same(await listIds(ctx, token, '/v1/quarantine?reason=no_active_contract'), [])
    t.ok((await listIds(ctx, token, `/v1/quarantine?since=${encodeURIComponent(startedAt)}`)).includes(a.id))
    t.same(await listIds(ctx, token, `/v1/quarantine?since=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`), [])
    t.ok((await listIds(ctx, token, '/v1/quarantine?state=pending')).includes(a.id))
    const res = await as({ method: 'GET', url: '/v1/quarantine?from=one@nowhere.test' })
    t.match(res.json(), { data: [{ id: a.id, from: 'one@nowhere.test', mailbox: queue.address, queueId: queue.id, outcome: 'quarantined', reason: 'unknown_contact', state: 'pending', subject: /^quarantine /, reviewedAt: null }], nextCursor: null })
    const pages = await walkPages(t, ctx, token, '/v1/quarantine?limit=1')
    t.same(pages.ids, all)
    t.equal(pages.pages, all.length)
  })

  t.test('list: bad input is a 400', async (t) => {
    for (const q of ['state=bogus', 'since=yesterday', 'limit=0', 'limit=x', 'unknown=1', 'cursor=nope']) {
      t.equal((await as({ method: 'GET', url: `/v1/quarantine?${q}` })).statusCode, 400, q)
    }
  })

  t.test('detail: parsed summary', async (t) => {
    const res = await as({ method: 'GET', url: `/v1/quarantine/${html.id}` })
    t.equal(res.statusCode, 200)
    t.match(res.json(), {
      id: html.id,
      from: 'ivan.petrov@acme.bg',
      fromName: 'Ivan Petrov',
      to: ['support@desk.example.com'],
      date: /^\d{4}-/,
      textExcerpt: /the error is in the screenshot/,
      attachments: [{ filename: String, contentType: 'image/png', size: Number, inline: true }],
    })
    t.equal((await as({ method: 'GET', url: '/v1/quarantine/0192f0c4-7b1e-7c3a-9d2e-5f6a7b8c9d0e' })).statusCode, 404)
    t.equal((await as({ method: 'GET', url: '/v1/quarantine/not-a-uuid' })).statusCode, 400)
  })

  t.test('a message that was not quarantined is not in the quarantine', async (t) => {
    const auto = await held({ extra: ['Auto-Submitted: auto-replied'] }).catch(() => undefined)
    t.ok(auto)
    const [row] = await ctx.deps.db.select().from(inboundMail).where(eq(inboundMail.id, auto!.id))
    t.equal(row!.outcome, 'automated')
    t.equal((await as({ method: 'GET', url: `/v1/quarantine/${auto!.id}` })).statusCode, 404)
    t.equal((await as({ method: 'GET', url: `/v1/quarantine/${auto!.id}/raw` })).statusCode, 404)
  })

  t.test('raw: message/rfc822, as an attachment, byte for byte', async (t) => {
    const res = await as({ method: 'GET', url: `/v1/quarantine/${html.id}/raw` })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], 'message/rfc822')
    t.equal(res.headers['content-disposition'], `attachment; filename="${html.id}.eml"`)
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.ok(res.rawPayload.equals(html.raw), 'identical bytes')
  })

  t.test('discard: once; then neither discard nor release', async (t) => {
    const x = await held()
    const res = await as({ method: 'POST', url: `/v1/quarantine/${x.id}/discard` })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { id: x.id, state: 'discarded', reviewedBy: /^agent:/, reviewedAt: /^\d{4}-/ })
    t.equal((await as({ method: 'POST', url: `/v1/quarantine/${x.id}/discard` })).statusCode, 409)
    t.equal((await as({ method: 'POST', url: `/v1/quarantine/${x.id}/release`, payload: {} })).statusCode, 409)
    t.ok((await listIds(ctx, token, '/v1/quarantine?state=discarded')).includes(x.id))
    t.notOk((await listIds(ctx, token, '/v1/quarantine?state=pending')).includes(x.id))
    t.equal((await as({ method: 'POST', url: '/v1/quarantine/0192f0c4-7b1e-7c3a-9d2e-5f6a7b8c9d0e/discard' })).statusCode, 404)
  })

  t.test('release: the router runs again; still refused → still pending with the reason', async (t) => {
    const x = await held()
    for (const payload of [{}, undefined]) {
      const res = await as({ method: 'POST', url: `/v1/quarantine/${x.id}/release`, ...(payload ? { payload } : {}) })
      t.equal(res.statusCode, 200, res.body)
      t.match(res.json(), { outcome: 'quarantined', reason: 'unknown_contact', ticketId: null, contactId: null, mail: { id: x.id, state: 'pending' } })
    }
  })

  t.test('release with registerContact: the contact is registered, the gate passes, the mail becomes a ticket', async (t) => {
    await seedTicketStates(ctx.deps.db)
    const org = await makeOrganization(ctx)
    const contract = await as({
      method: 'POST',
      url: '/v1/contracts',
      payload: { organizationId: org.id, number: 'Q-1', startsOn: '2020-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 1 }], allowedChannels: ['email'], status: 'active' },
    })
    t.equal(contract.statusCode, 201, contract.body)
    const x = await held({ from: 'New Person <New.Person@Customer.test>' })
    const res = await as({ method: 'POST', url: `/v1/quarantine/${x.id}/release`, payload: { registerContact: { organizationId: org.id, name: 'New Person', authorized: true } } })
    t.equal(res.statusCode, 200, res.body)
    const body = res.json()
    t.match(body, { outcome: 'ticket_created', ticketId: String, contactId: String, mail: { state: 'released' } })
    const ticket = await as({ method: 'GET', url: `/v1/tickets/${body.ticketId}` })
    t.match(ticket.json(), { channel: 'email', requesterId: body.contactId, organizationId: org.id })
    const [email] = await ctx.deps.db.select().from(contactEmails).where(eq(contactEmails.email, 'new.person@customer.test'))
    t.equal(email?.contactId, body.contactId)
    const again = await as({ method: 'POST', url: `/v1/quarantine/${x.id}/release`, payload: { registerContact: { organizationId: org.id, name: 'Twice', authorized: true } } })
    t.equal(again.statusCode, 409, 'the address already belongs to a contact; nothing changed')
    const bad: Array<[unknown, number]> = [
      [{ registerContact: { organizationId: org.id, name: 'X' } }, 400],
      [{ registerContact: { organizationId: org.id, name: 'X', authorized: true, admin: true } }, 400],
      [{ registerContact: { organizationId: 'nope', name: 'X', authorized: true } }, 400],
      [{ registerContact: { organizationId: org.id, name: '', authorized: true } }, 400],
      [{ registerContact: { organizationId: org.id, name: 'x'.repeat(201), authorized: true } }, 400],
      [{ registerContact: { organizationId: org.id, name: 'X', authorized: 'yes' } }, 400],
      [{ other: 1 }, 400],
      [{ registerContact: { organizationId: '0192f0c4-7b1e-7c3a-9d2e-5f6a7b8c9d0e', name: 'X', authorized: true } }, 422],
    ]
    const y = await held()
    for (const [payload, code] of bad) {
      t.equal((await as({ method: 'POST', url: `/v1/quarantine/${y.id}/release`, payload: payload as object })).statusCode, code, JSON.stringify(payload))
    }
  })

  t.test('release through a wired router: released with the ticket, once', async (t) => {
    const x = await held()
    const ticketId = await makeTicket(ctx, token, queue.id)
    const intake = createMailIntake(ctx.deps, { route: async () => ({ outcome: 'ticket_created', ticketId }) })
    const admin = { kind: 'agent' as const, id: 'a1', role: 'admin' as const, name: 'Admin' }
    t.match(await releaseQuarantined(intake, admin, x.id, {}), { outcome: 'ticket_created', ticketId, mail: { state: 'released', outcome: 'ticket_created', ticketId, reviewedBy: 'agent:a1' } })
    await t.rejects(releaseQuarantined(intake, admin, x.id, {}), { code: 'CONFLICT' })
    const gate = createMailIntake(ctx.deps, createDefaultRouter())
    await t.rejects(releaseQuarantined(gate, admin, x.id, {}), { code: 'CONFLICT' })
    t.ok((await listIds(ctx, token, '/v1/quarantine?state=released')).includes(x.id))
  })

  t.test('access: admins and mail-scoped API keys only', async (t) => {
    const agent = (await ctx.login('agent')).token
    const manager = (await ctx.login('manager')).token
    const x = await held()
    for (const tk of [agent, manager]) {
      t.equal((await as({ method: 'GET', url: '/v1/quarantine' }, tk)).statusCode, 403)
      t.equal((await as({ method: 'GET', url: `/v1/quarantine/${x.id}/raw` }, tk)).statusCode, 403)
      t.equal((await as({ method: 'POST', url: `/v1/quarantine/${x.id}/discard` }, tk)).statusCode, 403)
    }
    t.equal((await ctx.as(undefined, { method: 'GET', url: '/v1/quarantine' })).statusCode, 401)
    const none = await makeApiKey(ctx, ['tickets:read'])
    const read = await makeApiKey(ctx, ['mail:read'])
    const write = await makeApiKey(ctx, ['mail:write'])
    t.equal((await as({ method: 'GET', url: '/v1/quarantine' }, none)).statusCode, 403)
    t.equal((await as({ method: 'GET', url: '/v1/quarantine' }, read)).statusCode, 200)
    t.equal((await as({ method: 'GET', url: `/v1/quarantine/${x.id}` }, read)).statusCode, 200)
    t.equal((await as({ method: 'GET', url: `/v1/quarantine/${x.id}/raw` }, read)).statusCode, 200)
    t.equal((await as({ method: 'POST', url: `/v1/quarantine/${x.id}/release`, payload: {} }, read)).statusCode, 403)
    t.equal((await as({ method: 'POST', url: `/v1/quarantine/${x.id}/discard` }, read)).statusCode, 403)
    t.equal((await as({ method: 'GET', url: '/v1/quarantine' }, write)).statusCode, 403)
    t.equal((await as({ method: 'POST', url: `/v1/quarantine/${x.id}/release`, payload: {} }, write)).statusCode, 200)
    const discard = await as({ method: 'POST', url: `/v1/quarantine/${x.id}/discard` }, write)
    t.equal(discard.statusCode, 200)
    t.match(discard.json(), { reviewedBy: /^apiKey:/ })
  })
})
