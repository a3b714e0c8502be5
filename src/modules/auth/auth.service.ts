import argon2 from 'argon2'
import { AUTH_CHANNEL, FeedCache } from '../../db/change-feed.ts'
import type { Db } from '../../db/client.ts'
import type { Deps } from '../../deps.ts'
import { AppError } from '../../lib/errors.ts'
import { newId } from '../../lib/ids.ts'
import type { Principal, Scope } from '../../lib/principal.ts'
import * as repo from './auth.repo.ts'
import { API_KEY_RE, REFRESH_RE, randomSecret, safeEqualHex, sha256 } from './tokens.ts'

/** argon2id with OWASP's second recommended profile (19 MiB, t=2, p=1): ~25 ms here. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const
export const hashPassword = (password: string) => argon2.hash(password, ARGON2_OPTIONS)

/** Verified against when the account does not exist, so both paths cost one argon2 verify. */
let dummyHash: Promise<string> | undefined
const getDummyHash = () => {
  dummyHash ??= argon2.hash(randomSecret(), ARGON2_OPTIONS)
  return dummyHash
}

export interface AccessClaims {
  sub: string
  typ: 'agent'
  tv: number
}

export interface TokenPair {
  accessToken: string
  tokenType: 'Bearer'
  expiresIn: number
  refreshToken: string
  refreshExpiresAt: string
}

type Signer = (claims: AccessClaims) => string

async function throttle(deps: Deps, keys: Array<{ key: string; max: number }>): Promise<void> {
  const now = deps.clock.now()
  const window = deps.config.LOGIN_WINDOW_SECONDS
  for (const { key, max } of keys) {
    const { count, windowStart } = await repo.countAttempt(deps.db, key, now, window)
    if (count > max) {
      const retryAfter = Math.max(1, Math.ceil((windowStart.getTime() + window * 1000 - now.getTime()) / 1000))
      throw new AppError('TOO_MANY_REQUESTS', 'too many login attempts; try again later', {
        headers: { 'retry-after': String(retryAfter) },
      })
    }
  }
}

async function issuePair(deps: Deps, sign: Signer, agentId: string, tokenVersion: number, familyId: string): Promise<TokenPair> {
  const now = deps.clock.now()
  const id = newId(now.getTime())
  const secret = randomSecret()
  const expiresAt = new Date(now.getTime() + deps.config.REFRESH_TOKEN_TTL_SECONDS * 1000)
  await repo.insertRefreshToken(deps.db, { id, agentId, familyId, tokenHash: sha256(secret), expiresAt, createdAt: now })
  return {
    accessToken: sign({ sub: agentId, typ: 'agent', tv: tokenVersion }),
    tokenType: 'Bearer',
    expiresIn: deps.config.ACCESS_TOKEN_TTL_SECONDS,
    refreshToken: `${id}.${secret}`,
    refreshExpiresAt: expiresAt.toISOString(),
  }
}

/**
 * Email and password → tokens. Throttled per account and per client address; a wrong email
 * and a wrong password get the same answer after the same work (one argon2 verify).
 */
export async function login(deps: Deps, sign: Signer, input: { email: string; password: string; ip: string }): Promise<TokenPair> {
  const email = input.email.trim().toLowerCase()
  await throttle(deps, [
    { key: `ip:${input.ip}`, max: deps.config.LOGIN_MAX_ATTEMPTS_PER_ADDRESS },
    { key: `account:${email}`, max: deps.config.LOGIN_MAX_ATTEMPTS_PER_ACCOUNT },
  ])
  const agent = await repo.findAgentByEmail(deps.db, email)
  const hash = agent?.passwordHash ?? (await getDummyHash())
  let ok = false
  try {
    ok = await argon2.verify(hash, input.password)
  } catch {
    ok = false
  }
  if (!agent || !ok || !agent.active || !agent.passwordHash) {
    throw new AppError('INVALID_CREDENTIALS', 'the email or password is wrong, or the account is disabled')
  }
  await repo.clearAttempts(deps.db, `account:${email}`)
  return issuePair(deps, sign, agent.id, agent.tokenVersion, newId())
}

/**
 * Rotates a refresh token. A token used a second time revokes its whole family: either it
 * leaked, or two clients share it; both must log in again.
 */
export async function refresh(deps: Deps, sign: Signer, token: string): Promise<TokenPair> {
  const m = REFRESH_RE.exec(token)
  const invalid = () => new AppError('INVALID_TOKEN', 'the refresh token is not valid, expired or revoked')
  if (!m) throw invalid()
  const [, id, secret] = m as unknown as [string, string, string]
  const now = deps.clock.now()
  const outcome = await deps.db.transaction(async (tx) => {
    const row = await repo.findRefreshToken(tx, id)
    if (!row || !safeEqualHex(row.tokenHash, sha256(secret))) return { error: invalid() }
    if (row.revokedAt || row.expiresAt <= now) return { error: invalid() }
    if (!(await repo.markRefreshUsed(tx, row.id, now))) {
      await repo.revokeFamily(tx, row.familyId, now)
      return { error: invalid() }
    }
    return { row }
  })
  if ('error' in outcome) throw outcome.error
  const row = outcome.row!
  const agent = await repo.findAgentAuth(deps.db, row.agentId)
  if (!agent?.active) throw invalid()
  return issuePair(deps, sign, agent.id, agent.tokenVersion, row.familyId)
}

/** Revokes the family of a refresh token (log out everywhere this login reached). Unknown tokens are ignored. */
export async function logout(deps: Deps, token: string): Promise<void> {
  const m = REFRESH_RE.exec(token)
  if (!m) return
  const [, id, secret] = m as unknown as [string, string, string]
  await deps.db.transaction(async (tx) => {
    const row = await repo.findRefreshToken(tx, id)
    if (row && safeEqualHex(row.tokenHash, sha256(secret))) await repo.revokeFamily(tx, row.familyId, deps.clock.now())
  })
}

/**
 * What authentication reads on every request (an agent's active flag, role, name and token
 * version; an API key's row), kept per process and database. Triggers on agents and api_keys
 * (migration 0001) notify `deskledger_auth` on every change that matters to access, so every
 * instance drops its copies as soon as the notification arrives; while the listener is down,
 * entries hold for AUTH_FALLBACK_TTL_MS. Without the cache every request would pay a database
 * round trip before any work.
 */
export const AUTH_FALLBACK_TTL_MS = 5_000
const agentAuth = new FeedCache<Awaited<ReturnType<typeof repo.findAgentAuth>>>(AUTH_CHANNEL, { max: 10_000, fallbackTtlMs: AUTH_FALLBACK_TTL_MS })
const apiKeyRows = new FeedCache<Awaited<ReturnType<typeof repo.findApiKeyByPrefix>>>(AUTH_CHANNEL, { max: 10_000, fallbackTtlMs: AUTH_FALLBACK_TTL_MS })
const apiKeyTouched = new Map<string, number>()

/** Called by every change to an agent's access (disable, role, password) so this instance sees it at once. */
export const forgetAgent = (db: Db, id: string) => agentAuth.forget(db, id)
/** Called when a key is revoked so this instance refuses it from the next request. */
export const forgetApiKey = (db: Db, prefix: string) => apiKeyRows.forget(db, prefix)

/**
 * A verified access token's claims → the agent principal, if the agent is still active and the
 * token not superseded. Synchronous when the agent's row is cached, as it is for
 * nearly every request: the caller then needs no promise.
 */
export function principalFromClaims(deps: Deps, claims: Partial<AccessClaims>): Principal | Promise<Principal> {
  if (claims.typ !== 'agent' || typeof claims.sub !== 'string') throw new AppError('INVALID_TOKEN', 'the token is not an access token')
  const sub = claims.sub
  const cached = agentAuth.peek(deps.db, sub)
  if (cached !== undefined) return agentPrincipal(cached, claims)
  return agentAuth.get(deps.db, sub, () => repo.findAgentAuth(deps.db, sub)).then((agent) => agentPrincipal(agent, claims))
}

function agentPrincipal(agent: Awaited<ReturnType<typeof repo.findAgentAuth>>, claims: Partial<AccessClaims>): Principal {
  if (!agent?.active) throw new AppError('INVALID_TOKEN', 'the account is disabled or no longer exists')
  if (agent.tokenVersion !== claims.tv) throw new AppError('INVALID_TOKEN', 'the token was revoked; log in again')
  return { kind: 'agent', id: agent.id, role: agent.role, name: agent.name }
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith('dlk_')
}

export async function principalFromApiKey(deps: Deps, key: string): Promise<Principal> {
  const invalid = new AppError('INVALID_TOKEN', 'the API key is not valid, expired or revoked')
  const m = API_KEY_RE.exec(key)
  if (!m) throw invalid
  const prefix = m[1]!
  const row = await apiKeyRows.get(deps.db, prefix, () => repo.findApiKeyByPrefix(deps.db, prefix))
  const now = deps.clock.now()
  if (!row || !safeEqualHex(row.keyHash, sha256(key)) || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) throw invalid
  // last_used_at is written at most once a minute per key and instance: authentication stays read-only.
  const touched = apiKeyTouched.get(row.id) ?? row.lastUsedAt?.getTime() ?? 0
  if (now.getTime() - touched > 60_000) {
    apiKeyTouched.set(row.id, now.getTime())
    await repo.touchApiKey(deps.db, row.id, now)
  }
  return { kind: 'apiKey', id: row.id, scopes: row.scopes as Scope[], name: row.name }
}
