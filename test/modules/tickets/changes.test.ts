import t from 'tap'
import { downloadAttachment } from '../../../src/modules/tickets/messages.service.ts'
import { apiDesk } from '../../helpers/api-desk.ts'
import { makeContact, makeOrganization } from '../../helpers/factories.ts'

/**
 * Changes of queue and type through the API: events old → new, SLA re-selection keeping the
 * business time consumed, clocks stopping when no policy applies, the billable flag following the
 * type, the `/sla` explanation of the selection that was made, and merges with attachments.
 * Office hours on every policy: Sofia, Monday to Friday 09:00–18:00 (UTC+2 in January).
 */
const MONDAY_10 = '2026-01-19T10:00:00+02:00'
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')
const boundary = 'XBOUNDARY'
const part = (name: string, value: string | Buffer, filename?: string) =>
  Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}\r\n\r\n`),
    Buffer.isBuffer(value) ? value : Buffer.from(value),
    Buffer.from('\r\n'),
  ])

type Ev = { type: string; field: string | null; old: unknown; new: unknown; reason: string | null; createdAt: string }
type Trail = { policyId: string; outcome: string; reason: string }

t.test('ticket changes', async (t) => {
  const { clock, ctx, admin, agent, ok, post } = await apiDesk(t, MONDAY_10)
  const patch = async (id: string, at: string, payload: Record<string, unknown>, token = agent) => {
    clock.set(at)
    return ok(await ctx.as(token, { method: 'PATCH', url: `/v1/tickets/${id}`, payload }))
  }
  const get = async (url: string) => ok(await ctx.as(agent, { method: 'GET', url }))
  const events = async (id: string): Promise<Ev[]> => (await get(`/v1/tickets/${id}/events?limit=100`)).data
  const updates = async (id: string) => (await events(id)).filter((e) => e.type === 'ticket.updated' && e.field !== 'state').map((e) => [e.field, e.old, e.new, e.reason])

  const support = await post('/v1/queues', { name: 'Product support', billableByDefault: true })
  const complaints = await post('/v1/queues', { name: 'Complaints', billableByDefault: false })
  const wishes = await post('/v1/queues', { name: 'Wishes and ideas', billableByDefault: false })
  const consultation = await post('/v1/ticket-types', { name: 'Consultation', billable: true })
  const licence = await post('/v1/ticket-types', { name: 'Licence re-issue', billable: false })
  const cal = await post('/v1/calendars', { name: 'Sofia office', timeZone: 'Europe/Sofia', weekly: [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '18:00' })) })
  const hours = (firstResponse: number, resolution: number) => ({
    normal: { firstResponse: { value: firstResponse, unit: 'business_hours' }, resolution: { value: resolution, unit: 'business_hours' } },
  })
  // Specificity: ticket type 4 > queue 2, so a consultation's policy wins over its queue's.
  const supportPolicy = await post('/v1/sla-policies', { name: 'Support', calendarId: cal.id, rank: 10, conditions: { queueIds: [support.id] }, targets: hours(2, 16) })
  const complaintsPolicy = await post('/v1/sla-policies', { name: 'Complaints', calendarId: cal.id, rank: 20, conditions: { queueIds: [complaints.id] }, targets: hours(1, 8) })
  const consultationPolicy = await post('/v1/sla-policies', { name: 'Consultations', calendarId: cal.id, rank: 30, conditions: { ticketTypeIds: [consultation.id] }, targets: hours(4, 24) })

  const org = await makeOrganization(ctx)
  const alice = await makeContact(ctx, org.id)
  await post('/v1/contracts', { organizationId: org.id, number: 'CH-1', startsOn: '2026-01-01', currency: 'EUR', hourlyRates: [{ rateMinor: 5000 }], allowedChannels: ['phone', 'api'], status: 'active' })
  const create = async (at: string, payload: Record<string, unknown> = {}) => {
    clock.set(at)
    return post('/v1/tickets', { queueId: support.id, requesterId: alice.id, subject: 'Payroll export fails', ...payload }, agent)
  }

  t.test('queue and type changes re-select the policy, keep the consumed business time, and stop the clocks when none applies', async (t) => {
    const tk = await create(MONDAY_10)
    t.match(tk, { slaPolicyId: supportPolicy.id, billable: true })
    t.equal(tk.firstResponseDueAt, '2026-01-19T10:00:00.000Z', 'Support: 2 business hours → Monday 12:00 Sofia')
    t.equal(tk.resolutionDueAt, '2026-01-20T15:00:00.000Z', 'Support: 16 business hours → Tuesday 17:00 Sofia')

    // Monday 11:30, 1.5 business hours consumed. Complaints: 1 h and 8 h in total, counted from 10:00.
    const toComplaints = await patch(tk.id, '2026-01-19T11:30:00+02:00', { queueId: complaints.id })
    t.match(toComplaints, { queueId: complaints.id, slaPolicyId: complaintsPolicy.id })
    t.equal(toComplaints.firstResponseDueAt, '2026-01-19T09:00:00.000Z', 'Monday 11:00 Sofia: already overdue, not 12:30')
    t.equal(toComplaints.resolutionDueAt, '2026-01-19T16:00:00.000Z', 'Monday 18:00 Sofia, not Tuesday 10:30')

    // Waiting on the customer from Monday 12:00 to Tuesday 10:00 consumes nothing.
    await patch(tk.id, '2026-01-19T12:00:00+02:00', { state: 'pending' })
    const resumed = await patch(tk.id, '2026-01-20T10:00:00+02:00', { state: 'open' })
    t.equal(resumed.resolutionDueAt, '2026-01-20T14:00:00.000Z', '6 of 8 hours left from Tuesday 10:00: 16:00 Sofia')

    // Tuesday 11:00: 2 h on Monday + 1 h on Tuesday = 3 business hours consumed. Consultations: 4 h and 24 h in total.
    const toConsultation = await patch(tk.id, '2026-01-20T11:00:00+02:00', { ticketTypeId: consultation.id })
    t.match(toConsultation, { ticketTypeId: consultation.id, slaPolicyId: consultationPolicy.id })
    t.equal(toConsultation.firstResponseDueAt, '2026-01-20T10:00:00.000Z', '1 h left: Tuesday 12:00 Sofia')
    // 21 h left from Tuesday 11:00: 7 on Tuesday, 9 on Wednesday, 5 on Thursday → Thursday 14:00 Sofia.
    t.equal(toConsultation.resolutionDueAt, '2026-01-22T12:00:00.000Z')
    const sla = await get(`/v1/tickets/${tk.id}/sla`)
    const resolution = sla.clocks.find((c: { kind: string }) => c.kind === 'resolution')
    t.match(resolution, { status: 'running', consumedSeconds: 3 * 3600, targetSeconds: 24 * 3600, dueAt: '2026-01-22T12:00:00.000Z' })
    t.same(
      resolution.timeline.map((e: { event: string }) => e.event),
      ['started', 'retargeted', 'paused', 'resumed', 'retargeted'],
    )
    t.match(sla.selection, [
      { policyId: consultationPolicy.id, outcome: 'selected', reason: 'most specific (4)' },
      { policyId: complaintsPolicy.id, outcome: 'less_specific' },
    ])
    t.equal(sla.selectedAt, '2026-01-20T09:00:00.000Z')

    // Tuesday 11:30: no policy matches the wishes queue without a type. The clocks stop where they are.
    const none = await patch(tk.id, '2026-01-20T11:30:00+02:00', { queueId: wishes.id, ticketTypeId: null })
    t.match(none, { slaPolicyId: null, nextDueAt: null })
    const stopped = await get(`/v1/tickets/${tk.id}/sla`)
    t.match(stopped, { policy: null, selectedAt: '2026-01-20T09:30:00.000Z', selection: [], reselection: { policy: null, differs: false } })
    for (const c of stopped.clocks) {
      t.match(c, { status: 'stopped', consumedSeconds: 3.5 * 3600, breached: false }, `${c.kind}: stopped with its consumed time`)
      t.match(c.timeline.at(-1), { event: 'stopped', reason: 'no_policy' }, `${c.kind}: stopped for lack of a policy`)
    }
    clock.set('2026-01-21T12:00:00+02:00')
    const later = await get(`/v1/tickets/${tk.id}/sla`)
    t.same(
      later.clocks.map((c: { consumedSeconds: number }) => c.consumedSeconds),
      stopped.clocks.map(() => 3.5 * 3600),
      'a stopped clock consumes nothing more',
    )

    const all = await events(tk.id)
    t.same(
      all.filter((e) => e.type === 'sla.policy_selected').map((e) => [e.old, (e.new as { policyId: string } | null)?.policyId ?? null]),
      [
        [null, supportPolicy.id],
        [{ policyId: supportPolicy.id, name: 'Support' }, complaintsPolicy.id],
        [{ policyId: complaintsPolicy.id, name: 'Complaints' }, consultationPolicy.id],
        [{ policyId: consultationPolicy.id, name: 'Consultations' }, null],
      ],
    )
    t.same(await updates(tk.id), [
      ['queueId', support.id, complaints.id, null],
      ['billable', true, false, 'follows the queue Complaints'],
      ['ticketTypeId', null, consultation.id, null],
      ['billable', false, true, 'follows the ticket type Consultation'],
      ['queueId', complaints.id, wishes.id, null],
      ['ticketTypeId', consultation.id, null, null],
      ['billable', true, false, 'follows the queue Wishes and ideas'],
    ])
  })

  t.test('billable follows the type, else the queue, until a manager overrides it with a reason', async (t) => {
    const tk = await create(MONDAY_10, { ticketTypeId: licence.id })
    t.equal(tk.billable, false, 'a free type in a billable queue')
    t.match(await patch(tk.id, MONDAY_10, { ticketTypeId: consultation.id }), { billable: true, billableReason: null })
    t.match(await patch(tk.id, MONDAY_10, { queueId: complaints.id }), { billable: true }, 'the type decides, not the queue')
    // Confirming the current value is a decision too: it is kept with its reason.
    t.match(await patch(tk.id, MONDAY_10, { billable: true, billableReason: 'paid support agreed on the phone' }, admin), { billable: true, billableReason: 'paid support agreed on the phone' })
    t.match(await patch(tk.id, MONDAY_10, { ticketTypeId: licence.id }), { billable: true, billableReason: 'paid support agreed on the phone' }, 'the override holds')
    t.match(await patch(tk.id, MONDAY_10, { ticketTypeId: consultation.id, billable: false, billableReason: 'goodwill' }, admin), { billable: false, billableReason: 'goodwill' }, 'an override with the change wins')
    t.same(await updates(tk.id), [
      ['ticketTypeId', licence.id, consultation.id, null],
      ['billable', false, true, 'follows the ticket type Consultation'],
      ['queueId', support.id, complaints.id, null],
      ['billable', true, true, 'paid support agreed on the phone'],
      ['ticketTypeId', consultation.id, licence.id, null],
      ['ticketTypeId', licence.id, consultation.id, null],
      ['billable', true, false, 'goodwill'],
    ])
  })

  t.test('merge: a source message with an attachment moves to the target; the source keeps its clock history', async (t) => {
    const target = await create(MONDAY_10, { subject: 'Original request' })
    const source = await create('2026-01-19T10:15:00+02:00', { subject: 'Duplicate request', queueId: complaints.id })
    t.equal(source.slaPolicyId, complaintsPolicy.id)
    const note = await ok(
      await ctx.as(agent, {
        method: 'POST',
        url: `/v1/tickets/${source.id}/messages`,
        payload: Buffer.concat([part('visibility', 'public'), part('bodyText', 'screenshot of the error'), part('files', PNG, 'error.png'), Buffer.from(`--${boundary}--\r\n`)]),
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      }),
      201,
    )
    const [file] = note.attachments
    clock.set('2026-01-19T10:30:00+02:00')
    const merged = await ok(await ctx.as(agent, { method: 'POST', url: `/v1/tickets/${source.id}/merge`, payload: { targetId: target.id } }))
    t.match(merged, { mergedIntoId: target.id, stateCategory: 'closed' })
    t.match(await get(`/v1/tickets/${source.id}`), { mergedIntoId: target.id }, 'the source points to its target')

    const onTarget = (await get(`/v1/tickets/${target.id}/messages`)).data
    t.match(onTarget.find((m: { id: string }) => m.id === note.id), { ticketId: target.id, attachments: [{ id: file.id, filename: 'error.png', contentType: 'image/png', size: PNG.length, url: file.url }] })
    t.same((await get(`/v1/tickets/${source.id}/messages`)).data, [], 'nothing is left on the source')
    const dl = await ctx.as(agent, { method: 'GET', url: file.url })
    t.equal(dl.statusCode, 200)
    t.same(dl.rawPayload, PNG)
    t.match(dl.headers, { 'content-type': 'image/png', 'x-content-type-options': 'nosniff', 'content-disposition': /^attachment; filename="error.png"/ })
    // Access is decided by the ticket the attachment is on now: the target.
    const aliceP = { kind: 'contact' as const, id: alice.id, organizationId: org.id, name: 'Alice' }
    t.same((await downloadAttachment(ctx.deps, aliceP, file.id)).bytes, PNG)

    // The source's clocks stay on the source, and so do the events that are their timeline.
    const targetSla = await get(`/v1/tickets/${target.id}/sla`)
    t.match(targetSla, { policy: { id: supportPolicy.id }, selection: [{ policyId: supportPolicy.id, outcome: 'selected' }], selectedAt: '2026-01-19T08:00:00.000Z' })
    for (const c of targetSla.clocks) t.same(c.timeline.map((e: { event: string }) => e.event), ['started'], `target ${c.kind}: its own timeline only`)
    const sourceSla = await get(`/v1/tickets/${source.id}/sla`)
    t.match(sourceSla, { policy: { id: complaintsPolicy.id }, selection: [{ policyId: complaintsPolicy.id, outcome: 'selected' }] })
    const timeline = (kind: string) => sourceSla.clocks.find((c: { kind: string }) => c.kind === kind).timeline.map((e: { event: string }) => e.event)
    t.same(timeline('first_response'), ['started', 'met'], 'the agent reply with the file met it')
    t.same(timeline('resolution'), ['started', 'stopped'], 'the merge stopped it')
    const targetEvents = (await events(target.id)).map((e) => e.type)
    t.equal(targetEvents.filter((x) => x === 'ticket.created').length, 2, "the source's history moved")
    t.ok(targetEvents.includes('ticket.merged_from'))
    t.equal(targetEvents.filter((x) => x === 'sla.policy_selected').length, 1)
  })

  t.test('/sla explains the selection the ticket got, whatever happened to the policies since', async (t) => {
    const tk = await create(MONDAY_10)
    const explained = [{ policyId: supportPolicy.id, outcome: 'selected', reason: 'the only matching policy' }]
    t.match(await get(`/v1/tickets/${tk.id}/sla`), { policy: { id: supportPolicy.id }, selection: explained, reselection: { policy: { id: supportPolicy.id }, differs: false } })

    // A policy added later for the same queue, ranked before the ticket's.
    const preferred = await post('/v1/sla-policies', { name: 'Support (preferred)', calendarId: cal.id, rank: 5, conditions: { queueIds: [support.id] }, targets: { high: hours(1, 4).normal } })
    const added = await get(`/v1/tickets/${tk.id}/sla`)
    t.match(added, { policy: { id: supportPolicy.id }, selectedAt: '2026-01-19T08:00:00.000Z', reselection: { policy: { id: preferred.id }, differs: true } })
    t.same(
      added.selection.map((e: Trail) => [e.policyId, e.outcome, e.reason]),
      [[supportPolicy.id, 'selected', 'the only matching policy']],
      'the trail recorded at selection, not one naming the new policy',
    )

    // The ticket's own policy deactivated: it still runs the clocks, and the explanation stands.
    await ok(await ctx.as(admin, { method: 'DELETE', url: `/v1/sla-policies/${supportPolicy.id}` }))
    t.match(await get(`/v1/tickets/${tk.id}/sla`), { policy: { id: supportPolicy.id }, selection: explained, reselection: { policy: { id: preferred.id }, differs: true } })

    // A change of the facts selection looks at selects again, and the explanation is the new one.
    t.match(await patch(tk.id, '2026-01-19T11:00:00+02:00', { priority: 'high' }), { slaPolicyId: preferred.id, resolutionDueAt: '2026-01-19T12:00:00.000Z' }, '4 h in total from 10:00')
    const reselected = await get(`/v1/tickets/${tk.id}/sla`)
    t.match(reselected, { policy: { id: preferred.id }, selectedAt: '2026-01-19T09:00:00.000Z', reselection: { differs: false } })
    t.same(
      reselected.selection.map((e: Trail) => [e.policyId, e.outcome]),
      [[preferred.id, 'selected']],
    )
  })
})
