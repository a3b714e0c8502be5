import { count, eq, sql } from 'drizzle-orm'
import t from 'tap'
import { blobs, equipment, messageAttachments, outbox, queues, sites, teams, ticketEvents, ticketMessages, tickets, ticketStates, ticketTypes } from '../../../src/db/schema/index.ts'
import { seedTicketStates } from '../../../src/db/seed-defaults.ts'
import { AppError } from '../../../src/lib/errors.ts'
import { sha256Hex } from '../../../src/modules/blobs/blob-store.ts'
import { createTicket, getTicket, listTickets } from '../../../src/modules/tickets/tickets.service.ts'
import { listMessages } from '../../../src/modules/tickets/messages.service.ts'
import { createTestApiKey } from '../../helpers/api-keys.ts'
import { buildTestApp, fixedClock } from '../../helpers/build-test-app.ts'
import { makeContact, makeOrganization } from '../../helpers/factories.ts'

const MONDAY_10 = '2026-01-19T10:00:00+02:00'
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')
const boundary = 'XBOUNDARY'
const part = (name: string, value: string | Buffer, filename?: string) =>
  Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}\r\n${filename === undefined ? '' : 'Content-Type: text/html\r\n'}\r\n`),
    Buffer.isBuffer(value) ? value : Buffer.from(value),
    Buffer.from('\r\n'),
  ])
const multipartBody = (parts: Buffer[]) => Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)])
const multipartHeaders = { 'content-type': `multipart/form-data; boundary=${boundary}` }

t.test('tickets', async (t) => {
  const clock = fixedClock(MONDAY_10)
  // The clock walks over days (weekends, pauses); tokens are signed on it, so they must outlive the walk.
  const ctx = await buildTestApp(t, { clock, config: { ATTACHMENT_MAX_BYTES: 1000, MESSAGE_ATTACHMENTS_MAX_BYTES: 1500, MESSAGE_ATTACHMENTS_MAX_COUNT: 3, ACCESS_TOKEN_TTL_SECONDS: 365 * 86_400 } })
  await seedTicketStates(ctx.deps.db)
  const admin = await ctx.adminToken()
  const agent = await ctx.login('agent')
  const manager = await ctx.login('manager')
  const as = (token: string, o: Parameters<typeof ctx.as>[1]) => ctx.as(token, o)
  const ok = async (res: Awaited<ReturnType<typeof ctx.as>>, code = 200) => {
    if (res.statusCode !== code) throw new Error(`${res.statusCode}: ${res.body}`)
    return res.json()
  }

  const now = clock.now()
  const [queue] = await ctx.deps.db.insert(queues).values({ name: 'Support', billableByDefault: true, createdAt: now, updatedAt: now }).returning()
  const [howTo] = await ctx.deps.db
    .insert(ticketTypes)
    .values({ name: 'How do I', billable: true, requiredFields: ['steps', 'expectedResult', 'screenshot'], createdAt: now, updatedAt: now })
    .returning()
  const [free] = await ctx.deps.db.insert(ticketTypes).values({ name: 'Does not start', billable: false, createdAt: now, updatedAt: now }).returning()
  const cal = await ok(
    await as(admin, {
      method: 'POST',
      url: '/v1/calendars',
      payload: { name: 'Sofia office', timeZone: 'Europe/Sofia', weekly: [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '18:00' })) },
    }),
    201,
  )
  const policy = await ok(
    await as(admin, {
      method: 'POST',
      url: '/v1/sla-policies',
      payload: {
        name: 'Standard',
        calendarId: cal.id,
        rank: 10,
        targets: {
          normal: { firstResponse: { value: 2, unit: 'business_hours' }, nextResponse: { value: 4, unit: 'business_hours' }, resolution: { value: 16, unit: 'business_hours' } },
          urgent: { firstResponse: { value: 30, unit: 'business_minutes' }, resolution: { value: 4, unit: 'business_hours' } },
        },
      },
    }),
    201,
  )
  const org = await makeOrganization(ctx)
  const alice = await makeContact(ctx, org.id, { emails: ['alice@acme.example'] })
  const contract = await ok(
    await as(admin, {
      method: 'POST',
      url: '/v1/contracts',
      payload: { organizationId: org.id, number: 'T-1', startsOn: '2026-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 5000 }], allowedChannels: ['email', 'web', 'api', 'phone'], status: 'active' },
    }),
    201,
  )
  const otherOrg = await makeOrganization(ctx)
  const bob = await makeContact(ctx, otherOrg.id)
  const bobContract = await ok(
    await as(admin, {
      method: 'POST',
      url: '/v1/contracts',
      payload: { organizationId: otherOrg.id, number: 'T-2', startsOn: '2026-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 5000 }], allowedChannels: ['api', 'phone'], status: 'active' },
    }),
    201,
  )
  const create = (payload: Record<string, unknown>, token = agent.token, headers: Record<string, string> = {}) =>
    as(token, { method: 'POST', url: '/v1/tickets', payload: { queueId: queue!.id, requesterId: alice.id, subject: 'Invoice printing fails', ...payload }, headers })

  t.test('create: gate, number, defaults, first message, event, clocks, outbox', async (t) => {
    const res = await create({ description: { text: 'Printing an invoice shows error 42' }, tags: ['printing'] })
    const tk = await ok(res, 201)
    t.equal(res.headers.location, `/v1/tickets/${tk.id}`)
    t.equal(res.headers.etag, '"1"')
    t.match(tk, { organizationId: org.id, contractId: contract.id, requesterId: alice.id, priority: 'normal', stateCategory: 'new', channel: 'phone', billable: true, slaPolicyId: policy.id })
    t.type(tk.number, 'number')
    t.equal(tk.firstResponseDueAt, '2026-01-19T10:00:00.000Z', '2 business hours from 10:00 Sofia → 12:00 Sofia')
    t.equal(tk.resolutionDueAt, '2026-01-20T15:00:00.000Z', '16 business hours → Tuesday 17:00 Sofia')
    t.equal(tk.nextDueAt, tk.firstResponseDueAt)
    const second = await ok(await create({ description: { text: 'again' } }), 201)
    t.equal(second.number, tk.number + 1, 'numbers come from a sequence')
    const events = await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets/${tk.id}/events` }))
    t.match(events.data.map((e: { type: string }) => e.type), ['ticket.created', 'message.added', 'sla.policy_selected', 'sla.started', 'sla.started'])
    const msgs = await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets/${tk.id}/messages` }))
    t.match(msgs.data, [{ visibility: 'public', authorKind: 'contact', authorContactId: alice.id, channel: 'phone', bodyText: 'Printing an invoice shows error 42' }])
    const rows = await ctx.deps.db.select().from(outbox).where(eq(outbox.subject, `ticket:${tk.id}`))
    t.match(rows, [{ kind: 'notification', payload: { event: 'ticket.created', ticketId: tk.id } }])
    const got = await as(agent.token, { method: 'GET', url: `/v1/tickets/${tk.id}` })
    t.equal(got.headers.etag, '"1"')
    const byEmail = await ok(await create({ requesterId: undefined, requesterEmail: 'ALICE@acme.example', channel: 'email' }, admin), 201)
    t.equal(byEmail.requesterId, alice.id)
  })

  t.test('intake refusals are precise; an agent may override with a reason; nothing is half-written', async (t) => {
    const stranger = await create({ requesterId: undefined, requesterEmail: 'nobody@nowhere.example' })
    t.equal(stranger.statusCode, 422)
    t.match(stranger.json(), { code: 'INTAKE_REFUSED', reason: 'unknown_contact', errors: [{ field: 'requesterEmail' }] })
    const notAuth = await makeContact(ctx, org.id, { authorized: false })
    const refused = await create({ requesterId: notAuth.id, subject: 'refused subject' })
    t.match(refused.json(), { status: 422, reason: 'contact_not_authorized', overridable: true })
    const key = await createTestApiKey(ctx, ['tickets:write'])
    const keyOverride = await create({ requesterId: notAuth.id, gateOverrideReason: 'phone call' }, key)
    t.equal(keyOverride.statusCode, 403, 'only agents override the gate')
    const over = await ok(await create({ requesterId: notAuth.id, gateOverrideReason: 'the director called; contract renewal is in progress' }), 201)
    t.match(over, { contractId: null, gateOverrideReason: /director/ })
    const ev = await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets/${over.id}/events` }))
    t.match(ev.data.find((e: { type: string }) => e.type === 'intake.gate_overridden'), { reason: /director/, old: { reason: 'contact_not_authorized' } })

    const missing = await create({ ticketTypeId: howTo!.id, subject: 'half-written?', description: { steps: '  ' } })
    t.equal(missing.statusCode, 422)
    t.same(
      missing.json().errors.map((e: { field: string }) => e.field),
      ['description.steps', 'description.expectedResult', 'attachments'],
    )
    const foreign = await create({ siteId: '0190c5a4-0000-7000-8000-000000000000', subject: 'half-written?' })
    t.match(foreign.json(), { code: 'REFERENCE_NOT_FOUND', errors: [{ field: 'siteId' }] })
    const leftovers = await ctx.deps.db.select().from(tickets).where(eq(tickets.subject, 'half-written?'))
    t.equal(leftovers.length, 0, 'no ticket')
    const badQueue = await create({ queueId: '0190c5a4-0000-7000-8000-000000000000' })
    t.match(badQueue.json(), { errors: [{ field: 'queueId' }] })
    const unknown = await create({ priority: 'whenever' })
    t.equal(unknown.statusCode, 400)
    const extra = await create({ contractId: contract.id })
    t.match(extra.json().errors, [{ field: 'contractId', message: 'is not a known field' }])
    const both = await create({ requesterEmail: 'alice@acme.example' })
    t.equal(both.statusCode, 400)
  })

  t.test('a contact files only for contacts of its own organization; a foreign one is refused exactly as an unknown one', async (t) => {
    const aliceP = { kind: 'contact' as const, id: alice.id, organizationId: org.id, name: 'Alice' }
    const colleague = await makeContact(ctx, org.id)
    const unknownId = '0190c5a4-0000-7000-8000-00000000abcd'
    const refusal = async (input: Parameters<typeof createTicket>[2], who: string) => {
      const before = await ctx.deps.db.select({ n: count() }).from(tickets)
      const e = await createTicket(ctx.deps, aliceP, input).then(
        () => new AppError('INTERNAL', `${who}: filed`),
        (err: AppError) => err,
      )
      t.same(await ctx.deps.db.select({ n: count() }).from(tickets), before, `${who}: no ticket written`)
      return { status: e.status, code: e.code, detail: e.detail ?? '', ...e.extra }
    }
    const base = { queueId: queue!.id, subject: 'tenant check' }
    const foreign = await refusal({ ...base, requesterId: bob.id }, 'a contact of another organization')
    t.match(foreign, { status: 422, code: 'INTAKE_REFUSED', reason: 'unknown_contact', overridable: false, errors: [{ field: 'requesterId' }] })
    const unknown = await refusal({ ...base, requesterId: unknownId }, 'an unknown contact id')
    // Identical but for the id the caller gave: the answer cannot tell "elsewhere" from "nowhere".
    t.same({ ...foreign, detail: foreign.detail.replace(bob.id, 'ID') }, { ...unknown, detail: unknown.detail.replace(unknownId, 'ID') })
    t.notMatch(foreign.detail, otherOrg.id, "the other organization's id is not in the answer")
    const byEmail = await refusal({ ...base, requesterEmail: bob.emails[0] }, "another organization's contact by address")
    t.match(byEmail, { status: 422, reason: 'unknown_contact', errors: [{ field: 'requesterEmail' }] })
    t.same(await ctx.deps.db.select({ id: tickets.id }).from(tickets).where(eq(tickets.subject, 'tenant check')), [], 'nothing was filed for the other organization')
    // For itself and for a colleague it files.
    t.match(await createTicket(ctx.deps, aliceP, { ...base, requesterId: alice.id }), { requesterId: alice.id, organizationId: org.id })
    t.match(await createTicket(ctx.deps, aliceP, { ...base, requesterId: colleague.id }), { requesterId: colleague.id, organizationId: org.id })
    // Agents file for any organization's contact; an unknown id is refused precisely.
    t.match((await create({ requesterId: unknownId })).json(), { status: 422, code: 'INTAKE_REFUSED', reason: 'unknown_contact', overridable: false, errors: [{ field: 'requesterId' }] })
  })

  t.test('a create failing at its last step, after its files are stored, leaves no ticket, message, event, outbox row, attachment or blob', async (t) => {
    // The last write of a create with files is the attachment rows' insert, after the ticket
    // statement and the blob rows: a trigger fails exactly that insert, once the rest is written.
    await ctx.deps.db.execute(
      sql.raw(`create function fail_late() returns trigger language plpgsql as $$ begin
        raise exception 'injected late failure (ticket written: %, blob stored: %)',
          exists (select 1 from tickets where id = new.ticket_id)::text, exists (select 1 from blobs where hash = new.blob_hash)::text;
      end $$`),
    )
    await ctx.deps.db.execute(sql.raw(`create trigger fail_late before insert on message_attachments for each row when (new.filename = 'fail-late.txt') execute function fail_late()`))
    t.teardown(async () => {
      await ctx.deps.db.execute(sql.raw('drop trigger fail_late on message_attachments'))
      await ctx.deps.db.execute(sql.raw('drop function fail_late()'))
    })
    const tables = { tickets, ticketMessages, ticketEvents, outbox, messageAttachments, blobs }
    const counts = async () => {
      const out: Record<string, number> = {}
      for (const [name, table] of Object.entries(tables)) out[name] = (await ctx.deps.db.select({ n: count() }).from(table))[0]!.n
      return out
    }
    const bytes = Buffer.from(`a file no other test stores ${process.pid} ${Date.now()}`)
    const before = await counts()
    const agentP = { kind: 'agent' as const, id: agent.agentId, role: 'agent' as const, name: 'Agent' }
    const failed = await createTicket(ctx.deps, agentP, { queueId: queue!.id, requesterId: alice.id, subject: 'rolled back' }, [{ filename: 'fail-late.txt', bytes }]).then(
      () => undefined,
      (e: Error & { cause?: Error }) => e,
    )
    t.match(failed?.cause?.message ?? failed?.message, /injected late failure \(ticket written: true, blob stored: true\)/, 'it failed after the ticket and the blob were written')
    t.same(await counts(), before, 'no row of any of them is left')
    t.same(await ctx.deps.db.select({ hash: blobs.hash }).from(blobs).where(eq(blobs.hash, sha256Hex(bytes))), [], 'no blob of the file')
    t.same(await ctx.deps.db.select({ id: tickets.id }).from(tickets).where(eq(tickets.subject, 'rolled back')), [], 'no ticket')
    // The same create with another file name passes the trigger: the failure above was the injected one only.
    await createTicket(ctx.deps, agentP, { queueId: queue!.id, requesterId: alice.id, subject: 'not rolled back' }, [{ filename: 'fine.txt', bytes }])
    const after = await counts()
    t.same(
      Object.keys(tables).filter((name) => after[name] === before[name]),
      [],
      'a create that commits adds a row to every one of these tables',
    )
  })

  t.test('PATCH: events per field, transitions, If-Match, billable override, SLA re-targeting', async (t) => {
    const tk = await ok(await create({ subject: 'patch me' }), 201)
    const url = `/v1/tickets/${tk.id}`
    const upd = await as(agent.token, { method: 'PATCH', url, payload: { assigneeId: agent.agentId, tags: ['a', 'b'], state: 'open' }, headers: { 'if-match': '"1"' } })
    const u = await ok(upd)
    t.match(u, { assigneeId: agent.agentId, tags: ['a', 'b'], stateCategory: 'open', version: 2 })
    t.equal(upd.headers.etag, '"2"')
    const stale = await as(agent.token, { method: 'PATCH', url, payload: { priority: 'high' }, headers: { 'if-match': '"1"' } })
    t.equal(stale.statusCode, 412)
    const illegal = await as(agent.token, { method: 'PATCH', url, payload: { state: 'new' } })
    t.equal(illegal.statusCode, 409)
    t.match(illegal.json(), { errors: [{ field: 'state', message: /may move to/ }] })
    const billAgent = await as(agent.token, { method: 'PATCH', url, payload: { billable: false, billableReason: 'warranty' } })
    t.match(billAgent.json(), { status: 403, detail: /managers and admins/ }, 'an agent cannot override the billable flag')
    const noReason = await as(manager.token, { method: 'PATCH', url, payload: { billable: false } })
    t.match(noReason.json(), { status: 400, errors: [{ field: 'billableReason', message: /required/ }] }, 'not without a reason')
    t.match(await ok(await as(manager.token, { method: 'PATCH', url, payload: { billable: false, billableReason: 'warranty' } })), { billable: false, billableReason: 'warranty' }, 'a manager overrides')
    clock.set('2026-01-19T11:00:00+02:00') // one business hour consumed
    const urgent = await ok(await as(agent.token, { method: 'PATCH', url, payload: { priority: 'urgent' } }))
    t.equal(urgent.firstResponseDueAt, '2026-01-19T08:30:00.000Z', '30 minutes in total from 10:00: already overdue')
    t.equal(urgent.resolutionDueAt, '2026-01-19T12:00:00.000Z', '4 h in total: 14:00 Sofia')
    clock.set(MONDAY_10)
    const events = await ok(await as(agent.token, { method: 'GET', url: `${url}/events?limit=100` }))
    const changes = events.data.filter((e: { type: string }) => e.type === 'ticket.updated').map((e: { field: string; old: unknown; new: unknown }) => [e.field, e.old, e.new])
    t.same(changes, [
      ['assigneeId', null, agent.agentId],
      ['tags', [], ['a', 'b']],
      ['state', 'new', 'open'],
      ['billable', true, false],
      ['priority', 'normal', 'urgent'],
    ])
    t.ok(events.data.some((e: { type: string; field: string }) => e.type === 'sla.retargeted' && e.field === 'resolution'))
    t.match(events.data.find((e: { field: string }) => e.field === 'billable'), { reason: 'warranty', actor: `agent:${manager.agentId}`, actorKind: 'agent' })
    // Who, when, field, old → new, and the channel: the create came through an agent's call, every PATCH through the API.
    const channels = (types: (type: string) => boolean) => [...new Set(events.data.filter((e: { type: string }) => types(e.type)).map((e: { channel: string | null }) => e.channel))]
    t.same(channels((type) => type === 'ticket.created'), ['phone'])
    t.same(channels((type) => type === 'ticket.updated' || type === 'sla.retargeted'), ['api'])
    t.same(channels(() => true).filter((c) => c === null), [], 'no event without a channel')
    const page1 = await ok(await as(agent.token, { method: 'GET', url: `${url}/events?limit=2` }))
    const page2 = await ok(await as(agent.token, { method: 'GET', url: `${url}/events?limit=2&cursor=${page1.nextCursor}` }))
    t.equal(page2.data[0].id, events.data[2].id, 'events paginate in order')
    const badRef = await as(agent.token, { method: 'PATCH', url, payload: { teamId: '0190c5a4-0000-7000-8000-000000000000' } })
    t.match(badRef.json(), { code: 'REFERENCE_NOT_FOUND', errors: [{ field: 'teamId' }] })
  })

  t.test('billable: from the type before the queue; a manager overrides either way with a reason', async (t) => {
    const freeTicket = await ok(await create({ subject: 'does not start', ticketTypeId: free!.id }), 201)
    t.equal(freeTicket.billable, false, 'a free type is not billable on a billable-by-default queue')
    t.equal((await ok(await create({ subject: 'untyped' }), 201)).billable, true, 'without a type the queue decides')
    const url = `/v1/tickets/${freeTicket.id}`
    t.equal((await as(agent.token, { method: 'PATCH', url, payload: { billable: true, billableReason: 'a how-to question' } })).statusCode, 403, 'not by an agent')
    t.equal((await as(agent.token, { method: 'PATCH', url, payload: { billableReason: 'a how-to question' } })).statusCode, 403, 'not even the reason alone')
    for (const billableReason of ['', '   ']) {
      const blank = await as(manager.token, { method: 'PATCH', url, payload: { billable: true, billableReason } })
      t.match(blank.json(), { status: 400, errors: [{ field: 'billableReason' }] }, `a reason of ${JSON.stringify(billableReason)} is no reason`)
    }
    const charged = await ok(await as(manager.token, { method: 'PATCH', url, payload: { billable: true, billableReason: 'a how-to question, not a fault' } }))
    t.match(charged, { billable: true, billableReason: 'a how-to question, not a fault' })
    const events = (await ok(await as(agent.token, { method: 'GET', url: `${url}/events` }))).data
    t.match(
      events.filter((e: { field: string | null }) => e.field === 'billable'),
      [{ type: 'ticket.updated', old: false, new: true, reason: 'a how-to question, not a fault', actor: `agent:${manager.agentId}`, channel: 'api' }],
    )
  })

  t.test('messages: replies drive the clocks, pending pauses, HTML sanitised, attachments', async (t) => {
    const tk = await ok(await create({ subject: 'conversation' }), 201)
    const murl = `/v1/tickets/${tk.id}/messages`
    const note = await ok(await as(agent.token, { method: 'POST', url: murl, payload: { visibility: 'internal', bodyText: 'checking logs' } }), 201)
    t.equal(note.authorKind, 'agent')
    t.equal((await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets/${tk.id}` }))).firstResponseAt, null, 'a note is not a response')
    clock.set('2026-01-19T10:30:00+02:00')
    const reply = await ok(
      await as(agent.token, { method: 'POST', url: murl, payload: { visibility: 'public', bodyHtml: '<p>Fixed &amp; done<font color="red"></font><img src="http://cdn.example/x.png"></p>' } }),
      201,
    )
    t.notMatch(reply.bodyHtml, /font|http:/, 'harmless clean-up is silent (active content is refused: unsafe-input.test.ts)')
    t.equal(reply.bodyText, 'Fixed & done')
    const after = await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets/${tk.id}` }))
    t.equal(after.firstResponseAt, '2026-01-19T08:30:00.000Z')
    // A customer reply (service level: contacts have no routes yet) re-arms next response.
    const { addMessage } = await import('../../../src/modules/tickets/messages.service.ts')
    clock.set('2026-01-19T11:00:00+02:00')
    await addMessage(ctx.deps, { kind: 'contact', id: alice.id, organizationId: org.id, name: 'Alice' }, tk.id, { visibility: 'public', bodyText: 'still broken' })
    const armed = await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets/${tk.id}` }))
    t.equal(armed.nextResponseDueAt, '2026-01-19T13:00:00.000Z', '4 business hours from 11:00 Sofia')
    clock.set('2026-01-19T12:00:00+02:00')
    await ok(await as(agent.token, { method: 'PATCH', url: `/v1/tickets/${tk.id}`, payload: { state: 'pending' } }))
    clock.set('2026-01-20T12:00:00+02:00') // a day later
    // Tokens live at most a day: log in again after the jump.
    const later = (await ctx.login('agent')).token
    const resumed = await ok(await as(later, { method: 'PATCH', url: `/v1/tickets/${tk.id}`, payload: { state: 'open' } }))
    t.equal(resumed.nextResponseDueAt, '2026-01-20T13:00:00.000Z', '3 h left after the pause: Tuesday 15:00 Sofia')
    const sla = await ok(await as(later, { method: 'GET', url: `/v1/tickets/${tk.id}/sla` }))
    t.match(sla.policy, { id: policy.id })
    t.match(sla.selection, [{ policyId: policy.id, outcome: 'selected' }])
    const nr = sla.clocks.find((c: { kind: string }) => c.kind === 'next_response')
    t.same(nr.timeline.map((e: { event: string }) => e.event), ['started', 'paused', 'resumed'])
    t.equal(nr.consumedSeconds, 3600)
    const fr = sla.clocks.find((c: { kind: string }) => c.kind === 'first_response')
    t.match(fr, { status: 'met', breached: false, metAt: '2026-01-19T08:30:00.000Z' })
    clock.set('2026-01-20T13:00:00+02:00')
    const resolved = await ok(await as(later, { method: 'PATCH', url: `/v1/tickets/${tk.id}`, payload: { state: 'resolved' } }))
    t.equal(resolved.resolvedAt, '2026-01-20T11:00:00.000Z')
    t.equal(resolved.nextDueAt, null, 'no clock runs once resolved')
    clock.set(MONDAY_10)

    // Multipart with files: type from content, filename sanitised (leading dots), download headers.
    const upload = (parts: Buffer[], token = agent.token) =>
      as(token, { method: 'POST', url: murl, payload: multipartBody(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } })
    const up = await upload([part('visibility', 'public'), part('bodyText', 'screenshot attached'), part('files', PNG, '..shot.png')])
    const m = await ok(up, 201)
    t.match(m.attachments, [{ filename: 'shot.png', contentType: 'image/png', size: PNG.length }])
    const dl = await as(agent.token, { method: 'GET', url: m.attachments[0].url })
    t.equal(dl.statusCode, 200)
    t.equal(dl.headers['content-type'], 'image/png')
    t.equal(dl.headers['x-content-type-options'], 'nosniff')
    t.match(dl.headers['content-disposition'], /^attachment; filename="shot.png"/)
    t.same(dl.rawPayload, PNG)
    const empty = await upload([part('visibility', 'public'), part('files', Buffer.alloc(0), 'empty.txt')])
    t.equal(empty.statusCode, 422)
    t.match(empty.json(), { errors: [{ field: 'files.0', message: 'is empty' }] })
    const big = await upload([part('visibility', 'public'), part('files', Buffer.alloc(1001, 65), 'big.txt')])
    t.equal(big.statusCode, 413)
    t.match(big.json(), { errors: [{ field: 'files.0' }] })
    const tooMuch = await upload([part('visibility', 'public'), part('files', Buffer.alloc(900, 65), 'a.txt'), part('files', Buffer.alloc(900, 66), 'b.txt')])
    t.equal(tooMuch.statusCode, 413)
    t.match(tooMuch.json().detail, /together/)
    const many = await upload([part('visibility', 'public'), ...['1', '2', '3', '4'].map((n) => part('files', Buffer.from(`file ${n}`), `${n}.txt`))])
    t.equal(many.statusCode, 422)
    const noVis = await upload([part('bodyText', 'x')])
    t.match(noVis.json(), { errors: [{ field: 'visibility' }] })
    const blank = await as(agent.token, { method: 'POST', url: murl, payload: { visibility: 'public' } })
    t.equal(blank.statusCode, 422)
    const badVis = await as(agent.token, { method: 'POST', url: murl, payload: { visibility: 'secret', bodyText: 'x' } })
    t.equal(badVis.statusCode, 400)
    const count = await ctx.deps.db.select().from(messageAttachments).where(eq(messageAttachments.ticketId, tk.id))
    t.equal(count.length, 1, 'refused uploads stored nothing')

    // An internal note's file is invisible to contacts; a contact of another organization sees nothing.
    const internal = await ok(await upload([part('visibility', 'internal'), part('files', Buffer.from('internal log'), 'log.txt')]), 201)
    const { downloadAttachment } = await import('../../../src/modules/tickets/messages.service.ts')
    const aliceP = { kind: 'contact' as const, id: alice.id, organizationId: org.id, name: 'Alice' }
    const bobP = { kind: 'contact' as const, id: bob.id, organizationId: otherOrg.id, name: 'Bob' }
    await t.rejects(downloadAttachment(ctx.deps, aliceP, internal.attachments[0].id), { code: 'NOT_FOUND' })
    t.ok(await downloadAttachment(ctx.deps, aliceP, m.attachments[0].id))
    await t.rejects(downloadAttachment(ctx.deps, bobP, m.attachments[0].id), { code: 'NOT_FOUND' })
    const visible = await listMessages(ctx.deps, aliceP, tk.id, {})
    t.notOk(visible.data.some((x) => x.visibility === 'internal'), 'contacts never see internal notes')
    t.ok((await listMessages(ctx.deps, { kind: 'agent', id: agent.agentId, role: 'agent', name: 'A' }, tk.id, {})).data.some((x) => x.visibility === 'internal'))
    await t.rejects(addMessage(ctx.deps, aliceP, tk.id, { visibility: 'internal', bodyText: 'x' }), { code: 'FORBIDDEN' })
  })

  t.test('list: filters, search, sorts and cursors; contacts see their organization only', async (t) => {
    const tag = `t${Date.now()}`
    const a = await ok(await create({ subject: 'Фактурата не се отпечатва', tags: [tag], priority: 'urgent' }), 201)
    clock.set('2026-01-19T10:00:01+02:00')
    const b = await ok(await create({ subject: 'Račun se ne ispisuje', tags: [tag], channel: 'api', ticketTypeId: free!.id }, admin), 201)
    clock.set('2026-01-19T10:00:02+02:00')
    const c = await ok(await create({ requesterId: bob.id, subject: 'Other org ticket', tags: [tag], channel: 'api' }), 201)
    t.equal(c.contractId, bobContract.id)
    clock.set(MONDAY_10)
    const ids = async (qs: string) => (await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets?tag=${tag}&${qs}` }))).data.map((x: { id: string }) => x.id)
    t.same(await ids('sort=created'), [c.id, b.id, a.id])
    t.same(await ids(`organizationId=${org.id}&sort=created`), [b.id, a.id])
    t.same(await ids('priority=urgent'), [a.id])
    t.same(await ids('channel=api&sort=created'), [c.id, b.id])
    t.same(await ids(`ticketTypeId=${free!.id}`), [b.id])
    t.same(await ids(`requesterId=${bob.id}`), [c.id])
    t.same(await ids(`contractId=${bobContract.id}`), [c.id])
    t.same(await ids('assigneeId=unassigned&sort=created'), [c.id, b.id, a.id])
    t.same(await ids(`assigneeId=${agent.agentId}`), [])
    t.same(await ids('state=new&sort=created'), [c.id, b.id, a.id])
    t.same(await ids('stateCategory=open'), [])
    t.same(await ids(`queueId=${queue!.id}&sort=created`), [c.id, b.id, a.id])
    t.same(await ids('createdFrom=2026-01-19T08:00:01Z&sort=created'), [c.id, b.id])
    t.same(await ids('createdTo=2026-01-19T08:00:00Z'), [a.id])
    t.same(await ids('updatedFrom=2026-01-19T08:00:02Z'), [c.id])
    t.same(await ids('dueBefore=2026-01-19T08:31:00Z'), [a.id], 'urgent: first response due 10:30 Sofia')
    t.same(await ids('breached=true'), [])
    t.same(await ids('breached=false&sort=created'), [c.id, b.id, a.id], 'none breached yet')
    t.same(await ids('q=фактурата'), [a.id], 'Bulgarian')
    t.same(await ids('q=ispisuje račun'), [b.id], 'Croatian, any word order')
    t.same(await ids('q=other -missing'), [c.id])
    const due = await ids('sort=due')
    t.equal(due[0], a.id, 'the soonest due first')
    for (const sort of ['created', 'updated', 'due']) {
      const p1 = await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets?tag=${tag}&sort=${sort}&limit=2` }))
      const p2 = await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets?tag=${tag}&sort=${sort}&limit=2&cursor=${p1.nextCursor}` }))
      t.same([...p1.data, ...p2.data].map((x: { id: string }) => x.id), await ids(`sort=${sort}`), `${sort}: every row once`)
      t.equal(p2.nextCursor, null)
    }
    clock.set('2026-03-02T10:00:00+02:00')
    t.same(await ids('breached=true&sort=created'), [c.id, b.id, a.id], 'weeks later every first response is overdue')
    t.same(await ids('breached=false'), [])
    t.same(await ids('breached=true&priority=urgent&assigneeId=unassigned'), [a.id], 'with other filters in one statement')
    clock.set(MONDAY_10)
    const wrong = await as(agent.token, { method: 'GET', url: `/v1/tickets?sort=created&cursor=${(await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets?tag=${tag}&limit=1` }))).nextCursor}` })
    t.equal(wrong.statusCode, 400, "an updated-sort cursor is refused by the created sort")
    t.equal((await as(agent.token, { method: 'GET', url: '/v1/tickets?priority=whenever' })).statusCode, 400)

    const aliceP = { kind: 'contact' as const, id: alice.id, organizationId: org.id, name: 'Alice' }
    const mine = await listTickets(ctx.deps, aliceP, { tag })
    t.same(mine.data.map((x) => x.id).sort(), [a.id, b.id].sort())
    const spoof = await listTickets(ctx.deps, aliceP, { tag, organizationId: otherOrg.id })
    t.same(spoof.data, [], 'a contact cannot widen its scope with a filter')
    await t.rejects(getTicket(ctx.deps, aliceP, c.id), { code: 'NOT_FOUND' })
    t.equal((await getTicket(ctx.deps, aliceP, a.id)).id, a.id)
  })

  t.test('merge: moves messages, attachments and events; refuses itself and other organizations', async (t) => {
    const source = await ok(await create({ subject: 'duplicate request' }), 201)
    const target = await ok(await create({ subject: 'original request' }), 201)
    const foreign = await ok(await create({ requesterId: bob.id, subject: 'foreign', channel: 'api' }), 201)
    const self = await as(agent.token, { method: 'POST', url: `/v1/tickets/${source.id}/merge`, payload: { targetId: source.id } })
    t.equal(self.statusCode, 422)
    t.match(self.json(), { errors: [{ field: 'targetId' }] })
    const across = await as(agent.token, { method: 'POST', url: `/v1/tickets/${source.id}/merge`, payload: { targetId: foreign.id } })
    t.equal(across.statusCode, 422)
    t.match(across.json().detail, /another organization/)
    const merged = await ok(await as(agent.token, { method: 'POST', url: `/v1/tickets/${source.id}/merge`, payload: { targetId: target.id } }))
    t.match(merged, { mergedIntoId: target.id, stateCategory: 'closed', nextDueAt: null })
    const msgs = await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets/${target.id}/messages` }))
    t.equal(msgs.data.length, 2, "the source's message moved")
    const moved = await ctx.deps.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, source.id))
    t.same(moved.map((e) => e.type).filter((x) => !x.startsWith('sla.')), ['ticket.merged'], 'only the merge itself stays on the source')
    // The merge's events say through which channel it was made, on both tickets.
    const sourceEvents = (await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets/${source.id}/events?limit=100` }))).data
    t.ok(sourceEvents.some((e: { type: string }) => e.type === 'sla.stopped'), 'the clocks stopped')
    const byMerge = sourceEvents.filter((e: { type: string }) => e.type === 'ticket.merged' || e.type === 'sla.stopped')
    t.ok(byMerge.length >= 2)
    t.same([...new Set(byMerge.map((e: { channel: string | null }) => e.channel))], ['api'], 'the merge and the clocks it stopped')
    t.same(sourceEvents.filter((e: { channel: string | null }) => e.channel === null), [], 'no event on the source without a channel (its clocks stay with it, from its creation)')
    const targetEvents = (await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets/${target.id}/events?limit=100` }))).data
    t.match(targetEvents.filter((e: { type: string }) => e.type === 'ticket.merged_from'), [{ new: { ticketId: source.id }, actor: `agent:${agent.agentId}`, channel: 'api' }])
    t.same(targetEvents.filter((e: { channel: string | null }) => e.channel === null), [], 'no event without a channel')
    t.ok((await ids(target.id, 'q=duplicate')).includes(target.id), 'search finds the target by the source text')
    const again = await as(agent.token, { method: 'POST', url: `/v1/tickets/${source.id}/merge`, payload: { targetId: target.id } })
    t.equal(again.statusCode, 409)
    async function ids(_: string, qs: string) {
      return (await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets?${qs}&organizationId=${org.id}` }))).data.map((x: { id: string }) => x.id)
    }
  })

  t.test('access: API keys by scope, unknown ids', async (t) => {
    const tk = await ok(await create({ subject: 'access' }), 201)
    const read = await createTestApiKey(ctx, ['tickets:read'])
    const write = await createTestApiKey(ctx, ['tickets:read', 'tickets:write'])
    const none = await createTestApiKey(ctx, ['directory:read'])
    t.equal((await as(none, { method: 'GET', url: '/v1/tickets' })).statusCode, 403)
    t.equal((await as(read, { method: 'GET', url: `/v1/tickets/${tk.id}` })).statusCode, 200)
    t.equal((await create({}, read)).statusCode, 403)
    const viaKey = await ok(await create({}, write), 201)
    t.equal(viaKey.channel, 'api')
    t.equal((await as(read, { method: 'PATCH', url: `/v1/tickets/${tk.id}`, payload: { priority: 'high' } })).statusCode, 403)
    t.equal((await as(write, { method: 'PATCH', url: `/v1/tickets/${tk.id}`, payload: { priority: 'high' } })).statusCode, 200)
    const sys = await ok(await as(write, { method: 'POST', url: `/v1/tickets/${tk.id}/messages`, payload: { visibility: 'public', bodyText: 'from an integration' } }), 201)
    t.equal(sys.authorKind, 'system')
    t.equal((await as(undefined as unknown as string, { method: 'GET', url: '/v1/tickets' })).statusCode, 401)
    t.equal((await as(agent.token, { method: 'GET', url: '/v1/tickets/0190c5a4-0000-7000-8000-000000000000' })).statusCode, 404)
    t.equal((await as(agent.token, { method: 'GET', url: '/v1/attachments/0190c5a4-0000-7000-8000-000000000000' })).statusCode, 404)
    const idem = { 'idempotency-key': `k-${Date.now()}` }
    const i1 = await ok(await create({ subject: 'idempotent' }, agent.token, idem), 201)
    const i2 = await ok(await create({ subject: 'idempotent' }, agent.token, idem), 201)
    t.equal(i1.id, i2.id, 'Idempotency-Key replays the first ticket')
  })
  t.test('multipart create, contract policy, reopen on reply, events for contacts, PATCH site/equipment, team and updatedTo filters', async (t) => {
    const aliceP = { kind: 'contact' as const, id: alice.id, organizationId: org.id, name: 'Alice' }
    const { addMessage } = await import('../../../src/modules/tickets/messages.service.ts')
    const { listTicketEvents } = await import('../../../src/modules/tickets/tickets.service.ts')

    // multipart/form-data: the `ticket` JSON field plus files meets a type that requires a screenshot.
    const ticketJson = { queueId: queue!.id, requesterId: alice.id, subject: 'How do I print?', ticketTypeId: howTo!.id, description: { steps: 'open invoice', expectedResult: 'it prints' } }
    const postForm = (parts: Buffer[], token = agent.token) => as(token, { method: 'POST', url: '/v1/tickets', payload: multipartBody(parts), headers: multipartHeaders })
    const viaForm = await ok(await postForm([part('ticket', JSON.stringify(ticketJson)), part('files', PNG, 'shot.png')]), 201)
    t.match(viaForm, { ticketTypeId: howTo!.id, billable: true })
    const formMsgs = await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets/${viaForm.id}/messages` }))
    t.match(formMsgs.data[0].attachments, [{ filename: 'shot.png', contentType: 'image/png' }])
    const noShot = await postForm([part('ticket', JSON.stringify(ticketJson))])
    t.match(noShot.json(), { status: 422, errors: [{ field: 'attachments' }] }, 'without the image the type still refuses')
    t.match((await postForm([part('files', PNG, 'shot.png')])).json(), { errors: [{ field: 'ticket' }] }, 'the ticket field is required')
    t.match((await postForm([part('ticket', '{not json')])).json(), { errors: [{ field: 'ticket', message: /JSON/ }] })
    const extra = await postForm([part('ticket', JSON.stringify({ ...ticketJson, contractId: contract.id }))])
    t.match(extra.json(), { status: 400, errors: [{ field: 'contractId', message: 'is not a known field' }] }, 'the JSON part is validated like a JSON body')
    t.match((await postForm([part('ticket', JSON.stringify(ticketJson)), part('other', 'x')])).json(), { errors: [{ field: 'other' }] })
    const keyRead = await createTestApiKey(ctx, ['tickets:read'])
    t.equal((await postForm([part('ticket', JSON.stringify(ticketJson)), part('files', PNG, 'shot.png')], keyRead)).statusCode, 403)

    // A contract's own SLA policy wins over selection by conditions, and the trail says so.
    const own = await ok(
      await as(admin, {
        method: 'POST',
        url: '/v1/sla-policies',
        payload: { name: 'Contract terms', calendarId: cal.id, rank: 30, conditions: { queueIds: ['0190c5a4-0000-7000-8000-000000000000'] }, targets: { normal: { firstResponse: { value: 1, unit: 'business_hours' } } } },
      }),
      201,
    )
    const carol = await makeContact(ctx, otherOrg.id)
    await ok(await as(admin, { method: 'PATCH', url: `/v1/contracts/${bobContract.id}`, payload: { slaPolicyId: own.id } }))
    const onContract = await ok(await create({ requesterId: carol.id }), 201)
    t.equal(onContract.slaPolicyId, own.id, 'the contract policy applies although its conditions do not match')
    t.equal(onContract.firstResponseDueAt, '2026-01-19T09:00:00.000Z', '1 business hour from 10:00 Sofia')
    const trail = (await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets/${onContract.id}/sla` }))).selection
    t.match(trail[0], { policyId: own.id, outcome: 'selected', reason: /contract/ })
    t.match(trail.find((e: { policyId: string }) => e.policyId === policy.id), { outcome: 'overridden_by_contract' })
    const elsewhere = await ok(await create({}), 201)
    t.equal(elsewhere.slaPolicyId, policy.id, 'other contracts keep selection by conditions')
    await ok(await as(admin, { method: 'PATCH', url: `/v1/contracts/${bobContract.id}`, payload: { slaPolicyId: null } }))

    // A customer reply reopens a pending or resolved ticket when the queue says so.
    const waiting = await ok(await create({ subject: 'reopen me' }), 201)
    await ok(await as(agent.token, { method: 'POST', url: `/v1/tickets/${waiting.id}/messages`, payload: { visibility: 'public', bodyText: 'please send logs' } }), 201)
    await ok(await as(agent.token, { method: 'PATCH', url: `/v1/tickets/${waiting.id}`, payload: { state: 'pending' } }))
    await addMessage(ctx.deps, aliceP, waiting.id, { visibility: 'public', bodyText: 'logs attached' })
    const reopened = await getTicket(ctx.deps, aliceP, waiting.id)
    t.equal(reopened.stateCategory, 'open')
    const evs = (await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets/${waiting.id}/events?limit=100` }))).data
    t.match(evs.find((e: { field: string | null; old: unknown }) => e.field === 'state' && e.old === 'pending'), { new: 'open', reason: 'the customer replied', actorKind: 'contact' })
    t.ok(evs.some((e: { type: string; field: string }) => e.type === 'sla.resumed' && e.field === 'resolution'), 'clocks resume')
    await ok(await as(agent.token, { method: 'PATCH', url: `/v1/tickets/${waiting.id}`, payload: { state: 'resolved' } }))
    await addMessage(ctx.deps, aliceP, waiting.id, { visibility: 'public', bodyText: 'it broke again' })
    t.match(await getTicket(ctx.deps, aliceP, waiting.id), { stateCategory: 'open', resolvedAt: null }, 'resolved tickets reopen too')
    await ctx.deps.db.update(queues).set({ reopenOnCustomerReply: false }).where(eq(queues.id, queue!.id))
    await ok(await as(agent.token, { method: 'PATCH', url: `/v1/tickets/${waiting.id}`, payload: { state: 'pending' } }))
    await addMessage(ctx.deps, aliceP, waiting.id, { visibility: 'public', bodyText: 'one more thing' })
    t.equal((await getTicket(ctx.deps, aliceP, waiting.id)).stateCategory, 'pending', 'a queue may keep them waiting')
    await ctx.deps.db.update(queues).set({ reopenOnCustomerReply: true }).where(eq(queues.id, queue!.id))

    // Contacts do not see the events of internal notes; agents do.
    const note = await ok(await as(agent.token, { method: 'POST', url: `/v1/tickets/${waiting.id}/messages`, payload: { visibility: 'internal', bodyText: 'customer is grumpy' } }), 201)
    const isNote = (e: { new: unknown }) => (e.new as { messageId?: string } | null)?.messageId === note.id
    t.notOk((await listTicketEvents(ctx.deps, aliceP, waiting.id, { limit: 100 })).data.some(isNote), 'hidden from the contact')
    t.ok((await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets/${waiting.id}/events?limit=100` }))).data.some(isNote), 'shown to agents')

    // PATCH siteId / equipmentId: of the ticket's organization, else 422 naming the field.
    const now = clock.now()
    const [site] = await ctx.deps.db.insert(sites).values({ organizationId: org.id, name: 'HQ', createdAt: now, updatedAt: now }).returning()
    const [box] = await ctx.deps.db.insert(equipment).values({ organizationId: org.id, name: 'Till 1', kind: 'pos', createdAt: now, updatedAt: now }).returning()
    const [foreignSite] = await ctx.deps.db.insert(sites).values({ organizationId: otherOrg.id, name: 'Elsewhere', createdAt: now, updatedAt: now }).returning()
    const url = `/v1/tickets/${waiting.id}`
    const placed = await ok(await as(agent.token, { method: 'PATCH', url, payload: { siteId: site!.id, equipmentId: box!.id } }))
    t.match(placed, { siteId: site!.id, equipmentId: box!.id })
    // A list item is the ticket as GET returns it (lists read their own column set and decode timestamps themselves).
    await ctx.deps.db
      .update(tickets)
      .set({ description: { ...viaForm.description, internalNote: 'not in the schema' } })
      .where(eq(tickets.id, viaForm.id))
    const listed = (await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets?organizationId=${org.id}&limit=200` }))).data
    for (const id of [waiting.id, viaForm.id]) {
      const one = await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets/${id}` }))
      t.strictSame(listed.find((x: { id: string }) => x.id === id), one, `list item = GET /v1/tickets/${id}`)
    }
    const placedEvents = (await ok(await as(agent.token, { method: 'GET', url: `${url}/events?limit=100` }))).data
    t.ok(placedEvents.some((e: { field: string; new: unknown }) => e.field === 'siteId' && e.new === site!.id), 'an event per field')
    const wrongSite = await as(agent.token, { method: 'PATCH', url, payload: { siteId: foreignSite!.id } })
    t.match(wrongSite.json(), { status: 422, errors: [{ field: 'siteId' }] })
    const wrongBox = await as(agent.token, { method: 'PATCH', url, payload: { equipmentId: '0190c5a4-0000-7000-8000-000000000000' } })
    t.match(wrongBox.json(), { status: 422, errors: [{ field: 'equipmentId' }] })
    t.match(await ok(await as(agent.token, { method: 'PATCH', url, payload: { siteId: null } })), { siteId: null })

    // Filters: teamId and updatedTo.
    const [team] = await ctx.deps.db.insert(teams).values({ name: `Team ${Date.now()}`, createdAt: now, updatedAt: now }).returning()
    await ok(await as(agent.token, { method: 'PATCH', url: `/v1/tickets/${elsewhere.id}`, payload: { teamId: team!.id } }))
    const byTeam = await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets?teamId=${team!.id}` }))
    t.same(byTeam.data.map((x: { id: string }) => x.id), [elsewhere.id])
    t.equal((await as(agent.token, { method: 'GET', url: '/v1/tickets?teamId=nope' })).statusCode, 400)
    clock.set('2026-01-19T10:30:00+02:00')
    const later = await ok(await create({ subject: 'updated later' }), 201)
    const upTo = await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets?updatedTo=${encodeURIComponent('2026-01-19T08:15:00.000Z')}&limit=100` }))
    t.ok(upTo.data.length > 0)
    t.ok(upTo.data.every((x: { updatedAt: string }) => x.updatedAt <= '2026-01-19T08:15:00.000Z'))
    t.notOk(upTo.data.some((x: { id: string }) => x.id === later.id), 'tickets updated after the bound are left out')
    const upFrom = await ok(await as(agent.token, { method: 'GET', url: `/v1/tickets?updatedFrom=${encodeURIComponent('2026-01-19T08:15:00.000Z')}&updatedTo=${encodeURIComponent('2026-01-19T08:45:00.000Z')}` }))
    t.same(upFrom.data.map((x: { id: string }) => x.id), [later.id])
    clock.set(MONDAY_10)

    // A state that tickets are in cannot be deleted: 409 IN_USE, not a foreign-key error.
    const [triage] = await ctx.deps.db
      .insert(ticketStates)
      .values({ key: `triage${Date.now()}`, name: 'Triage', category: 'open', allowedTransitions: [], position: 90, createdAt: now, updatedAt: now })
      .returning()
    await ctx.deps.db.update(tickets).set({ stateId: triage!.id }).where(eq(tickets.id, later.id))
    const inUse = await as(admin, { method: 'DELETE', url: `/v1/ticket-states/${triage!.id}` })
    t.match(inUse.json(), { status: 409, code: 'IN_USE', detail: /tickets are in state/ })
    await ctx.deps.db.update(tickets).set({ stateId: waiting.stateId }).where(eq(tickets.id, later.id))
    t.equal((await as(admin, { method: 'DELETE', url: `/v1/ticket-states/${triage!.id}` })).statusCode, 204, 'once unused it goes')
  })
})
