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
export interface DeliveryHandler {
  (deps: Deps, row: repo.OutboxRow): Promise<DeliveryResult>
  /**
   * A round's rows of this kind at once, one result per row in their order: a handler whose work is
   * mostly reads and writes (the notification fan-out) does them in one statement for all of them.
   * Throwing retries them all.
   */
  batch?: (deps: Deps, rows: repo.OutboxRow[]) => Promise<DeliveryResult[]>
}

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

/**
 * Deliveries recorded as sent are written together at the end of the round (one statement, not one
 * per row). Once a quarter of the lease has gone by since the claim, they are written before each
 * further delivery: a row whose lease runs out before its outcome is written may be claimed and sent
 * again by another dispatcher, and a delivery can hang for as long as the relay lets it.
 */
const SENT_FLUSH_MS = (LEASE_SECONDS * 1000) / 4

/** Results of the handlers that take a round's rows at once (DeliveryHandler.batch), by row id. */
async function deliverBatches(deps: Deps, handlers: Record<string, DeliveryHandler>, rows: repo.OutboxRow[]): Promise<Map<string, DeliveryResult>> {
  const results = new Map<string, DeliveryResult>()
  const byKind = new Map<string, repo.OutboxRow[]>()
  for (const row of rows) if (handlers[row.kind]?.batch) byKind.set(row.kind, [...(byKind.get(row.kind) ?? []), row])
  for (const [kind, list] of byKind) {
    let out: DeliveryResult[]
    try {
      out = await handlers[kind]!.batch!(deps, list)
      if (out.length !== list.length) throw new Error(`the ${kind} handler answered ${out.length} of ${list.length} rows`)
    } catch (e) {
      out = list.map(() => ({ ok: false, permanent: false, error: (e as Error).message }))
    }
    for (const [i, row] of list.entries()) results.set(row.id, out[i]!)
  }
  return results
}

/** One dispatch round: claim a batch, deliver each row, record the outcomes. */
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
  const sent: string[] = []
  const flush = async () => {
    if (sent.length) await repo.markSent(deps.db, sent.splice(0), opts.instanceId, deps.clock.now())
  }
  const batched = await deliverBatches(deps, handlers, rows)
  for (const row of rows) {
    // Past the threshold, what was delivered is recorded before a delivery that may hang.
    if (deps.clock.now().getTime() - now.getTime() > SENT_FLUSH_MS) await flush()
    const handler = handlers[row.kind]
    let result = batched.get(row.id)
    if (!result) {
      try {
        result = handler ? await handler(deps, row) : { ok: false, permanent: true, error: `no handler for outbox kind ${row.kind}` }
      } catch (e) {
        result = { ok: false, permanent: false, error: (e as Error).message }
      }
    }
    const done = deps.clock.now()
    if (result.ok) {
      sent.push(row.id)
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
  await flush()
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
