import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { AppError } from '../lib/errors.ts'
import { Problem } from '../lib/schemas.ts'

/** ETags are the row version: cheap, exact, and what If-Match compares against. */
export const etagOf = (version: number) => `"${version}"`

/**
 * The version an update must apply to, from If-Match. Absent → undefined (last write wins,
 * as most clients expect); `*` → undefined; a list → its only entry; anything else → 400.
 */
export function ifMatchVersion(request: FastifyRequest): number | undefined {
  const h = request.headers['if-match']
  if (h === undefined) return undefined
  const v = h.trim()
  if (v === '*') return undefined
  const m = /^(?:W\/)?"(\d{1,9})"$/.exec(v)
  if (!m) {
    throw new AppError('BAD_REQUEST', 'If-Match must be one ETag as returned by a GET, e.g. "3"', {
      errors: [{ in: 'headers', field: 'if-match', message: 'is not an ETag of this resource' }],
    })
  }
  return Number(m[1])
}

export function withEtag<T extends { version: number }>(reply: FastifyReply, body: T): T {
  reply.header('etag', etagOf(body.version))
  return body
}

export function created<T extends { id: string; version?: number }>(reply: FastifyReply, location: string, body: T): T {
  reply.code(201).header('location', `${location}/${body.id}`)
  if (typeof body.version === 'number') reply.header('etag', etagOf(body.version))
  return body
}

export const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: Problem } } })

/** OpenAPI error responses every authenticated route can give. */
export const errorResponses = {
  400: problem('The request is not valid; `errors` names each field'),
  401: problem('No valid credentials'),
  403: problem('The caller may not do this'),
  404: problem('Not found'),
  409: problem('Conflict with existing data'),
  412: problem('If-Match did not match the current version'),
  422: problem('Idempotency-Key reused with another body, or a rule refused the request'),
  429: problem('Too many requests'),
} as const

export const IfMatchHeader = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'ETag from a previous GET; the update applies only to that version' })),
})
export const IdempotencyHeader = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'Retrying a POST with the same key and body replays the first response' }),
  ),
})
export const NoContent = Type.Null({ description: 'No content' })
