import { PassThrough } from 'node:stream'
import { eq } from 'drizzle-orm'
import t from 'tap'
import { purgeInboundMail } from '../../../src/jobs/purge.ts'
import { blobs, inboundMail, messageAttachments, ticketMessages } from '../../../src/db/schema/index.ts'
import { sha256Hex } from '../../../src/modules/blobs/blob-store.ts'
import { routerFor } from '../../../src/modules/mail/router.ts'
import { buildTestApp, fixedClock } from '../../helpers/build-test-app.ts'
import { eml } from '../../helpers/mail-fixtures.ts'
import { S3_TEST_CREDENTIALS, s3Config, startFakeS3 } from '../../helpers/s3-server.ts'
import { deliver, MAIL_TEST_CONFIG, makeMailQueue, makeTicket, startTestSmtp } from '../../helpers/smtp.ts'

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')
const boundary = 'S3BOUNDARY'
const multipart = (fields: Record<string, string>, file: { name: string; bytes: Buffer }) =>
  Buffer.concat([
    ...Object.entries(fields).map(([k, v]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    file.bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
const keyOf = (hash: string) => `deskledger/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`

t.test('BLOB_STORE=s3: attachments and raw mail in an S3-compatible bucket', async (t) => {
  const s3 = await startFakeS3()
  t.teardown(() => s3.close())
  const logs: string[] = []
  const logStream = new PassThrough()
  logStream.on('data', (c: Buffer) => logs.push(c.toString()))
  const clock = fixedClock('2026-03-02T09:00:00Z')
  const ctx = await buildTestApp(t, { clock, logStream, config: { ...MAIL_TEST_CONFIG, ...s3Config(s3, { S3_TIMEOUT_MS: 2000 }), INBOUND_MAIL_RETENTION_DAYS: 30 } })
  const token = await ctx.adminToken()
  const queue = await makeMailQueue(ctx)
  const ticketId = await makeTicket(ctx, token, queue.id)
  const upload = (bytes: Buffer) =>
    ctx.as(token, {
      method: 'POST',
      url: `/v1/tickets/${ticketId}/messages`,
      payload: multipart({ visibility: 'internal', bodyText: 'log attached' }, { name: 'screen.png', bytes }),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    })
  const rowsOf = async () => ({
    messages: (await ctx.deps.db.select().from(ticketMessages).where(eq(ticketMessages.ticketId, ticketId))).length,
    attachments: (await ctx.deps.db.select().from(messageAttachments).where(eq(messageAttachments.ticketId, ticketId))).length,
  })

  t.test('an upload goes to the bucket, its row records where, the download reads it back', async (t) => {
    const res = await upload(PNG)
    t.equal(res.statusCode, 201, res.body)
    const attachment = res.json().attachments[0]
    t.same(s3.objects.get(keyOf(sha256Hex(PNG))), PNG, 'in the bucket under its content hash')
    const [row] = await ctx.deps.db.select().from(blobs).where(eq(blobs.hash, sha256Hex(PNG)))
    t.match(row, { storage: 's3', content: null, size: PNG.length })
    const dl = await ctx.as(token, { method: 'GET', url: attachment.url })
    t.equal(dl.statusCode, 200)
    t.equal(dl.headers['content-type'], 'image/png')
    t.same(dl.rawPayload, PNG)
  })

  t.test('the store down: 503 with Retry-After, nothing written; the cause is logged without the secret', async (t) => {
    const before = await rowsOf()
    const other = Buffer.concat([PNG, Buffer.from(`second ${Date.now()}`)])
    s3.failNext(3, 503)
    const res = await upload(other)
    t.equal(res.statusCode, 503)
    t.equal(res.headers['retry-after'], '5')
    t.match(res.json(), { status: 503, code: 'SERVICE_UNAVAILABLE', detail: 'the file store is unavailable; retry later' })
    t.notMatch(res.body, /S3|SlowDown|deskledger\//, 'no internals in the response')
    t.same(await rowsOf(), before, 'no message, no attachment')
    t.same(await ctx.deps.db.select().from(blobs).where(eq(blobs.hash, sha256Hex(other))), [], 'no blob row')
    const logged = logs.join('')
    t.match(logged, /S3 PUT [0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}: HTTP 503 SlowDown/, 'the log says which call failed and how')
    t.notMatch(logged, S3_TEST_CREDENTIALS.secretAccessKey)

    const [attachment] = await ctx.deps.db.select().from(messageAttachments).where(eq(messageAttachments.ticketId, ticketId))
    s3.failNext(3, 500)
    const dl = await ctx.as(token, { method: 'GET', url: `/v1/attachments/${attachment!.id}` })
    t.equal(dl.statusCode, 503, 'a download while the store is down')
    t.equal((await upload(other)).statusCode, 201, 'the retry succeeds once the store is back')
  })

  t.test('a slow store holds no database connection or lock: the ticket takes other writes meanwhile', async (t) => {
    s3.hang = true
    const started = Date.now()
    const slow = upload(Buffer.concat([PNG, Buffer.from(`slow ${Date.now()}`)]))
    await new Promise((r) => setTimeout(r, 300))
    const note = await ctx.as(token, { method: 'POST', url: `/v1/tickets/${ticketId}/messages`, payload: { visibility: 'internal', bodyText: 'while the upload waits' } })
    t.equal(note.statusCode, 201)
    t.ok(Date.now() - started < 1500, `a note on the same ticket went through while the upload waited (${Date.now() - started} ms)`)
    s3.hang = false
    t.equal((await slow).statusCode, 201, 'the upload completes on a later attempt')
  })

  t.test('mail: 451 while the store is down, 250 once it is back; the retention purge deletes the object', async (t) => {
    const smtp = await startTestSmtp(t, ctx.deps, { router: routerFor(ctx.deps) })
    const raw = eml([`From: stranger@nowhere.test`, `To: ${queue.address}`, 'Subject: into quarantine', `Message-ID: <s3-${Date.now()}@nowhere.test>`], 'Hello.\n')
    s3.failNext(3, 503)
    t.equal((await deliver(smtp.port, { to: [queue.address], raw })).final?.code, 451, 'the relay keeps the message and retries')
    t.same(await ctx.deps.db.select().from(blobs).where(eq(blobs.hash, sha256Hex(raw))), [])
    t.equal((await deliver(smtp.port, { to: [queue.address], raw })).final?.code, 250)
    t.same(s3.objects.get(keyOf(sha256Hex(raw))), raw, 'the raw message is in the bucket')
    const [row] = await ctx.deps.db.select().from(inboundMail).where(eq(inboundMail.rawBlobHash, sha256Hex(raw)))
    t.equal(row!.outcome, 'quarantined')
    t.equal((await ctx.as(token, { method: 'POST', url: `/v1/quarantine/${row!.id}/discard` })).statusCode, 200)
    const raws = await ctx.as(token, { method: 'GET', url: `/v1/quarantine/${row!.id}/raw` })
    t.same(raws.rawPayload, raw, 'read back from the bucket')
    t.match(await purgeInboundMail(ctx.deps, new Date(clock.now().getTime() + 31 * 86_400_000)), { deleted: 1, blobs: 1 })
    t.notOk(s3.objects.has(keyOf(sha256Hex(raw))), 'its object is deleted after the commit')
  })
})
