/**
 * A scheduler instance in its own process, for the multi-instance test. Arguments (JSON):
 * { url, instanceId, ticks: ISO[], sleepMs, timeoutSeconds }. It prints {"ready":true}, waits
 * for a line on stdin (so the test decides when instances contend: starting one takes
 * seconds), then runs `runDue` for each tick. Its one job, `work`, appends a row to
 * `worker_work` per run; results go to stdout as JSON lines.
 */
import { sql } from 'drizzle-orm'
import { openPostgres } from '../../src/db/client.ts'
import { createScheduler } from '../../src/jobs/scheduler.ts'
import { loadConfig } from '../../src/config.ts'
import { systemClock } from '../../src/lib/clock.ts'
import { createLogger } from '../../src/logger.ts'

const args = JSON.parse(process.argv[2] ?? '{}') as {
  url: string
  instanceId: string
  ticks: string[]
  sleepMs: number
  timeoutSeconds: number
}
const database = openPostgres(args.url, 4)
const deps = { db: database.db, config: { ...loadConfig({ LOG_LEVEL: 'silent' }), jwtSecrets: [] }, clock: systemClock, log: createLogger('silent') }
const scheduler = createScheduler(
  deps,
  [
    {
      name: 'work',
      cron: '0 * * * *',
      timeoutSeconds: args.timeoutSeconds,
      run: async (d, now) => {
        process.stdout.write(`${JSON.stringify({ working: now.toISOString() })}\n`)
        await new Promise((r) => setTimeout(r, args.sleepMs))
        await d.db.execute(sql`insert into worker_work (tick, instance_id) values (${now.toISOString()}::timestamptz, ${args.instanceId})`)
        return { worked: 1 }
      },
    },
  ],
  { instanceId: args.instanceId },
)
process.stdout.write(`${JSON.stringify({ ready: true })}\n`)
await new Promise((r) => process.stdin.once('data', r))
process.stdin.destroy()
for (const tick of args.ticks) {
  for (const result of await scheduler.runDue(new Date(tick))) process.stdout.write(`${JSON.stringify(result)}\n`)
}
await scheduler.stop()
await database.close()
