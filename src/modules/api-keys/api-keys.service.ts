import type { Deps } from '../../deps.ts'
import { invalidField, notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import type { Principal, Scope } from '../../lib/principal.ts'
import { newApiKey, sha256 } from '../auth/tokens.ts'
import { forgetApiKey } from '../auth/auth.service.ts'
import * as repo from './api-keys.repo.ts'
import type { ApiKey, CreateApiKey, CreatedApiKey, ListApiKeysQuery } from './api-keys.schemas.ts'

export function toApiKey(r: repo.ApiKeyRow, now: Date): ApiKey {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes as Scope[],
    active: !r.revokedAt && (!r.expiresAt || r.expiresAt > now),
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt?.toISOString() ?? null,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  }
}

/**
 * Creates a key and returns it whole, this once: only its SHA-256 is stored, so a lost key
 * cannot be shown again, only revoked and replaced.
 */
export async function createApiKey(deps: Deps, actor: Principal, input: CreateApiKey): Promise<CreatedApiKey> {
  const now = deps.clock.now()
  const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt)
  if (expiresAt && expiresAt <= now) throw invalidField('expiresAt', 'must be in the future')
  const { key, prefix } = newApiKey()
  const row = await repo.insertApiKey(deps.db, {
    name: input.name.trim(),
    prefix,
    keyHash: sha256(key),
    scopes: [...new Set(input.scopes)],
    createdBy: actor.kind === 'agent' ? actor.id : null,
    expiresAt,
    createdAt: now,
  })
  return { ...toApiKey(row, now), key }
}

export async function getApiKey(deps: Deps, id: string): Promise<ApiKey> {
  const row = await repo.findApiKey(deps.db, id)
  if (!row) throw notFound('API key', id)
  return toApiKey(row, deps.clock.now())
}

export function listApiKeys(deps: Deps, q: ListApiKeysQuery): Promise<Page<ApiKey>> {
  const now = deps.clock.now()
  return repo.listApiKeys(deps.db, { ...q, limit: q.limit ?? 50 }, now, (r) => toApiKey(r, now))
}

/** A revoked key fails from the next request on this instance, and on others once the notification arrives (auth.service.ts). */
export async function revokeApiKey(deps: Deps, id: string): Promise<void> {
  await repo.revokeApiKey(deps.db, id, deps.clock.now())
  const row = await repo.findApiKey(deps.db, id)
  if (!row) throw notFound('API key', id)
  forgetApiKey(deps.db, row.prefix)
}
