import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AppError, ERRORS, type ErrorCode, type FieldError, problemType, sqlState } from '../lib/errors.ts'
import { BlobStoreUnavailable } from '../modules/blobs/s3-client.ts'

/**
 * What a unique or foreign-key constraint means to a client, registered by the module that
 * owns the table. Database errors are mapped by SQLSTATE and constraint name, never by text.
 */
const constraints = new Map<string, { field: string; message: string }>()
export function describeConstraint(name: string, field: string, message: string): void {
  constraints.set(name, { field, message })
}

function fromDatabase(err: unknown): AppError | undefined {
  const state = sqlState(err)
  if (!state) return undefined
  const known = state.constraint ? constraints.get(state.constraint) : undefined
  const errors: FieldError[] | undefined = known ? [{ in: 'body', field: known.field, message: known.message }] : undefined
  switch (state.code) {
    case '23505':
      return new AppError('DUPLICATE', known?.message ?? 'a resource with these values already exists', { errors })
    case '23503':
      return new AppError(
        known ? 'REFERENCE_NOT_FOUND' : 'IN_USE',
        known?.message ?? 'the resource is referenced by other resources or references a missing one',
        { errors },
      )
    case '23514':
    case '23502':
    case '22001':
    case '22003':
    case '22007':
    case '22008':
    case '22P02':
      return new AppError('UNPROCESSABLE', known?.message ?? 'a value is out of range or malformed', { errors })
    case '40001':
    case '40P01':
    case '55P03':
    case '57014':
      return new AppError('SERVICE_UNAVAILABLE', 'the request conflicted with concurrent work; retry it', {
        headers: { 'retry-after': '1' },
      })
    case '08000':
    case '08003':
    case '08006':
    case '57P01':
    case '57P03':
      return new AppError('SERVICE_UNAVAILABLE', 'the database is unavailable; retry later', {
        headers: { 'retry-after': '5' },
      })
    default:
      return undefined
  }
}

/** Ajv's errors to field errors: `/weekly/2/end` → `weekly.2.end`. */
function fromValidation(err: FastifyError): AppError {
  const part = (err.validationContext ?? 'body') as string
  const where: FieldError['in'] = part === 'querystring' ? 'query' : (part as FieldError['in'])
  const errors: FieldError[] = (err.validation ?? []).map((v) => {
    const base = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.')
    const params = v.params as Record<string, unknown>
    let field = base
    let message = v.message ?? 'is not valid'
    if (v.keyword === 'required') {
      field = [base, params.missingProperty].filter(Boolean).join('.')
      message = 'is required'
    } else if (v.keyword === 'additionalProperties') {
      field = [base, params.additionalProperty].filter(Boolean).join('.')
      message = 'is not a known field'
    }
    return { in: where, field, message }
  })
  // anyOf reports each branch; keep one line per field and message.
  const seen = new Set<string>()
  const unique = errors.filter((e) => {
    const k = `${e.in}|${e.field}|${e.message}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
  return new AppError(
    'VALIDATION_FAILED',
    unique.map((e) => `${e.field || e.in} ${e.message}`).join('; '),
    { errors: unique },
  )
}

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_TYPE: 'BAD_REQUEST',
  FST_ERR_BAD_URL: 'BAD_REQUEST',
  FST_ERR_ASYNC_CONSTRAINT: 'BAD_REQUEST',
  FST_JWT_NO_AUTHORIZATION_IN_HEADER: 'UNAUTHENTICATED',
}

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err
  const fe = err as FastifyError
  if (fe?.validation) return fromValidation(fe)
  if (fe?.code && fe.code in fastifyCodes) {
    const code = fastifyCodes[fe.code]!
    // JSON parse errors carry a safe, useful message ("Unexpected token } in JSON at position 9").
    const detail = code === 'BAD_REQUEST' && fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'the body is not valid JSON' : ERRORS[code].title
    return new AppError(code, detail)
  }
  if (fe?.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (err instanceof SyntaxError && fe.statusCode === 400)) {
    return new AppError('BAD_REQUEST', 'the body is not valid JSON')
  }
  const db = fromDatabase(err)
  if (db) return db
  // The cause (call, key, S3's status and code) goes to the log with the request id, not to the client.
  if (err instanceof BlobStoreUnavailable) {
    return new AppError('SERVICE_UNAVAILABLE', 'the file store is unavailable; retry later', { headers: { 'retry-after': '5' } })
  }
  // Other Fastify 4xx errors (e.g. a malformed header) are safe to pass on by status only.
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError(fe.statusCode === 404 ? 'NOT_FOUND' : fe.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST')
  }
  return undefined
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  const { errors, headers, ...extra } = err.extra
  if (headers) reply.headers(headers)
  return reply
    .code(err.status)
    .type('application/problem+json')
    .send({
      type: problemType(err.code),
      title: err.title,
      status: err.status,
      detail: err.detail ?? err.title,
      code: err.code,
      instance: request.url.split('?')[0],
      requestId: request.id,
      ...(errors ? { errors } : {}),
      ...extra,
    })
}

export default fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err, request, reply) => {
      const known = toAppError(err)
      if (known) {
        if (known.status >= 500) request.log.warn({ err }, 'request failed: %s', known.code)
        return sendProblem(request, reply, known)
      }
      // Unknown: full details in the log with the request id, nothing in the response.
      request.log.error({ err }, 'unhandled error')
      return sendProblem(request, reply, new AppError('INTERNAL', `an unexpected error occurred; quote request id ${request.id}`))
    })
    app.setNotFoundHandler((request, reply) =>
      sendProblem(request, reply, new AppError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
    )
  },
  { name: 'problem-details' },
)
