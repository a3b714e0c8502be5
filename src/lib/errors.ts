/**
 * The one error vocabulary. Services throw `AppError`s with a code from this catalogue;
 * the problem-details plugin renders them as RFC 9457 `application/problem+json`.
 * Services never import Fastify, so SMTP intake and jobs can throw the same errors.
 */
export interface FieldError {
  /** Where the value came from: body, query, params or headers. */
  in: 'body' | 'query' | 'params' | 'headers'
  /** Dotted path of the field, e.g. `weekly.2.end`; empty for the whole part. */
  field: string
  message: string
}

export const ERRORS = {
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  BAD_REQUEST: { status: 400, title: 'Bad request' },
  INVALID_CURSOR: { status: 400, title: 'The cursor is not valid' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication is required' },
  INVALID_CREDENTIALS: { status: 401, title: 'The email or password is wrong' },
  INVALID_TOKEN: { status: 401, title: 'The token is not valid' },
  FORBIDDEN: { status: 403, title: 'Not allowed' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  CONFLICT: { status: 409, title: 'Conflict' },
  DUPLICATE: { status: 409, title: 'Already exists' },
  IN_USE: { status: 409, title: 'Still referenced' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, title: 'A request with this Idempotency-Key is still being processed' },
  ALREADY_BOOTSTRAPPED: { status: 409, title: 'The first admin already exists' },
  PRECONDITION_FAILED: { status: 412, title: 'The resource has changed' },
  PRECONDITION_REQUIRED: { status: 428, title: 'If-Match is required' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'The Idempotency-Key was used with another request' },
  UNPROCESSABLE: { status: 422, title: 'The request cannot be processed' },
  INTAKE_REFUSED: { status: 422, title: 'The request cannot become a ticket' },
  REFERENCE_NOT_FOUND: { status: 422, title: 'A referenced resource does not exist' },
  TOO_MANY_REQUESTS: { status: 429, title: 'Too many requests' },
  INTERNAL: { status: 500, title: 'Internal server error' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>

export type ErrorCode = keyof typeof ERRORS

export class AppError extends Error {
  readonly status: number
  readonly title: string
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(detail ?? ERRORS[code].title)
    this.name = 'AppError'
    this.status = ERRORS[code].status
    this.title = ERRORS[code].title
  }
}

export const notFound = (what: string, id?: string) =>
  new AppError('NOT_FOUND', id ? `${what} ${id} does not exist` : `${what} does not exist`)

export const invalid = (errors: FieldError[], detail?: string) =>
  new AppError('VALIDATION_FAILED', detail ?? errors.map((e) => `${e.field || e.in}: ${e.message}`).join('; '), { errors })

/** Builds a single body-field error, the common case in services. */
export const invalidField = (field: string, message: string) => invalid([{ in: 'body', field, message }])

/** `snake_case` error codes become URL-safe problem type slugs. */
export const problemType = (code: string) => `/problems/${code.toLowerCase().replace(/_/g, '-')}`

/** The SQLSTATE of a database error, wherever the driver or drizzle wrapped it. */
export function sqlState(err: unknown): { code: string; constraint?: string } | undefined {
  let e: unknown = err
  for (let depth = 0; e && depth < 5; depth++) {
    const c = (e as { code?: unknown }).code
    if (typeof c === 'string' && /^[0-9A-Z]{5}$/.test(c)) {
      return { code: c, constraint: (e as { constraint?: string }).constraint }
    }
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}
