import { type Logger as CronLogger, createTask, type ScheduledTask } from 'node-cron'

/**
 * Tick arithmetic on node-cron's own matcher, so "when does this job run" has one answer
 * for the timers and for catch-up. The public API only offers `match(date)` (one instant,
 * ~40 µs: a month of minutes would take seconds) and `getNextRuns` from the wall clock, so
 * we use the task's matcher (`getNextMatch(after)`: the first instant strictly after). It is
 * an internal of the pinned node-cron 4.6; `cronTicks` fails loudly if an upgrade moves it.
 */
interface Matcher {
  getNextMatch(after: Date): Date
}

export interface CronTicks {
  task: ScheduledTask
  /** The latest tick at or before `at`, or null when none falls within the last 400 days. */
  latest(at: Date): Date | null
  /** How many ticks lie strictly between `from` and `to` (stops counting at `cap`). */
  between(from: Date, to: Date, cap?: number): number
}

const MINUTE = 60_000
const MAX_LOOKBACK = 400 * 24 * 60 * MINUTE

export function cronTicks(
  expression: string,
  fn: (tick: Date) => unknown,
  options: { name: string; timezone: string; logger?: CronLogger },
): CronTicks {
  if (expression.trim().split(/\s+/).length !== 5) {
    throw new Error(`job ${options.name}: use a five-field cron expression (minute precision), got "${expression}"`)
  }
  const task = createTask(expression, (ctx) => fn(ctx.date), { ...options, noOverlap: true })
  const matcher = (task as unknown as { timeMatcher?: Matcher }).timeMatcher
  if (typeof matcher?.getNextMatch !== 'function') {
    throw new Error('node-cron no longer exposes its time matcher: re-check src/jobs/cron.ts against the installed version')
  }
  const next = (after: Date) => matcher.getNextMatch(after)
  return {
    task,
    latest(at) {
      // Widen the window backwards until it holds a tick, then walk forward to the last one ≤ at.
      for (let lookback = MINUTE; ; lookback = Math.min(lookback * 2, MAX_LOOKBACK)) {
        let found = next(new Date(at.getTime() - lookback))
        if (found.getTime() <= at.getTime()) {
          for (let n = next(found); n.getTime() <= at.getTime(); n = next(n)) found = n
          return found
        }
        if (lookback === MAX_LOOKBACK) return null
      }
    },
    between(from, to, cap = 10_000) {
      let count = 0
      for (let n = next(from); n.getTime() < to.getTime() && count < cap; n = next(n)) count++
      return count
    },
  }
}
