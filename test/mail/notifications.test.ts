import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { and, asc, eq } from 'drizzle-orm'
import t from 'tap'
import { mailIdSecret } from '../../src/config.ts'
import { contactEmails, outbox, plans, queues, teamMembers, teams, ticketMessages } from '../../src/db/schema/index.ts'
import { seedTicketStates } from '../../src/db/seed-defaults.ts'
import { newId } from '../../src/lib/ids.ts'
import { createMailHandler } from '../../src/modules/mail/mail-transport.ts'
import { verifyMessageId } from '../../src/modules/mail/message-id.ts'
import { deliverNotification } from '../../src/modules/mail/notifications.service.ts'
import { type ParsedMail, parseInbound } from '../../src/modules/mail/parse.ts'
import { formatDueTime } from '../../src/modules/mail/templates.ts'
import { findOutbox } from '../../src/modules/outbox/outbox.repo.ts'
import { type DeliveryHandler, dispatchOnce, enqueue } from '../../src/modules/outbox/outbox.service.ts'
import { intakeTicket } from '../../src/modules/tickets/intake.service.ts'
import { addMessage } from '../../src/modules/tickets/messages.service.ts'
import { buildTestApp, fixedClock } from '../helpers/build-test-app.ts'
import { makeAgent, makeContact, makeOrganization } from '../helpers/factories.ts'
import { scriptedRelay } from '../helpers/smtp-relay.ts'
import { tempDir } from '../helpers/temp-dir.ts'

// Monday 23 November 2026, 10:00 in Sofia.
const MONDAY_10_SOFIA = '2026-11-23T08:00:00Z'
const QUEUE_ADDRESS = 'support@desk.example'

interface Sent extends ParsedMail {
  outboxId: string
  header(name: string): string | undefined
}

t.test('notifications', async (t) => {
  const clock = fixedClock(MONDAY_10_SOFIA)
  const dataDir = tempDir(t, 'deskledger-notify-')
  const ctx = await buildTestApp(t, { clock, config: { DATA_DIR: dataDir, MAIL_FROM: 'Desk <desk@desk.example>' } })
  const deps = ctx.deps
  const db = deps.db
  await seedTicketStates(db)
  const admin = await ctx.adminToken()
  const agent = await ctx.login('agent', 'cal@desk.example')
  const ok = async (res: Awaited<ReturnType<typeof ctx.as>>, code = 200) => {
    if (res.statusCode !== code) throw new Error(`${res.statusCode}: ${res.body}`)
    return res.json()
  }
  const now = clock.now()

  // The ticket's team: a Romanian-speaking agent, one without a locale, an inactive one, and the agent who takes calls.
  const [team] = await db.insert(teams).values({ name: 'First line', createdAt: now, updatedAt: now }).returning()
  const ro = await makeAgent(ctx, { locale: 'ro-RO', email: 'ana@desk.example' })
  const en = await makeAgent(ctx, { email: 'ben@desk.example' })
  const gone = await makeAgent(ctx, { active: false, email: 'gone@desk.example' })
  const manager = await makeAgent(ctx, { role: 'manager', locale: 'hr', email: 'mara@desk.example' })
  await db.insert(teamMembers).values([ro, en, gone, { id: agent.agentId }].map((a) => ({ teamId: team!.id, agentId: a.id })))
  const [queue] = await db.insert(queues).values({ name: 'Support', inboundEmail: QUEUE_ADDRESS, defaultTeamId: team!.id, createdAt: now, updatedAt: now }).returning()

  const cal = await ok(
    await ctx.as(admin, {
      method: 'POST',
      url: '/v1/calendars',
      payload: { name: 'Sofia office', timeZone: 'Europe/Sofia', weekly: [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '18:00' })) },
    }),
    201,
  )
  await ok(
    await ctx.as(admin, {
      method: 'POST',
      url: '/v1/sla-policies',
      payload: { name: 'Standard', calendarId: cal.id, rank: 10, targets: { normal: { firstResponse: { value: 2, unit: 'business_hours' }, resolution: { value: 16, unit: 'business_hours' } } } },
    }),
    201,
  )
  const [premium] = await db.insert(plans).values({ name: 'Premium', createdAt: now, updatedAt: now }).returning()
  const contractFor = async (organizationId: string, planId?: string) =>
    ok(
      await ctx.as(admin, {
        method: 'POST',
        url: '/v1/contracts',
        payload: { organizationId, planId, number: `N-${newId().slice(-8)}`, startsOn: '2026-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 5000 }], allowedChannels: ['email', 'api', 'phone'], status: 'active' },
      }),
      201,
    )
  const org = await makeOrganization(ctx, { defaultLocale: 'en', timeZone: 'Europe/Sofia' })
  await contractFor(org.id, premium!.id)

  const createTicket = async (requesterId: string, subject = 'Invoice printing fails') =>
    ok(await ctx.as(agent.token, { method: 'POST', url: '/v1/tickets', payload: { queueId: queue!.id, requesterId, subject, description: { text: 'Error 42 when printing' } } }), 201)

  const fileHandler = createMailHandler(deps.config)
  const handlers = { notification: deliverNotification, mail: fileHandler }
  /** Fan-out, then delivery: two rounds, as the dispatcher would run them. */
  const dispatch = async (h: Record<string, DeliveryHandler> = handlers) => {
    for (let i = 0; i < 2; i++) await dispatchOnce(deps, h, { instanceId: 'test', batchSize: 500 })
  }
  const secret = mailIdSecret(deps.config)

  /** The mail sent about a ticket, parsed from the outbound directory, in the order they were enqueued. */
  const mailsOf = async (ticketId: string): Promise<Sent[]> => {
    const rows = await db
      .select()
      .from(outbox)
      .where(and(eq(outbox.subject, `ticket:${ticketId}`), eq(outbox.kind, 'mail')))
      .orderBy(asc(outbox.id))
    return Promise.all(
      rows.map(async (r) => {
        const parsed = await parseInbound(await readFile(path.join(dataDir, 'outbound-mail', `${r.id}.eml`)))
        return Object.assign(parsed, { outboxId: r.id, header: (name: string) => parsed.headers.get(name.toLowerCase())?.[0]?.trim() })
      }),
    )
  }
  const to = (mails: Sent[], address: string) => mails.filter((m) => m.to.includes(address))

  t.test('a new ticket: acknowledgement in the contact language and time zone, with the plan; an alert to each active team member', async (t) => {
    const ivan = await makeContact(ctx, org.id, { locale: 'bg', timeZone: 'Europe/London', emails: ['ivan@acme.example'] })
    const tk = await createTicket(ivan.id)
    await dispatch()
    const mails = await mailsOf(tk.id)
    const [ack] = to(mails, 'ivan@acme.example')
    t.ok(ack, 'the customer got an acknowledgement')
    const due = new Date(tk.firstResponseDueAt)
    t.equal(due.toISOString(), '2026-11-23T10:00:00.000Z', '2 business hours from 10:00 Sofia')
    const promised = formatDueTime(due, 'bg', 'Europe/London')
    t.match(promised, /10:00/, 'the contact is in London: 10:00, not 12:00 Sofia time')
    t.equal(ack!.subject, `[#${tk.number}] Получихме вашето запитване: Invoice printing fails`)
    t.match(ack!.text, `Premium — ще отговорим до ${promised}.`)
    t.match(ack!.text, `#${tk.number}`)
    t.match(ack!.html, '<html lang="bg">')
    t.equal(ack!.header('auto-submitted'), 'auto-generated')
    t.same(ack!.replyTo, [QUEUE_ADDRESS])
    t.equal(ack!.from, 'desk@desk.example')
    t.match(ack!.messageId, new RegExp(`^<dl\\.${tk.number}\\.${ack!.outboxId}\\.[0-9a-f]{20}@desk\\.example>$`), 'the Message-ID names its own outbox row, at the MAIL_FROM domain')
    t.same(verifyMessageId(ack!.messageId, secret), { ours: true, ticketNumber: tk.number })
    t.same(verifyMessageId(ack!.messageId, 'another secret entirely'), { ours: false })

    t.same(mails.map((m) => m.to[0]).sort(), ['ana@desk.example', 'ben@desk.example', 'ivan@acme.example'], 'team members, not the inactive one, nor the agent who created it')
    const [alertRo] = to(mails, 'ana@desk.example')
    t.equal(alertRo!.subject, `[#${tk.number}] Tichet nou: Invoice printing fails`, "the agent's locale")
    t.match(alertRo!.text, `${ivan.name} (${org.name})`)
    t.match(alertRo!.text, '> Error 42 when printing')
    t.equal(alertRo!.header('auto-submitted'), 'auto-generated')
    t.match(to(mails, 'ben@desk.example')[0]!.subject, 'New ticket:', 'English when the agent has no locale')
  })

  t.test('the template language follows contact, then organization, then English', async (t) => {
    const expected = { en: 'We received your request', bg: 'Получихме вашето запитване', ro: 'Am primit solicitarea', ru: 'Мы получили ваше обращение', hr: 'Zaprimili smo vaš zahtjev' }
    for (const [locale, words] of Object.entries(expected)) {
      const c = await makeContact(ctx, org.id, { locale })
      const tk = await createTicket(c.id)
      await dispatch()
      const [ack] = to(await mailsOf(tk.id), c.emails[0]!)
      t.match(ack?.subject, words, locale)
    }
    // No contact locale or zone: the organization's (ro-RO, Tbilisi +04:00).
    const orgRo = await makeOrganization(ctx, { defaultLocale: 'ro-RO', timeZone: 'Asia/Tbilisi' })
    await contractFor(orgRo.id)
    const c = await makeContact(ctx, orgRo.id)
    const tk = await createTicket(c.id)
    await dispatch()
    const [ack] = to(await mailsOf(tk.id), c.emails[0]!)
    t.match(ack?.subject, 'Am primit solicitarea')
    t.match(ack?.text, /vom răspunde până la .*14:00/, "the organization's time zone")
    t.notMatch(ack?.text, 'Premium', 'no plan: the contract number names the coverage')
    // A language we have no templates for: English.
    const uk = await makeContact(ctx, orgRo.id, { locale: 'uk' })
    const tkUk = await createTicket(uk.id)
    await dispatch()
    t.match(to(await mailsOf(tkUk.id), uk.emails[0]!)[0]?.subject, 'Am primit', 'uk is not ours: the organization locale applies')
  })

  t.test('an agent reply threads under the customer’s last mail; it is not automatic', async (t) => {
    const maria = await makeContact(ctx, org.id, { emails: ['maria@acme.example'] })
    const row = await intakeTicket(deps, undefined, {
      channel: 'email',
      requester: { email: 'maria@acme.example' },
      subject: 'Cannot log in',
      description: { text: 'Password rejected' },
      queueId: queue!.id,
      mailMessageId: '<m1@mail.acme.example>',
      createdBy: { kind: 'system', id: 'mail' },
      at: clock.now(),
    })
    await dispatch()
    const [ack] = to(await mailsOf(row.id), 'maria@acme.example')
    t.same(ack?.inReplyTo, ['<m1@mail.acme.example>'], 'the acknowledgement answers the mail that opened the ticket')

    const reply = await ctx.as(agent.token, { method: 'POST', url: `/v1/tickets/${row.id}/messages`, payload: { visibility: 'public', bodyText: 'Please reset it from the login page.' } })
    await ok(reply, 201)
    await dispatch()
    let replies = to(await mailsOf(row.id), 'maria@acme.example').filter((m) => m.subject.includes('Re:'))
    t.equal(replies.length, 1)
    t.equal(replies[0]!.subject, `[#${row.number}] Re: Cannot log in`)
    t.match(replies[0]!.text, 'Please reset it from the login page.')
    t.equal(replies[0]!.header('auto-submitted'), undefined, 'a person wrote it')
    t.same(replies[0]!.inReplyTo, ['<m1@mail.acme.example>'])
    t.same(replies[0]!.references, ['<m1@mail.acme.example>'])
    t.same(replies[0]!.replyTo, [QUEUE_ADDRESS])
    t.ok(verifyMessageId(replies[0]!.messageId, secret).ours)

    // The customer answers by mail (as mail intake stores it), and the agent replies again.
    await db.insert(ticketMessages).values({
      ticketId: row.id,
      visibility: 'public',
      authorKind: 'contact',
      authorContactId: maria.id,
      createdBy: 'system:mail',
      channel: 'email',
      bodyText: 'Still rejected',
      mailMessageId: '<m2@mail.acme.example>',
      createdAt: clock.now(),
    })
    await ok(await ctx.as(agent.token, { method: 'POST', url: `/v1/tickets/${row.id}/messages`, payload: { visibility: 'public', bodyText: 'Try now.' } }), 201)
    await dispatch()
    replies = to(await mailsOf(row.id), 'maria@acme.example').filter((m) => m.subject.includes('Re:'))
    t.equal(replies.length, 2)
    t.same(replies[1]!.inReplyTo, ['<m2@mail.acme.example>'], "the customer's last message")
    t.same(replies[1]!.references, ['<m1@mail.acme.example>', '<m2@mail.acme.example>'])
    t.not(replies[1]!.messageId, replies[0]!.messageId)
  })

  t.test('a customer reply alerts the team; an internal note sends nothing to the customer', async (t) => {
    const petra = await makeContact(ctx, org.id, { locale: 'hr', emails: ['petra@acme.example'] })
    const tk = await createTicket(petra.id)
    await dispatch()
    const before = (await mailsOf(tk.id)).length

    await addMessage(deps, { kind: 'contact', id: petra.id, organizationId: org.id, name: petra.name }, tk.id, { visibility: 'public', bodyText: 'It also fails for PDF.' })
    await dispatch()
    let mails = (await mailsOf(tk.id)).slice(before)
    t.same(mails.map((m) => m.to[0]).sort(), ['ana@desk.example', 'ben@desk.example', 'cal@desk.example'], 'the team, not the customer')
    t.match(to(mails, 'ben@desk.example')[0], { subject: `[#${tk.number}] Customer reply: Invoice printing fails`, text: /> It also fails for PDF\./ })

    await ok(await ctx.as(agent.token, { method: 'POST', url: `/v1/tickets/${tk.id}/messages`, payload: { visibility: 'internal', bodyText: 'Customer is difficult' } }), 201)
    await dispatch()
    t.equal((await mailsOf(tk.id)).length, before + 3, 'an internal note causes no mail')

    // Even a notification that names an internal note (a writer's mistake) mails no one.
    const [note] = await db.select().from(ticketMessages).where(and(eq(ticketMessages.ticketId, tk.id), eq(ticketMessages.visibility, 'internal')))
    await enqueue(db, [{ kind: 'notification', payload: { event: 'ticket.message_added', ticketId: tk.id, messageId: note!.id }, subject: `ticket:${tk.id}` }], clock.now())
    await dispatch()
    mails = await mailsOf(tk.id)
    t.equal(mails.length, before + 3)
    t.notOk(
      mails.some((m) => `${m.text}${m.html}`.includes('difficult')),
      'the note text is in no mail',
    )
  })

  t.test('state changes the customer should know about: waiting for your answer, resolved', async (t) => {
    const dan = await makeContact(ctx, org.id, { emails: ['dan@acme.example'] })
    const tk = await createTicket(dan.id)
    await dispatch()
    const patch = (state: string) => ctx.as(agent.token, { method: 'PATCH', url: `/v1/tickets/${tk.id}`, payload: { state } })
    const stateMails = async () => to(await mailsOf(tk.id), 'dan@acme.example').filter((m) => !m.subject.includes('We received'))
    await ok(await patch('open'))
    await dispatch()
    t.same(await stateMails(), [], 'open: nothing for the customer')
    await ok(await patch('pending'))
    await dispatch()
    let mails = await stateMails()
    t.equal(mails.length, 1)
    t.equal(mails[0]!.subject, `[#${tk.number}] Waiting for your answer: Invoice printing fails`)
    t.equal(mails[0]!.header('auto-submitted'), 'auto-generated')
    await ok(await patch('resolved'))
    await dispatch()
    mails = await stateMails()
    t.equal(mails.length, 2)
    t.equal(mails[1]!.subject, `[#${tk.number}] Resolved: Invoice printing fails`)
    const rows = await db
      .select()
      .from(outbox)
      .where(and(eq(outbox.subject, `ticket:${tk.id}`), eq(outbox.kind, 'notification')))
      .orderBy(asc(outbox.id))
    t.match(
      rows.filter((r) => r.payload.event === 'ticket.state_changed').map((r) => r.payload),
      [
        { from: 'new', to: 'open', category: 'open' },
        { from: 'open', to: 'pending', fromCategory: 'open', category: 'pending' },
        { from: 'pending', to: 'resolved', category: 'resolved' },
      ],
      'the PATCH writes one notification per state change',
    )
  })

  t.test('undeliverable addresses are skipped', async (t) => {
    const two = await makeContact(ctx, org.id, { emails: ['bounced@acme.example', 'works@acme.example'] })
    const none = await makeContact(ctx, org.id, { emails: ['dead@acme.example'] })
    await db.update(contactEmails).set({ undeliverableAt: now, undeliverableReason: '550 5.1.1 no such user' }).where(eq(contactEmails.email, 'bounced@acme.example'))
    await db.update(contactEmails).set({ undeliverableAt: now, undeliverableReason: '550 5.1.1 no such user' }).where(eq(contactEmails.email, 'dead@acme.example'))
    const a = await createTicket(two.id)
    const b = await createTicket(none.id)
    await dispatch()
    const ma = await mailsOf(a.id)
    t.equal(to(ma, 'works@acme.example').length, 1, 'the next address')
    t.equal(to(ma, 'bounced@acme.example').length, 0)
    const mb = await mailsOf(b.id)
    t.same(mb.map((m) => m.to[0]).sort(), ['ana@desk.example', 'ben@desk.example'], 'no customer mail; the team still hears')
  })

  t.test('a 5xx to RCPT TO marks the address undeliverable; a 5xx to DATA does not; later mail goes to the next address', async (t) => {
    const c = await makeContact(ctx, org.id, { emails: ['gone@acme.example', 'next@acme.example'] })
    const d = await makeContact(ctx, org.id, { emails: ['policy@acme.example'] })
    const tk = await createTicket(c.id)
    const tk2 = await createTicket(d.id)
    await dispatchOnce(deps, handlers, { instanceId: 'test', batchSize: 500 }) // the fan-outs only
    const relay = await scriptedRelay([], { 'gone@acme.example': 550 })
    t.teardown(relay.close)
    const relayHandler = createMailHandler({ ...deps.config, MAIL_RELAY_URL: relay.url })
    t.teardown(() => relayHandler.close())
    // The ticket of `d`: the relay refuses the message itself (content policy), not the address.
    const policyRows = await db.select().from(outbox).where(and(eq(outbox.subject, `ticket:${tk2.id}`), eq(outbox.kind, 'mail')))
    const refusing = await scriptedRelay(policyRows.map(() => 554))
    t.teardown(refusing.close)
    const refusingHandler = createMailHandler({ ...deps.config, MAIL_RELAY_URL: refusing.url })
    t.teardown(() => refusingHandler.close())
    for (const r of policyRows) t.match(await refusingHandler(deps, r), { ok: false, permanent: true })
    const dRow = (await db.select().from(contactEmails).where(eq(contactEmails.email, 'policy@acme.example')))[0]
    t.equal(dRow?.undeliverableAt, null, 'a 5xx to DATA says nothing about the address')

    const round = await dispatchOnce(deps, { notification: deliverNotification, mail: relayHandler }, { instanceId: 'test', batchSize: 500 })
    t.ok(round.failed >= 1, 'the refused mail failed for good')
    const rows = await db.select().from(outbox).where(and(eq(outbox.subject, `ticket:${tk.id}`), eq(outbox.kind, 'mail')))
    const ack = rows.find((r) => (r.payload.to as string[]).includes('gone@acme.example'))
    t.equal((await findOutbox(db, ack!.id))?.status, 'failed', 'not retried')
    const [gone] = await db.select().from(contactEmails).where(eq(contactEmails.email, 'gone@acme.example'))
    t.same(gone?.undeliverableAt, clock.now(), 'the address is undeliverable from now')
    t.match(gone?.undeliverableReason, /^relay: 550 5\.1\.1/)
    t.equal((await db.select().from(contactEmails).where(eq(contactEmails.email, 'next@acme.example')))[0]?.undeliverableAt, null)

    // The next notification (an agent's public reply) skips the dead address.
    await ok(await ctx.as(agent.token, { method: 'POST', url: `/v1/tickets/${tk.id}/messages`, payload: { visibility: 'public', bodyText: 'Please try again now.' } }), 201)
    await dispatchOnce(deps, handlers, { instanceId: 'test', batchSize: 500 }) // the fan-out
    const mail = await db.select().from(outbox).where(and(eq(outbox.subject, `ticket:${tk.id}`), eq(outbox.kind, 'mail')))
    const replies = mail.filter((r) => String(r.payload.text).includes('Please try again now.'))
    t.same(
      replies.map((r) => r.payload.to),
      [['next@acme.example']],
      'the reply is addressed to the next address only',
    )
  })

  t.test('a retried fan-out creates no duplicate mail', async (t) => {
    const c = await makeContact(ctx, org.id)
    const tk = await createTicket(c.id)
    const [note] = await db.select().from(outbox).where(and(eq(outbox.subject, `ticket:${tk.id}`), eq(outbox.kind, 'notification')))
    t.same(await deliverNotification(deps, note!), { ok: true })
    const first = await db.select().from(outbox).where(and(eq(outbox.subject, `ticket:${tk.id}`), eq(outbox.kind, 'mail')))
    t.equal(first.length, 3, 'customer and two team members')
    t.same(await deliverNotification(deps, note!), { ok: true }, 'as after a lost lease')
    await dispatch()
    const again = await db.select().from(outbox).where(and(eq(outbox.subject, `ticket:${tk.id}`), eq(outbox.kind, 'mail')))
    t.same(
      again.map((r) => [r.id, r.dedupeKey, r.payload.messageId]).sort(),
      first.map((r) => [r.id, r.dedupeKey, r.payload.messageId]).sort(),
      'same rows, same Message-IDs',
    )
    t.ok(first.every((r) => r.dedupeKey?.startsWith(`${note!.id}:`)))
  })

  t.test('in one round, a notification of no ticket or with a malformed id fails alone; the others fan out', async (t) => {
    const c = await makeContact(ctx, org.id)
    const tk = await createTicket(c.id)
    const subject = `ticket:${tk.id}`
    await enqueue(
      db,
      [
        { kind: 'notification', payload: { event: 'ticket.state_changed', ticketId: newId(), category: 'resolved' }, subject },
        { kind: 'notification', payload: { event: 'ticket.message_added', ticketId: tk.id, messageId: 'not-a-uuid' }, subject },
        { kind: 'notification', payload: { event: 'ticket.escalated' }, subject },
      ],
      clock.now(),
    )
    const round = await dispatchOnce(deps, handlers, { instanceId: 'test', batchSize: 500 })
    t.equal(round.failed, 3, 'each bad notification failed for good')
    const notes = await db.select().from(outbox).where(and(eq(outbox.subject, subject), eq(outbox.kind, 'notification')))
    t.same(notes.map((n) => n.status).sort(), ['failed', 'failed', 'failed', 'sent'], 'the ticket.created of the same round went out')
    t.match(notes.find((n) => (n.payload as { ticketId?: string }).ticketId !== tk.id && n.status === 'failed' && n.payload.event === 'ticket.state_changed')?.lastError, /not found/)
    t.equal((await db.select().from(outbox).where(and(eq(outbox.subject, subject), eq(outbox.kind, 'mail')))).length, 3, 'customer and two team members')
  })

  t.test('SLA and escalation notifications go to the listed agents, teams, managers and, when asked, the customer', async (t) => {
    const c = await makeContact(ctx, org.id, { locale: 'ru', timeZone: 'Europe/Moscow', emails: ['oleg@acme.example'] })
    const tk = await createTicket(c.id)
    await dispatch()
    const before = new Set((await mailsOf(tk.id)).map((m) => m.outboxId))
    const dueAt = '2026-11-23T10:00:00.000Z'
    await enqueue(
      db,
      [
        {
          kind: 'notification',
          payload: { event: 'sla.warning', ticketId: tk.id, clock: 'first_response', dueAt, notify: { agentIds: [en.id, gone.id], teamIds: [team!.id], managerIds: [manager.id], customer: true } },
          subject: `ticket:${tk.id}`,
        },
      ],
      clock.now(),
    )
    await dispatch()
    let mails = (await mailsOf(tk.id)).filter((m) => !before.has(m.outboxId))
    t.same(mails.map((m) => m.to[0]).sort(), ['ana@desk.example', 'ben@desk.example', 'cal@desk.example', 'mara@desk.example', 'oleg@acme.example'], 'each address once; inactive agents skipped')
    t.match(to(mails, 'mara@desk.example')[0], { subject: `[#${tk.number}] SLA upozorenje: Invoice printing fails` })
    const oleg = to(mails, 'oleg@acme.example')[0]!
    t.match(oleg.subject, 'Предупреждение SLA')
    t.match(oleg.text, formatDueTime(new Date(dueAt), 'ru', 'Europe/Moscow'))
    t.match(oleg.text, /13:00/, "the customer's time zone")
    t.equal(oleg.header('auto-submitted'), 'auto-generated')

    for (const m of mails) before.add(m.outboxId)
    await enqueue(db, [{ kind: 'notification', payload: { event: 'ticket.escalated', ticketId: tk.id, notify: { managerIds: [manager.id] } }, subject: `ticket:${tk.id}` }], clock.now())
    await dispatch()
    mails = (await mailsOf(tk.id)).filter((m) => !before.has(m.outboxId))
    t.same(
      mails.map((m) => [m.to[0], m.text?.trim()]),
      [['mara@desk.example', `Prijava #${tk.number} eskalirana je vama.`]],
      'no customer unless asked',
    )
  })

  t.test('a 4xx from the relay is retried with the same Message-ID', async (t) => {
    const c = await makeContact(ctx, org.id, { emails: ['relay@acme.example'] })
    const tk = await createTicket(c.id)
    await dispatchOnce(deps, handlers, { instanceId: 'test', batchSize: 500 }) // the fan-out only
    const relay = await scriptedRelay([451, 451, 451])
    t.teardown(relay.close)
    const relayHandler = createMailHandler({ ...deps.config, MAIL_RELAY_URL: relay.url })
    t.teardown(() => relayHandler.close())
    const first = await dispatchOnce(deps, { notification: deliverNotification, mail: relayHandler }, { instanceId: 'test', batchSize: 500 })
    t.equal(first.retried, 3, 'three mails, each deferred')
    clock.advance(30)
    const second = await dispatchOnce(deps, { notification: deliverNotification, mail: relayHandler }, { instanceId: 'test', batchSize: 500 })
    t.equal(second.sent, 3)
    const rows = await db.select().from(outbox).where(and(eq(outbox.subject, `ticket:${tk.id}`), eq(outbox.kind, 'mail')))
    t.equal(relay.received.length, 6)
    const received = await Promise.all(relay.received.map((raw) => parseInbound(Buffer.from(raw))))
    for (const r of rows) {
      const id = r.payload.messageId as string
      const attempts = received.filter((m) => m.messageId === id)
      t.equal(attempts.length, 2, `${r.payload.to}: both attempts carry ${id}`)
      t.ok(attempts.every((m) => m.subject.startsWith(`[#${tk.number}] `) && m.replyTo.includes(QUEUE_ADDRESS)))
      t.equal((await findOutbox(db, r.id))?.status, 'sent')
    }
  })
})
