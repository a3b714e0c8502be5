import t from 'tap'
import { buildTestApp, fixedClock } from '../../helpers/build-test-app.ts'
import { makeDesk } from '../../helpers/desk.ts'

/** The search document is the subject and the public messages; each change of them must reach it. */
t.test('search follows the subject and the public messages', async (t) => {
  const clock = fixedClock('2026-01-19T10:00:00+02:00')
  const ctx = await buildTestApp(t, { clock, config: { ACCESS_TOKEN_TTL_SECONDS: 86_400 } })
  const desk = await makeDesk(ctx, clock)
  const admin = await ctx.adminToken()
  const found = async (q: string) =>
    (await ctx.as(admin, { method: 'GET', url: `/v1/tickets?q=${encodeURIComponent(q)}` })).json().data.map((x: { id: string }) => x.id)
  const res = await ctx.as(admin, {
    method: 'POST',
    url: '/v1/tickets',
    payload: { requesterId: desk.requester.id, queueId: desk.queue.id, subject: 'Payroll export fails', description: { text: 'The bank file is empty.' } },
  })
  t.equal(res.statusCode, 201, res.body)
  const id = res.json().id
  await ctx.as(admin, { method: 'POST', url: `/v1/tickets/${id}/messages`, payload: { visibility: 'public', bodyText: 'Отчетът за заплати е празен.' } })
  await ctx.as(admin, { method: 'POST', url: `/v1/tickets/${id}/messages`, payload: { visibility: 'internal', bodyText: 'secretword in a note' } })
  t.same(await found('payroll'), [id])
  t.same(await found('заплати'), [id], 'a public reply is searchable')
  t.same(await found('secretword'), [], 'internal notes are not')

  const patched = await ctx.as(admin, { method: 'PATCH', url: `/v1/tickets/${id}`, payload: { subject: 'Salary transfer rejected' } })
  t.equal(patched.statusCode, 200, patched.body)
  t.same(await found('salary transfer'), [id], 'the new subject is searchable')
  t.same(await found('payroll'), [], 'the old subject is not')
  t.same(await found('bank file'), [id], 'the first message still is')
  t.same(await found('заплати'), [id], 'and the replies')
  t.same(await found('secretword'), [], 'and internal notes still are not')
})
