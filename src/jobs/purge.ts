import { and, isNotNull, lt, lte, or } from 'drizzle-orm'
import { deleteCounted } from '../db/crud.ts'
import { idempotencyKeys, loginAttempts, mailSenderCounters, refreshTokens } from '../db/schema/index.ts'
import type { Deps } from '../deps.ts'
import { blobStoreFor } from '../modules/blobs/blob-store.ts'
import { purgeJobRuns } from '../modules/jobs/jobs.repo.ts'
import { purgeInbound } from '../modules/mail/inbound.repo.ts'
import type { JobSummary } from './scheduler.ts'

const DAY = 86_400_000
const ago = (now: Date, ms: number) => new Date(now.getTime() - ms)

/** Idempotency keys are honoured for 24 hours; a retry after that is a new request. */
export const IDEMPOTENCY_RETENTION_MS = DAY
/** Refresh tokens stay 30 days past expiry or revocation, for reuse detection and audits. */
export const REFRESH_TOKEN_RETENTION_MS = 30 * DAY
/** Job runs are kept 30 days (plus each job's latest, which anchors the catch-up count). */
export const JOB_RUN_RETENTION_MS = 30 * DAY

export async function purgeIdempotencyKeys(deps: Deps, now: Date): Promise<JobSummary> {
  return { deleted: await deleteCounted(deps.db, idempotencyKeys, lt(idempotencyKeys.createdAt, ago(now, IDEMPOTENCY_RETENTION_MS))) }
}

/** A window that started a full window ago is over: `countAttempt` would restart it at 1 anyway. */
export async function purgeLoginAttempts(deps: Deps, now: Date): Promise<JobSummary> {
  const cutoff = ago(now, deps.config.LOGIN_WINDOW_SECONDS * 1000)
  return { deleted: await deleteCounted(deps.db, loginAttempts, lte(loginAttempts.windowStart, cutoff)) }
}

export async function purgeRefreshTokens(deps: Deps, now: Date): Promise<JobSummary> {
  const cutoff = ago(now, REFRESH_TOKEN_RETENTION_MS)
  const where = or(lt(refreshTokens.expiresAt, cutoff), and(isNotNull(refreshTokens.revokedAt), lt(refreshTokens.revokedAt, cutoff)))
  return { deleted: await deleteCounted(deps.db, refreshTokens, where) }
}

export async function purgeOldJobRuns(deps: Deps, now: Date): Promise<JobSummary> {
  return { deleted: await purgeJobRuns(deps.db, ago(now, JOB_RUN_RETENTION_MS)) }
}

/** Sender counters count per hour: a window that started an hour ago no longer counts. */
export async function purgeMailSenderCounters(deps: Deps, now: Date): Promise<JobSummary> {
  return { deleted: await deleteCounted(deps.db, mailSenderCounters, lte(mailSenderCounters.windowStart, ago(now, 3_600_000))) }
}

const INBOUND_PURGE_BATCH = 1000

/**
 * Inbound mail that belongs to no ticket and awaits no review goes after INBOUND_MAIL_RETENTION_DAYS,
 * with its raw bytes once nothing else points at them. Mail on a ticket (it created the ticket, was
 * appended, or is a bounce noted there) is that ticket's record and stays, byte for byte; pending
 * quarantine is never dropped unseen (DESIGN: kept, reviewable, never silently dropped).
 */
export async function purgeInboundMail(deps: Deps, now: Date): Promise<JobSummary> {
  const cutoff = ago(now, deps.config.INBOUND_MAIL_RETENTION_DAYS * DAY)
  const store = blobStoreFor(deps.config)
  let deleted = 0
  let blobs = 0
  for (;;) {
    const batch = await purgeInbound(deps.db, cutoff, INBOUND_PURGE_BATCH)
    deleted += batch.rows
    blobs += batch.blobs.length
    await store.discard(deps.db, batch.blobs)
    if (batch.rows < INBOUND_PURGE_BATCH) return { deleted, blobs }
  }
}
