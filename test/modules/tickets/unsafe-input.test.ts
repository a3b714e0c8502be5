import { eq, inArray } from 'drizzle-orm'
import t from 'tap'
import { blobs, messageAttachments, ticketEvents, ticketMessages, tickets } from '../../../src/db/schema/index.ts'
import { sha256Hex } from '../../../src/modules/blobs/blob-store.ts'
import { buildTestApp, fixedClock } from '../../helpers/build-test-app.ts'
import { makeDesk } from '../../helpers/desk.ts'
import { type FormPart, multipartRequest } from '../../helpers/multipart.ts'

/**
 * Through the API, a filename with a path or control characters and HTML with active content
 * are refused with 422 and the field at fault, and nothing is written; harmless clean-up
 * (formatting we do not keep, leading dots, plain-http images) stays silent. Mail intake
 * sanitises instead: test/mail/flow/unsafe-content.test.ts.
 */
t.test('unsafe filenames and active HTML are refused through the API', async (t) => {
  const clock = fixedClock('2026-01-19T10:00:00+02:00')
  const ctx = await buildTestApp(t, { clock, config: { ACCESS_TOKEN_TTL_SECONDS: 86_400 } })
  const desk = await makeDesk(ctx, clock)
  const admin = await ctx.adminToken()
  const { db } = ctx.deps
  const ticketJson = (subject: string, extra: Record<string, unknown> = {}) => ({ requesterId: desk.requester.id, queueId: desk.queue.id, subject, ...extra })
  const createJson = (subject: string, extra: Record<string, unknown> = {}) =>
    ctx.as(admin, { method: 'POST', url: '/v1/tickets', payload: ticketJson(subject, extra) })
  const createMultipart = (subject: string, extra: Record<string, unknown>, files: FormPart[]) =>
    ctx.as(admin, { method: 'POST', url: '/v1/tickets', ...multipartRequest([{ name: 'ticket', value: JSON.stringify(ticketJson(subject, extra)) }, ...files]) })
  const ticketsNamed = (subject: string) => db.select({ id: tickets.id }).from(tickets).where(eq(tickets.subject, subject))
  const blobsOf = (...contents: string[]) => db.select({ hash: blobs.hash }).from(blobs).where(inArray(blobs.hash, contents.map((c) => sha256Hex(Buffer.from(c)))))
  const file = (filename: string, value: string): FormPart => ({ name: 'files', value, filename })

  t.test('ticket create, JSON: each kind of active content is named on bodyHtml', async (t) => {
    const cases: [string, RegExp][] = [
      ['<p>It fails<script>alert(1)</script></p>', /a <script> element/],
      ['<img src="https://cdn.example/a.png" onerror="alert(1)">', /an onerror event-handler attribute on <img>/],
      ['<a href=" JaVa&#x53;cript:alert(1)">log</a>', /a javascript: URL in the href of <a>/],
      ['<a href="vbscript:msgbox(1)">log</a>', /a vbscript: URL in the href of <a>/],
      ['<iframe src="https://x.example"></iframe><object data="x.swf"></object><embed src="x.swf">', /<iframe> element; a <object> element; a <embed> element/],
    ]
    for (const [html, message] of cases) {
      const res = await createJson('active html', { bodyHtml: html })
      t.equal(res.statusCode, 422, html)
      t.match(res.json(), { code: 'UNPROCESSABLE', errors: [{ in: 'body', field: 'bodyHtml', message }] }, html)
    }
    t.same(await ticketsNamed('active html'), [], 'no ticket (so no message, event or outbox row either)')
  })

  t.test('ticket create, multipart: each bad filename and the HTML in one problem; nothing written', async (t) => {
    const res = await createMultipart('unsafe upload', { bodyHtml: '<p onclick="steal()">see files</p>' }, [
      file('logs/app.log', 'unsafe-1'),
      file('fine.txt', 'unsafe-2'),
      file('C:\\logs\\app.log', 'unsafe-3'),
      file('app\u0007\u202e.log', 'unsafe-4'),
    ])
    t.equal(res.statusCode, 422, res.body)
    t.same(
      res.json().errors.map((e: { field: string; message: string }) => [e.field, e.message]),
      [
        ['files.0.filename', "contains the path separator /: give the file's name without a directory"],
        ['files.2.filename', "contains the path separator \\: give the file's name without a directory"],
        ['files.3.filename', 'contains the control characters U+0007, U+202E'],
        ['bodyHtml', 'has active content, which is refused rather than removed: an onclick event-handler attribute on <p>'],
      ],
    )
    t.same(await ticketsNamed('unsafe upload'), [], 'no ticket')
    t.same(await blobsOf('unsafe-1', 'unsafe-2', 'unsafe-3', 'unsafe-4'), [], 'no blob, not even of the good file')
  })

  t.test('ticket create: harmless clean-up stays silent', async (t) => {
    const res = await createMultipart('cleaned quietly', { bodyHtml: '<p>Hi <font color="red">there</font><img src="http://cdn.example/a.png"></p>' }, [
      file('..hidden:name.txt', 'quiet clean-up'),
    ])
    t.equal(res.statusCode, 201, res.body)
    const [message] = (await ctx.as(admin, { method: 'GET', url: `/v1/tickets/${res.json().id}/messages` })).json().data
    t.equal(message.bodyHtml, '<p>Hi there<img /></p>', 'the font tag and the plain-http source are dropped')
    t.match(message.attachments, [{ filename: 'hidden_name.txt' }])
  })

  t.test('message create, JSON and multipart: refused, and the ticket is untouched', async (t) => {
    const tk = (await createJson('conversation')).json()
    const url = `/v1/tickets/${tk.id}/messages`
    const snapshot = async () => ({
      ticket: (await db.select({ version: tickets.version, updatedAt: tickets.updatedAt }).from(tickets).where(eq(tickets.id, tk.id)))[0],
      messages: (await db.select({ id: ticketMessages.id }).from(ticketMessages).where(eq(ticketMessages.ticketId, tk.id))).length,
      events: (await db.select({ id: ticketEvents.id }).from(ticketEvents).where(eq(ticketEvents.ticketId, tk.id))).length,
      attachments: (await db.select({ id: messageAttachments.id }).from(messageAttachments).where(eq(messageAttachments.ticketId, tk.id))).length,
    })
    const before = await snapshot()
    clock.set('2026-01-19T11:00:00+02:00')

    const json = await ctx.as(admin, { method: 'POST', url, payload: { visibility: 'public', bodyText: 'done', bodyHtml: '<a href="javascript:void(0)" onmouseover="x()">done</a>' } })
    t.equal(json.statusCode, 422, json.body)
    t.match(json.json().errors, [{ field: 'bodyHtml', message: /a javascript: URL in the href of <a>; an onmouseover event-handler attribute on <a>$/ }])

    const multipart = await ctx.as(admin, {
      method: 'POST',
      url,
      ...multipartRequest([
        { name: 'visibility', value: 'internal' },
        { name: 'bodyHtml', value: '<svg><script>alert(1)</script></svg>' },
        file('../etc/passwd', 'unsafe-5'),
        file('report\u0000.pdf', 'unsafe-6'),
      ]),
    })
    t.equal(multipart.statusCode, 422, multipart.body)
    t.match(multipart.json(), {
      code: 'UNPROCESSABLE',
      errors: [
        { field: 'files.0.filename', message: /path separator \// },
        { field: 'files.1.filename', message: 'contains the control character U+0000' },
        { field: 'bodyHtml', message: /a <script> element/ },
      ],
    })
    t.same(await snapshot(), before, 'no message, attachment or event; the ticket is not even touched')
    t.same(await blobsOf('unsafe-5', 'unsafe-6'), [], 'no blob')
    clock.set('2026-01-19T10:00:00+02:00')
  })
})
