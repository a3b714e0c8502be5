import { Writable } from 'node:stream'
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { createLogger } from '../../src/logger.ts'
import { systemClock } from '../../src/lib/clock.ts'
import { AppError } from '../../src/lib/errors.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { testConfig } from '../helpers/build-test-app.ts'

t.test('cross-cutting HTTP behaviour', async (t) => {
  const database = await openTestDatabase()
  const lines: string[] = []
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString())
      cb()
    },
  })
  const app = await buildApp({
    deps: { db: database.db, config: testConfig(), clock: systemClock },
    logger: createLogger('info', sink),
  })
  // Routes that fail on purpose, added before ready like any module would be.
  app.get('/test/boom', { config: { auth: 'public' } }, async () => {
    throw new Error('relation "secret_table" does not exist at SELECT password FROM agents')
  })
  app.get('/test/sqlstate', { config: { auth: 'public' } }, async () => {
    throw Object.assign(new Error('duplicate key value violates unique constraint "x"'), { code: '23505', constraint: 'x' })
  })
  app.get('/test/wrapped-sqlstate', { config: { auth: 'public' } }, async () => {
    throw Object.assign(new Error('Failed query: insert …'), { cause: Object.assign(new Error('deadlock'), { code: '40P01' }) })
  })
  app.get('/test/coded', { config: { auth: 'public' } }, async () => {
    throw new AppError('CONFLICT', 'the ticket is closed', { errors: [{ in: 'body', field: 'state', message: 'is closed' }] })
  })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    await database.close()
  })

  t.test('an unexpected error is a bare 500 with the request id; details only in the log', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/test/boom', headers: { 'x-request-id': 'req-abc-123' } })
    t.equal(res.statusCode, 500)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.equal(res.headers['x-request-id'], 'req-abc-123')
    const body = res.json()
    t.match(body, { status: 500, code: 'INTERNAL', requestId: 'req-abc-123' })
    t.notMatch(res.body, /secret_table|SELECT|password|at /)
    const logged = lines.find((l) => l.includes('unhandled error'))
    t.ok(logged, 'logged')
    t.match(logged, /"reqId":"req-abc-123"/)
    t.match(logged, /secret_table/, 'the log keeps the cause')
  })

  t.test('database errors map by SQLSTATE, even when wrapped', async (t) => {
    const dup = await app.inject({ method: 'GET', url: '/test/sqlstate' })
    t.equal(dup.statusCode, 409)
    t.equal(dup.json().code, 'DUPLICATE')
    t.notMatch(dup.body, /violates/)
    const busy = await app.inject({ method: 'GET', url: '/test/wrapped-sqlstate' })
    t.equal(busy.statusCode, 503)
    t.equal(busy.headers['retry-after'], '1')
  })

  t.test('coded errors keep their fields', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/test/coded' })
    t.match(res.json(), { status: 409, code: 'CONFLICT', detail: 'the ticket is closed', errors: [{ field: 'state' }], type: '/problems/conflict' })
  })

  t.test('unknown routes are 404 problems', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/v1/nothing-here' })
    t.equal(res.statusCode, 404)
    t.match(res.json(), { code: 'ROUTE_NOT_FOUND', instance: '/v1/nothing-here' })
  })

  t.test('one access line per request, as pino would write it through fastify\'s serializers, and no secret in it', async (t) => {
    const before = lines.length
    const res = await app.inject({
      method: 'GET',
      url: '/v1/nothing-here?probe=1',
      headers: { 'x-request-id': 'access-line-1', authorization: 'Bearer very-secret-token', cookie: 'sid=secret-cookie', 'accept-version': '2' },
    })
    t.equal(res.statusCode, 404, 'a public answer, logged at info (health checks log at warn only)')
    const written = lines.slice(before).join('').split('\n').filter((l) => l.includes('"access-line-1"'))
    t.equal(written.length, 1, 'exactly one line')
    const line = JSON.parse(written[0]!)
    t.notMatch(written[0], /very-secret-token|secret-cookie/)
    // What pino itself writes for the same call, fastify's serializers applied.
    const viaPino: string[] = []
    const reference = createLogger(
      'info',
      new Writable({
        write(chunk, _enc, cb) {
          viaPino.push(chunk.toString())
          cb()
        },
      }),
    ).child({ reqId: 'access-line-1' })
    reference.info({ req: line.req, res: line.res, responseTime: line.responseTime }, 'request completed')
    const expected = JSON.parse(viaPino.join(''))
    t.same({ ...line, time: 0 }, { ...expected, time: 0 }, 'the same fields, in the same shape')
    t.same(Object.keys(line), Object.keys(expected), 'in the same order')
    t.match(line, { level: 30, reqId: 'access-line-1', req: { method: 'GET', url: '/v1/nothing-here?probe=1', version: '2', remoteAddress: String }, res: { statusCode: 404 }, msg: 'request completed' })
    t.ok(Math.abs(line.time - Date.now()) < 60_000)

    // Routes logging at warn (health checks) write no access line; an error still logs with the request id.
    const mark = lines.length
    t.equal((await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'access-line-2' } })).statusCode, 200)
    t.notOk(lines.slice(mark).join('').includes('access-line-2'), 'no access line below the route\'s level')
    await app.inject({ method: 'GET', url: '/test/boom', headers: { 'x-request-id': 'access-line-3' } })
    const errored = lines.slice(mark).join('').split('\n').filter((l) => l.includes('"reqId":"access-line-3"'))
    t.match(
      errored.map((l) => JSON.parse(l)),
      [{ msg: 'unhandled error' }, { msg: 'request completed', res: { statusCode: 500 } }],
      'the request logger, made on first use, carries the request id into both lines',
    )
  })

  t.test('a malformed request id is replaced, not echoed', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'bad id with spaces <script>' } })
    t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/)
  })

  t.test('the docs UI and the OpenAPI document are served', async (t) => {
    const doc = await app.inject({ method: 'GET', url: '/docs/json' })
    t.equal(doc.statusCode, 200)
    t.equal(doc.json().openapi, '3.1.0')
    const ui = await app.inject({ method: 'GET', url: '/docs' })
    t.ok([200, 302].includes(ui.statusCode))
  })

  t.test('every route has an operationId, a summary, tags and a security rule or is public', async (t) => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, { operationId?: string; summary?: string; tags?: string[] }>>
    }
    const ids = new Set<string>()
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (path.startsWith('/test/')) continue
      for (const [method, op] of Object.entries(ops)) {
        t.ok(op.operationId, `${method} ${path} has an operationId`)
        t.ok(op.summary, `${method} ${path} has a summary`)
        t.ok(op.tags?.length, `${method} ${path} has tags`)
        t.notOk(ids.has(op.operationId!), `${op.operationId} is unique`)
        ids.add(op.operationId!)
      }
    }
  })

  t.test('the OpenAPI document: 413 wherever a body is taken, attachments as downloads', async (t) => {
    type Response = { description: string; headers?: Record<string, { schema: unknown }>; content?: Record<string, { schema: unknown }> }
    type Op = { operationId: string; requestBody?: { content: Record<string, unknown> }; responses: Record<string, Response> }
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, Op>> }
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p))
    const withBody = ops.filter((op) => op.requestBody)
    t.ok(withBody.length > 20)
    for (const op of withBody) t.ok(op.responses['413']?.content?.['application/problem+json'], `${op.operationId} declares 413 as a problem`)
    const byId = (id: string) => ops.find((op) => op.operationId === id)!
    for (const id of ['createTicket', 'addTicketMessage']) {
      const op = byId(id)
      t.ok(op.requestBody?.content['multipart/form-data'], `${id} takes uploads`)
      t.match(op.responses['413']?.description, /ATTACHMENT_MAX_BYTES.*MESSAGE_ATTACHMENTS_MAX_BYTES/, `${id}: its 413 names the upload limits`)
      t.match(op.responses['422']?.description, /path separator.*HTML with scripts/, `${id}: its 422 names the refusals`)
    }
    const download = byId('downloadAttachment').responses
    t.same(download['200']?.content, { '*/*': { schema: { type: 'string', format: 'binary' } } }, 'any type, as bytes; not JSON')
    t.match(download['200']?.headers, { 'content-disposition': { schema: { type: 'string' } }, 'x-content-type-options': { schema: { const: 'nosniff' } } })
    t.match(download['404'], { description: /cannot see its ticket.*internal note/, content: { 'application/problem+json': {} } })
  })
})
