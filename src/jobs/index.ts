import { runAutoClose } from '../modules/automation/auto-close.service.ts'
import { scanSla } from '../modules/automation/sla-scan.service.ts'
import { runUnassignedAlerts } from '../modules/automation/unassigned-alerts.service.ts'
import { runEscalations } from '../modules/escalations/escalations.service.ts'
import { runRecurringTickets } from '../modules/recurring-tickets/recurring-tickets.service.ts'
import { purgeIdempotencyKeys, purgeInboundMail, purgeLoginAttempts, purgeMailSenderCounters, purgeOldJobRuns, purgeRefreshTokens } from './purge.ts'
import type { Job } from './scheduler.ts'

/**
 * Every scheduled job. Cron expressions are read in DEFAULT_TIME_ZONE; daily jobs run at
 * 05:xx, clear of the 00:00–04:00 hours where DST changes skip or repeat a time. Minutes
 * are staggered so jobs do not all start together.
 *
 * Switching off: `SCHEDULER_ENABLED=false` stops every job on an instance (another instance
 * still runs them); `SCHEDULER_DISABLED_JOBS=a,b` stops the named ones on an instance.
 */
export const JOBS: readonly Job[] = [
  /**
   * Every minute. Records `sla.warning` / `sla.breached` events (and their notifications) for
   * tickets whose `next_sla_event_at` has come, found through its partial index. A second run is
   * harmless: each warning and breach is a conditional update of `warned_for_due_at` /
   * `breached_for_due_at` to the clock's due instant (once per due instant), tickets are taken
   * with FOR UPDATE SKIP LOCKED, and notifications carry a dedupe key. Off: list `sla-scan` in
   * SCHEDULER_DISABLED_JOBS (warnings then wait; the next enabled run records them, late).
   */
  { name: 'sla-scan', cron: '* * * * *', timeoutSeconds: 50, run: scanSla },
  /**
   * Every minute. Applies the active escalation rules, in level order, to the open tickets whose
   * trigger instant has come. A second run is harmless: each (rule, ticket, trigger instant) is
   * inserted once into `escalations` (unique key) before anything moves, under the ticket's row
   * lock. Off: SCHEDULER_DISABLED_JOBS=escalations, or deactivate single rules.
   */
  { name: 'escalations', cron: '* * * * *', timeoutSeconds: 50, run: runEscalations },
  /**
   * Every minute. Alerts the queue's team and the managers about tickets nobody has taken within the
   * queue's `unassignedAlertMinutes`, repeated every `unassignedRepeatMinutes` until assigned. A second
   * run is harmless: each (ticket, alert n) is claimed once in `unassigned_alerts` (unique key) under
   * the ticket's row lock. Off: SCHEDULER_DISABLED_JOBS=unassigned-alerts, or clear the queue's setting.
   */
  { name: 'unassigned-alerts', cron: '* * * * *', timeoutSeconds: 50, run: runUnassignedAlerts },
  /**
   * Every minute. Creates a ticket per due occurrence of each active recurring-ticket template
   * (oldest 50 per template and run under catch-up 'each', the latest only under 'latest'). A
   * second run is harmless: each (template, occurrence) is claimed in `recurring_ticket_runs`
   * (unique key) in the transaction that creates its ticket and moves `lastProcessedAt`. Off:
   * SCHEDULER_DISABLED_JOBS=recurring-tickets (occurrences then wait and follow the catch-up policy).
   */
  { name: 'recurring-tickets', cron: '* * * * *', timeoutSeconds: 50, run: runRecurringTickets },
  /**
   * Hourly at :47. Closes resolved tickets after the queue's `autoCloseResolvedAfterDays` without a
   * customer message, through the ticket PATCH path, and tells the customer (`ticket.auto_closed`).
   * A second run is harmless: each ticket is re-checked under its row lock, and a closed ticket no
   * longer matches. Off: SCHEDULER_DISABLED_JOBS=auto-close, or clear the queue's setting.
   */
  { name: 'auto-close', cron: '47 * * * *', timeoutSeconds: 300, run: runAutoClose },
  /**
   * Hourly at :07. Deletes Idempotency-Key records older than 24 hours (the retention of
   * a key). A second run finds nothing older left to delete.
   */
  { name: 'purge-idempotency-keys', cron: '7 * * * *', timeoutSeconds: 300, run: purgeIdempotencyKeys },
  /**
   * Hourly at :17. Deletes login throttling windows older than LOGIN_WINDOW_SECONDS, which
   * no longer count. A second run finds nothing older left to delete.
   */
  { name: 'purge-login-attempts', cron: '17 * * * *', timeoutSeconds: 300, run: purgeLoginAttempts },
  /**
   * Hourly at :47. Deletes mail sender counters (AUTO_MAIL_CAP_PER_HOUR) of past hours. A
   * second run finds nothing older left to delete.
   */
  { name: 'purge-mail-sender-counters', cron: '47 * * * *', timeoutSeconds: 300, run: purgeMailSenderCounters },
  /**
   * Daily at 05:27. Deletes refresh tokens expired or revoked more than 30 days ago. A
   * second run finds nothing older left to delete.
   */
  { name: 'purge-refresh-tokens', cron: '27 5 * * *', timeoutSeconds: 300, run: purgeRefreshTokens },
  /**
   * Daily at 05:37. Deletes job runs whose tick is more than 30 days old, keeping each
   * job's latest run. A second run finds nothing older left to delete.
   */
  { name: 'purge-job-runs', cron: '37 5 * * *', timeoutSeconds: 300, run: purgeOldJobRuns },
  /**
   * Daily at 05:47. Deletes inbound mail older than INBOUND_MAIL_RETENTION_DAYS (90) that belongs
   * to no ticket and awaits no review, and raw blobs left unreferenced, in batches of 1000. Mail on
   * a ticket and pending quarantine are kept. A second run finds nothing older left to delete.
   */
  { name: 'purge-inbound-mail', cron: '47 5 * * *', timeoutSeconds: 600, run: purgeInboundMail },
]
