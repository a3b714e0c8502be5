import { type Static, type TObject, type TProperties, type TSchema, type TUnsafe, Type } from 'typebox'
import { DEFAULT_LIMIT, MAX_LIMIT } from './pagination.ts'

/** Shared TypeBox primitives, so every route says "a uuid", "an email" or "a time zone" the same way. */
export const Uuid = (o: object = {}) => Type.String({ format: 'uuid', ...o })
export const Email = (o: object = {}) => Type.String({ format: 'email', maxLength: 254, ...o })
export const TimeZone = (o: object = {}) =>
  Type.String({ format: 'iana-time-zone', minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Sofia', ...o })
export const Locale = (o: object = {}) =>
  Type.String({ pattern: '^[a-z]{2,3}(-[A-Z]{2})?$', description: 'BCP 47 language tag, e.g. bg or en-GB', ...o })
export const DateTime = (o: object = {}) => Type.String({ format: 'date-time', ...o })
export const Name = (o: object = {}) => Type.String({ minLength: 1, maxLength: 200, ...o })
export const ShortText = (o: object = {}) => Type.String({ maxLength: 200, ...o })
export const LongText = (o: object = {}) => Type.String({ maxLength: 10_000, ...o })
const SCALAR_TYPES = new Set(['string', 'integer', 'number', 'boolean'])
/**
 * A value or null. A scalar becomes `type: [t, 'null']` rather than `anyOf`: the same JSON Schema
 * (OpenAPI 3.1), but fast-json-stringify serialises `anyOf` by running a validator, formats
 * included, on every value, which was most of the cost of serialising a page of 50 tickets
 * (bench/tickets-list.ts). Objects, arrays and enums (whose `enum` would refuse null) keep `anyOf`.
 */
export const Nullable = <T extends TSchema>(s: T): TUnsafe<Static<T> | null> => {
  const { type, enum: values, const: value } = s as { type?: unknown; enum?: unknown; const?: unknown }
  const scalar = typeof type === 'string' && SCALAR_TYPES.has(type) && values === undefined && value === undefined
  return Type.Unsafe<Static<T> | null>(scalar ? { ...s, type: [type, 'null'] } : Type.Union([s, Type.Null()]))
}
export const Tag = (o: object = {}) => Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\s,]+( [^\\s,]+)*$', ...o })

/** A request body object that rejects unknown fields (mass assignment) with a 400. */
export const Body = <P extends TProperties>(props: P, o: object = {}) => Type.Object(props, { additionalProperties: false, ...o })

/** A PATCH body: every field optional, unknown fields still rejected, at least one field. */
export const PatchBody = <P extends TProperties>(obj: TObject<P>) =>
  Type.Partial(Type.Object(withoutDefaults(obj.properties)), { additionalProperties: false, minProperties: 1 })

/**
 * A default in a PATCH schema would be filled in by the validator (useDefaults) and silently
 * overwrite the stored value of every field the client did not send: defaults belong to creation.
 */
function withoutDefaults<P extends TProperties>(props: P): P {
  const out = {} as Record<string, unknown>
  for (const [k, v] of Object.entries(props)) {
    const copy = { ...(v as object) } as Record<string | symbol, unknown>
    delete copy.default
    out[k] = copy
  }
  return out as P
}

export const IdParams = Type.Object({ id: Uuid() }, { additionalProperties: false })

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'opaque cursor from a previous page' })),
}

export const ListOf = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })

export const FieldErrorSchema = Type.Object({
  in: Type.String(),
  field: Type.String(),
  message: Type.String(),
})

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(FieldErrorSchema)),
  },
  { description: 'RFC 9457 problem details', additionalProperties: true },
)

/** A closed set of strings, shown as an `enum` in OpenAPI. */
export const StringEnum = <const T extends readonly string[]>(values: T, o: object = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...o })
