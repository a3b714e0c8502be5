import { spawn } from 'node:child_process'
import pg from 'pg'
import t from 'tap'
import { openTestDatabase } from '../helpers/database.ts'

/**
 * Real processes against real PostgreSQL: PGlite is one process per data directory, so the
 * cross-instance guarantees can only be shown here.
 */
interface Worker {
  lines: () => Array<Record<string, unknown>>
  exited: Promise<number | null>
  kill: () => void
  /** Lets a ready worker run its ticks. */
  go: () => void
  waitFor: (pred: (line: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<void>
}

const ready = (l: Record<string, unknown>) => l.ready === true

function startWorker(args: Record<string, unknown>): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/scheduler-worker.ts', JSON.stringify(args)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  const listeners = new Set<() => void>()
  child.stdout.on('data', (d) => {
    out += d
    for (const l of listeners) l()
  })
  child.stderr.on('data', (d) => {
    err += d
  })
  const lines = () =>
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code) process.stderr.write(err)
      resolve(code)
    }),
  )
  return {
    lines,
    exited,
    kill: () => child.kill('SIGKILL'),
    go: () => child.stdin.write('go\n'),
    waitFor: (pred, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (lines().some(pred)) {
            listeners.delete(check)
            clearTimeout(timer)
            resolve()
          }
        }
        const timer = setTimeout(() => reject(new Error(`worker never printed the awaited line; stderr: ${err}`)), timeoutMs)
        listeners.add(check)
        check()
      }),
  }
}

const skip = process.env.TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL: PGlite allows one process per database'

t.test('two scheduler processes on one PostgreSQL', { skip }, async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  const url = database.url!
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(() => client.end())
  await client.query('create table worker_work (tick timestamptz not null, instance_id text not null)')

  t.test('each tick is worked exactly once across both', async (t) => {
    const ticks = Array.from({ length: 20 }, (_, i) => new Date(Date.UTC(2031, 0, 1, i)).toISOString())
    const common = { url, ticks, sleepMs: 20, timeoutSeconds: 60 }
    const a = startWorker({ ...common, instanceId: 'proc-a' })
    const b = startWorker({ ...common, instanceId: 'proc-b' })
    await Promise.all([a.waitFor(ready), b.waitFor(ready)])
    a.go()
    b.go()
    t.equal(await a.exited, 0)
    t.equal(await b.exited, 0)

    const work = (await client.query<{ tick: Date; n: number }>('select tick, count(*)::int as n from worker_work group by tick order by tick')).rows
    t.same(
      work.map((r) => [r.tick.toISOString(), r.n]),
      ticks.map((tick) => [tick, 1]),
      'every tick worked, none twice',
    )
    const runs = (await client.query<{ n: number }>("select count(*)::int as n from job_runs where job = 'work' and outcome = 'ok'")).rows[0]
    t.equal(runs?.n, ticks.length, 'one recorded run per tick')
    const results = [...a.lines(), ...b.lines()].filter((l) => 'outcome' in l)
    t.equal(results.filter((r) => r.outcome === 'ok').length, ticks.length)
    t.equal(results.filter((r) => r.outcome === 'skipped').length, ticks.length, 'the other process skipped each tick')
    t.comment(`ticks worked by proc-a: ${a.lines().filter((l) => l.outcome === 'ok').length}, by proc-b: ${b.lines().filter((l) => l.outcome === 'ok').length}`)
  })

  t.test('a process killed mid-tick: the other takes the claim over after the lease', async (t) => {
    const tick = new Date(Date.UTC(2031, 1, 1, 0)).toISOString()
    // timeoutSeconds 3 → a 6 s lease; the victim's job would take 60 s.
    const run = { url, ticks: [tick], sleepMs: 0, timeoutSeconds: 3 }
    const victim = startWorker({ ...run, instanceId: 'victim', sleepMs: 60_000 })
    const early = startWorker({ ...run, instanceId: 'too-early' })
    const rescuer = startWorker({ ...run, instanceId: 'rescuer' })
    await Promise.all([victim, early, rescuer].map((w) => w.waitFor(ready)))
    victim.go()
    await victim.waitFor((l) => l.working === tick)
    victim.kill()
    await victim.exited
    const held = (
      await client.query<{ instance_id: string; finished_at: Date | null; lease_until: Date }>(
        "select instance_id, finished_at, lease_until from job_runs where job = 'work' and tick = $1",
        [tick],
      )
    ).rows
    t.match(held, [{ instance_id: 'victim', finished_at: null }], 'the dead process left an unfinished claim')

    early.go()
    t.equal(await early.exited, 0)
    t.ok(Date.now() < held[0]!.lease_until.getTime(), 'the second process ran within the lease')
    t.match(early.lines(), [{ ready: true }, { outcome: 'skipped', reason: 'claimed' }], 'within the lease the claim holds')

    await new Promise((r) => setTimeout(r, held[0]!.lease_until.getTime() - Date.now() + 200))
    rescuer.go()
    t.equal(await rescuer.exited, 0)
    t.match(rescuer.lines().filter((l) => 'outcome' in l), [{ outcome: 'ok', attempt: 2 }])
    const row = (await client.query("select instance_id, taken_over_from, attempt, outcome from job_runs where job = 'work' and tick = $1", [tick])).rows
    t.same(row, [{ instance_id: 'rescuer', taken_over_from: 'victim', attempt: 2, outcome: 'ok' }])
    const worked = (await client.query('select instance_id from worker_work where tick = $1', [tick])).rows
    t.same(worked, [{ instance_id: 'rescuer' }], 'the work was done once, by the rescuer')
  })
})
