/**
 * A scheduler instance in its own process, running the real job registry (src/jobs/index.ts),
 * for the multi-instance test. Argument (JSON): { url, instanceId }. It prints {"ready":true}
 * once loaded (starting takes seconds, so the test starts it once and reuses it), then reads
 * commands from stdin, one JSON line each, and runs them one at a time:
 *
 *   { id, ticks: ISO[], timeoutSeconds?, hold? }
 *
 * runs `runDue` for each tick in order, printing each result as {"cmd":id,…} and then
 * {"done":id}. `timeoutSeconds` overrides every job's timeout (so a claim's lease is short
 * enough to outwait). `hold` names a job whose first transaction, once its work is done, prints
 * {"holding":job,"tick":…} and never commits: the process is then killed in the middle of a tick,
 * with the job's row locks held and its writes uncommitted.
 */
import { createInterface } from 'node:readline'
import { loadConfig } from '../../src/config.ts'
import { type Db, openPostgres } from '../../src/db/client.ts'
import type { Deps } from '../../src/deps.ts'
import { JOBS } from '../../src/jobs/index.ts'
import { createScheduler, type Job } from '../../src/jobs/scheduler.ts'
import { systemClock } from '../../src/lib/clock.ts'
import { createLogger } from '../../src/logger.ts'

interface Command {
  id: number
  ticks: string[]
  timeoutSeconds?: number
  hold?: string
}

const args = JSON.parse(process.argv[2] ?? '{}') as { url: string; instanceId: string }
const database = openPostgres(args.url, 4)
const deps: Deps = { db: database.db, config: { ...loadConfig({ LOG_LEVEL: 'silent' }), jwtSecrets: [] }, clock: systemClock, log: createLogger('silent') }
const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`)

/** The database handle as the held job sees it: its first transaction stays open forever. */
function holding(db: Db, job: string, tick: Date): Db {
  let held = false
  const transaction: Db['transaction'] = (fn, config) =>
    db.transaction(async (tx) => {
      const result = await fn(tx)
      if (!held) {
        held = true
        print({ holding: job, tick: tick.toISOString() })
        await new Promise(() => {})
      }
      return result
    }, config)
  return new Proxy(db, { get: (target, key) => (key === 'transaction' ? transaction : Reflect.get(target, key, target)) })
}

async function run(cmd: Command) {
  const jobs: Job[] = JOBS.map((job) => ({
    ...job,
    timeoutSeconds: cmd.timeoutSeconds ?? job.timeoutSeconds,
    run: (d, now) => job.run(job.name === cmd.hold ? { ...d, db: holding(d.db, job.name, now) } : d, now),
  }))
  const scheduler = createScheduler(deps, jobs, { instanceId: args.instanceId })
  for (const tick of cmd.ticks) {
    for (const result of await scheduler.runDue(new Date(tick))) print({ cmd: cmd.id, ...result })
  }
  await scheduler.stop()
  print({ done: cmd.id })
}

print({ ready: true })
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim()) await run(JSON.parse(line) as Command)
}
await database.close()
