import { type Static, Type } from 'typebox'
import { SCOPES } from '../../lib/principal.ts'
import { Body, DateTime, ListOf, Name, Nullable, PageQuery, StringEnum, Uuid } from '../../lib/schemas.ts'

export const ScopeSchema = StringEnum(SCOPES)

/** An API key as listed: never the key or its hash, only the public prefix that identifies it. */
export const ApiKey = Type.Object({
  id: Uuid(),
  name: Type.String(),
  prefix: Type.String({ description: 'the public part of the key (`dlk_<prefix>_…`), to recognise it' }),
  scopes: Type.Array(ScopeSchema),
  active: Type.Boolean({ description: 'neither revoked nor expired' }),
  createdBy: Nullable(Uuid()),
  createdAt: DateTime(),
  expiresAt: Nullable(DateTime()),
  lastUsedAt: Nullable(DateTime({ description: 'updated at most once a minute' })),
  revokedAt: Nullable(DateTime()),
})
export type ApiKey = Static<typeof ApiKey>

export const CreatedApiKey = Type.Object({
  ...ApiKey.properties,
  key: Type.String({ description: 'the whole key, shown this once only: store it now' }),
})
export type CreatedApiKey = Static<typeof CreatedApiKey>

export const CreateApiKey = Body({
  name: Name(),
  scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: SCOPES.length, uniqueItems: true }),
  expiresAt: Type.Optional(DateTime({ description: 'when the key stops working; must be in the future' })),
})
export type CreateApiKey = Static<typeof CreateApiKey>

export const ListApiKeysQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of the name or prefix' })),
    active: Type.Optional(Type.Boolean({ description: 'true: neither revoked nor expired; false: revoked or expired' })),
  },
  { additionalProperties: false },
)
export type ListApiKeysQuery = Static<typeof ListApiKeysQuery>
export const ApiKeyList = ListOf(ApiKey)
