import { createHash } from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Deps } from '../deps.ts'
import { idempotencyKeys } from '../db/schema/index.ts'
import { AppError } from '../lib/errors.ts'
import { principalKey } from '../lib/principal.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The response carries a secret (tokens, a new API key): it must never be stored, so
     * Idempotency-Key is ignored on the route and a retry runs again.
     */
    secretResponse?: true
  }
  interface FastifyRequest {
    idempotency: { principal: string; key: string } | null
  }
}

export const idempotencyHash = (method: string, url: string, body: unknown) =>
  createHash('sha256')
    .update(`${method} ${url}\n${canonical(body ?? null)}`)
    .digest('hex')

/** How long a first request may run before a retry with its key may take over. */
const LOCK_SECONDS = 60
const KEY_RE = /^[\x21-\x7e]{1,255}$/
const REPLAYED_HEADERS = ['content-type', 'location', 'etag']

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

const toArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])

/**
 * Idempotency-Key on every POST (IETF draft-ietf-httpapi-idempotency-key-header): the same key
 * and body replay the stored response; the same key with another body is 422; a retry while
 * the first request runs is 409. Keys are scoped to the caller. Server errors are not stored,
 * so a request that failed on our side can be retried with its key.
 */
export default fp(
  async (app: FastifyInstance, opts: { deps: Deps }) => {
    const { db, clock } = opts.deps
    app.decorateRequest('idempotency', null)

    const claim = async (request: FastifyRequest, reply: FastifyReply) => {
      const raw = request.headers['idempotency-key']
      if (raw === undefined) return
      const key = Array.isArray(raw) ? raw[0]! : raw
      if (!KEY_RE.test(key)) {
        throw new AppError('BAD_REQUEST', 'Idempotency-Key must be 1 to 255 visible ASCII characters', {
          errors: [{ in: 'headers', field: 'idempotency-key', message: 'is not a valid key' }],
        })
      }
      const principal = principalKey(request.principal, request.ip)
      const path = request.routeOptions.url ?? request.url
      const requestHash = idempotencyHash(request.method, request.url, request.body)
      const now = clock.now()
      const lockedUntil = new Date(now.getTime() + LOCK_SECONDS * 1000)
      const inserted = await db
        .insert(idempotencyKeys)
        .values({ principal, key, method: request.method, path, requestHash, createdAt: now, lockedUntil })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key })
      if (inserted.length) {
        request.idempotency = { principal, key }
        return
      }
      const [row] = await db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.key, key)))
      if (!row) throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'retry the request')
      if (row.requestHash !== requestHash) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was first used with another method, path or body')
      }
      if (row.status === null) {
        if (row.lockedUntil > now) throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'the first request with this key is still running; retry later', { headers: { 'retry-after': '1' } })
        // The first attempt died without an answer: this retry takes the key over.
        const taken = await db
          .update(idempotencyKeys)
          .set({ lockedUntil })
          .where(and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.key, key), eq(idempotencyKeys.lockedUntil, row.lockedUntil)))
          .returning({ key: idempotencyKeys.key })
        if (!taken.length) throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'retry later')
        request.idempotency = { principal, key }
        return
      }
      reply.headers(row.responseHeaders ?? {}).header('idempotent-replayed', 'true')
      return reply.code(row.status).send(row.responseBody ?? undefined)
    }

    const store = async (reply: FastifyReply, payload: unknown, idem: { principal: string; key: string }) => {
      const where = and(eq(idempotencyKeys.principal, idem.principal), eq(idempotencyKeys.key, idem.key))
      if (reply.statusCode >= 500) {
        await db.delete(idempotencyKeys).where(where)
        return payload
      }
      const headers: Record<string, string> = {}
      for (const h of REPLAYED_HEADERS) {
        const v = reply.getHeader(h)
        if (v !== undefined) headers[h] = String(v)
      }
      const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null
      await db.update(idempotencyKeys).set({ status: reply.statusCode, responseBody: body, responseHeaders: headers }).where(where)
      return payload
    }
    // Callback style with a synchronous fast path: most responses carry no key.
    const onSend = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void) => {
      const idem = request.idempotency
      if (!idem) return done(null, payload)
      request.idempotency = null
      store(reply, payload, idem).then((p) => done(null, p), done)
    }
    // Only POST routes take a key, so only they carry the hooks: a GET pays for no hook it cannot use.
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      if (!methods.includes('POST') || (route.config as { secretResponse?: boolean } | undefined)?.secretResponse) return
      route.preHandler = [claim, ...toArray(route.preHandler)]
      route.onSend = [...toArray(route.onSend), onSend]
    })
  },
  { name: 'idempotency', dependencies: ['auth'] },
)
