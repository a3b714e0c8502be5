import { hostname } from 'node:os'
import type { Deps } from '../../deps.ts'
import type { Db } from '../../db/client.ts'
import type { outbox } from '../../db/schema/index.ts'
import { newId } from '../../lib/ids.ts'
import * as repo from './outbox.repo.ts'

/**
 * The outbox: deliveries are rows written in the same transaction as the change that causes
 * them (so a rolled-back change sends nothing, and a committed one is never forgotten), then
 * delivered by dispatchers with retries and exponential backoff. Each kind has a handler.
 */
export type DeliveryResult = { ok: true } | { ok: false; permanent: boolean; error: string }
export type DeliveryHandler = (deps: Deps, row: repo.OutboxRow) => Promise<DeliveryResult>

export interface Enqueue {
  /** Chosen by the caller (newId()) when the payload must name its own row, as a signed Message-ID does. */
  id?: string
  kind: string
  payload: Record<string, unknown>
  dedupeKey?: string
  subject?: string
}

/** Writes deliveries with the caller's handle: pass the transaction of the change that causes them. */
export async function enqueue(db: Db, items: Enqueue[], now: Date): Promise<number> {
  if (!items.length) return 0
  const rows = await repo.insertOutbox(db, outboxRows(items, now))
  return rows.length
}

/** Rows for `items`, ids given here (a compiled insert would otherwise repeat the column's default). */
export const outboxRows = (items: Enqueue[], now: Date): Array<typeof outbox.$inferInsert> => items.map((i) => ({ id: newId(), ...i, createdAt: now, availableAt: now }))

/** 30 s, 1 min, 2 min … capped at 6 h: a relay that is down for a day is retried a dozen times, not thousands. */
export function backoffSeconds(attempt: number): number {
  return Math.min(30 * 2 ** Math.max(0, attempt - 1), 6 * 3600)
}

export const LEASE_SECONDS = 120
export const defaultInstanceId = () => `${hostname()}:${process.pid}`

export interface DispatchSummary {
  claimed: number
  sent: number
  retried: number
  failed: number
}

/** One dispatch round: claim a batch, deliver each row, record each outcome. */
export async function dispatchOnce(
  deps: Deps,
  handlers: Record<string, DeliveryHandler>,
  opts: { instanceId: string; batchSize?: number; maxAttempts?: number },
): Promise<DispatchSummary> {
  const now = deps.clock.now()
  const batch = opts.batchSize ?? deps.config.OUTBOX_BATCH_SIZE
  const maxAttempts = opts.maxAttempts ?? deps.config.OUTBOX_MAX_ATTEMPTS
  const rows = await repo.claimDue(deps.db, now, LEASE_SECONDS, batch, opts.instanceId)
  const summary: DispatchSummary = { claimed: rows.length, sent: 0, retried: 0, failed: 0 }
  for (const row of rows) {
    const handler = handlers[row.kind]
    let result: DeliveryResult
    try {
      result = handler ? await handler(deps, row) : { ok: false, permanent: true, error: `no handler for outbox kind ${row.kind}` }
    } catch (e) {
      result = { ok: false, permanent: false, error: (e as Error).message }
    }
    const done = deps.clock.now()
    if (result.ok) {
      await repo.markSent(deps.db, row.id, opts.instanceId, done)
      summary.sent++
    } else if (result.permanent || row.attempts >= maxAttempts) {
      await repo.markFailed(deps.db, row.id, opts.instanceId, result.error.slice(0, 1000))
      deps.log.warn({ outboxId: row.id, kind: row.kind, attempts: row.attempts, error: result.error }, 'delivery failed for good')
      summary.failed++
    } else {
      const at = new Date(done.getTime() + backoffSeconds(row.attempts) * 1000)
      await repo.markRetry(deps.db, row.id, opts.instanceId, at, result.error.slice(0, 1000))
      deps.log.info({ outboxId: row.id, kind: row.kind, attempts: row.attempts, retryAt: at, error: result.error }, 'delivery will be retried')
      summary.retried++
    }
  }
  return summary
}

/**
 * Runs dispatch rounds continuously in a service instance: immediately again while batches
 * come back full, otherwise after the poll interval. `stop()` waits for the round in flight.
 */
export function startDispatcher(deps: Deps, handlers: Record<string, DeliveryHandler>, instanceId = defaultInstanceId()) {
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  const round = async () => {
    timer = undefined
    if (stopped) return
    let full = false
    try {
      const s = await dispatchOnce(deps, handlers, { instanceId })
      full = s.claimed >= deps.config.OUTBOX_BATCH_SIZE
    } catch (err) {
      deps.log.error({ err }, 'outbox dispatch round failed')
    }
    if (!stopped) timer = setTimeout(tick, full ? 0 : deps.config.OUTBOX_POLL_MS)
  }
  const tick = () => {
    running = round()
  }
  tick()
  return {
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await running
    },
  }
}
