import type { Logger as CronLogger } from 'node-cron'
import type { Deps } from '../deps.ts'
import { claimTick, finishRun } from '../modules/jobs/jobs.repo.ts'
import { type CronTicks, cronTicks } from './cron.ts'

/** What a job reports: counts only, stored as the run's `summary`. */
export type JobSummary = Record<string, number>

/**
 * A scheduled job: a plain function of the dependencies and the tick it runs for. It must
 * be idempotent and handle everything due up to `now`, so that one run also covers ticks
 * missed while no instance was up, and a takeover after a crash repeats nothing harmful.
 */
export interface Job {
  name: string
  /** Five-field cron expression, read in the installation's DEFAULT_TIME_ZONE. */
  cron: string
  /** How long one run may reasonably take; a claim is leased for twice this. */
  timeoutSeconds: number
  run(deps: Deps, now: Date): Promise<JobSummary>
}

export type RunResult = { job: string; tick: string | null } & (
  | { outcome: 'ok'; runId: string; attempt: number; caughtUp: number; summary: JobSummary }
  | { outcome: 'failed'; runId: string | null; error: string }
  /**
   * Nothing was done and nothing recorded: the tick is claimed by a live or finished run
   * (`claimed`), another instance is claiming it this instant (`locked`), the scheduler is
   * stopping, or the job has no tick yet.
   */
  | { outcome: 'skipped'; reason: 'claimed' | 'locked' | 'stopping' | 'noTick' }
)

export interface Scheduler {
  /** Starts the cron timers of the enabled jobs. */
  start(): void
  /** Stops the timers, waits for runs in progress, and removes the tasks (final: no restart). */
  stop(): Promise<void>
  /** Runs every enabled job for its latest tick at or before `now` (tests, manual runs). */
  runDue(now?: Date): Promise<RunResult[]>
  /** Runs one job (enabled or not) for its latest tick at or before `now`. */
  runJob(name: string, now?: Date): Promise<RunResult>
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 2000)

/**
 * Maps cron expressions to jobs; each tick runs once across every instance (see
 * `claimTick`). Jobs run independently: one failing is logged and recorded, and is tried
 * again at its next tick, while the others carry on.
 */
export function createScheduler(
  deps: Deps,
  jobs: readonly Job[],
  opts: { instanceId: string; disabled?: readonly string[] },
): Scheduler {
  const log = deps.log.child({ component: 'scheduler', instanceId: opts.instanceId })
  const names = new Set(jobs.map((j) => j.name))
  if (names.size !== jobs.length) throw new Error('scheduler: two jobs share a name')
  const disabled = new Set(opts.disabled ?? [])
  for (const name of disabled) {
    if (!names.has(name)) throw new Error(`SCHEDULER_DISABLED_JOBS: unknown job "${name}" (known: ${[...names].join(', ')})`)
  }
  const cronLog: CronLogger = {
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    error: (m, err) => log.error({ err: err ?? m }, typeof m === 'string' ? m : 'node-cron error'),
    debug: (m, err) => log.debug({ err }, typeof m === 'string' ? m : m.message),
  }

  const running = new Set<Promise<RunResult>>()
  let stopping = false

  const entries = new Map<string, { job: Job; ticks: CronTicks }>()
  for (const job of jobs) {
    const ticks = cronTicks(job.cron, (tick) => runAt(job.name, tick), {
      name: job.name,
      timezone: deps.config.DEFAULT_TIME_ZONE,
      logger: cronLog,
    })
    entries.set(job.name, { job, ticks })
  }

  function runAt(name: string, at: Date): Promise<RunResult> {
    const entry = entries.get(name)
    if (!entry) throw new Error(`scheduler: no job named "${name}"`)
    const tick = entry.ticks.latest(at)
    if (!tick) return Promise.resolve({ job: name, tick: null, outcome: 'skipped', reason: 'noTick' })
    if (stopping) return Promise.resolve({ job: name, tick: tick.toISOString(), outcome: 'skipped', reason: 'stopping' })
    const p = execute(entry.job, entry.ticks, tick)
    running.add(p)
    void p.finally(() => running.delete(p))
    return p
  }

  async function execute(job: Job, ticks: CronTicks, tick: Date): Promise<RunResult> {
    const base = { job: job.name, tick: tick.toISOString() }
    const jobLog = log.child({ job: job.name, tick: base.tick })
    let claim: Awaited<ReturnType<typeof claimTick>>
    try {
      claim = await claimTick(deps.db, {
        job: job.name,
        tick,
        instanceId: opts.instanceId,
        now: deps.clock.now(),
        leaseSeconds: 2 * job.timeoutSeconds,
        missedSince: (previous) => ticks.between(previous, tick),
      })
    } catch (err) {
      jobLog.error({ err }, 'could not claim the tick; the next tick catches up')
      return { ...base, outcome: 'failed', runId: null, error: errorText(err) }
    }
    if (!claim.claimed) return { ...base, outcome: 'skipped', reason: claim.reason }
    const run = claim.row
    if (run.takenOverFrom) jobLog.warn({ from: run.takenOverFrom, attempt: run.attempt }, 'took over a claim whose lease ran out')
    if (run.caughtUp > 0) jobLog.info({ caughtUp: run.caughtUp }, 'catching up missed ticks')

    const started = performance.now()
    let result: RunResult
    try {
      const summary = await job.run(deps, tick)
      result = { ...base, outcome: 'ok', runId: run.id, attempt: run.attempt, caughtUp: run.caughtUp, summary }
    } catch (err) {
      jobLog.error({ err }, 'job failed; it runs again at its next tick')
      result = { ...base, outcome: 'failed', runId: run.id, error: errorText(err) }
    }
    const ms = Math.round(performance.now() - started)
    if (ms > job.timeoutSeconds * 1000) jobLog.warn({ ms, timeoutSeconds: job.timeoutSeconds }, 'job ran past its timeout; another instance may have taken it over')
    try {
      const kept = await finishRun(deps.db, run, {
        outcome: result.outcome === 'ok' ? 'ok' : 'failed',
        finishedAt: deps.clock.now(),
        summary: result.outcome === 'ok' ? result.summary : null,
        error: result.outcome === 'failed' ? result.error : null,
      })
      if (!kept) jobLog.warn('the run was taken over before it finished; its successor records the outcome')
    } catch (err) {
      jobLog.error({ err }, 'could not record the end of the run; another instance takes it over after the lease')
    }
    if (result.outcome === 'ok') jobLog.info({ summary: result.summary, ms }, 'job finished')
    return result
  }

  return {
    start() {
      for (const { job, ticks } of entries.values()) if (!disabled.has(job.name)) void ticks.task.start()
      log.info({ jobs: [...names].filter((n) => !disabled.has(n)), disabled: [...disabled] }, 'scheduler started')
    },
    async stop() {
      stopping = true
      for (const { ticks } of entries.values()) await ticks.task.stop()
      await Promise.allSettled([...running])
      for (const { ticks } of entries.values()) await ticks.task.destroy()
      log.info('scheduler stopped')
    },
    async runDue(now = deps.clock.now()) {
      // One after another: on PGlite every transaction holds the single connection anyway.
      const results: RunResult[] = []
      for (const name of entries.keys()) if (!disabled.has(name)) results.push(await runAt(name, now))
      return results
    },
    runJob: async (name, now = deps.clock.now()) => runAt(name, now),
  }
}
