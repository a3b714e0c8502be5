import { eq, inArray } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { apiKeys, idempotencyKeys, jobRuns, loginAttempts, mailSenderCounters, refreshTokens } from '../../src/db/schema/index.ts'
import { JOBS } from '../../src/jobs/index.ts'
import { createScheduler, type Job, type JobSummary } from '../../src/jobs/scheduler.ts'
import { newId } from '../../src/lib/ids.ts'
import { newApiKey, sha256 } from '../../src/modules/auth/tokens.ts'
import { buildTestApp, fixedClock } from '../helpers/build-test-app.ts'

const HOUR = 3_600_000
const at = (iso: string) => new Date(iso)

t.test('scheduler', async (t) => {
  const clock = fixedClock('2030-03-04T10:30:00Z')
  const ctx = await buildTestApp(t, { clock })
  const { deps } = ctx

  /** A scheduler over the given jobs, stopped when the test ends. */
  const scheduler = (t: Test, jobs: Job[], instanceId = 'test-a', disabled: string[] = []) => {
    const s = createScheduler(deps, jobs, { instanceId, disabled })
    t.teardown(() => s.stop())
    return s
  }
  const runsOf = (job: string) => deps.db.select().from(jobRuns).where(eq(jobRuns.job, job)).orderBy(jobRuns.tick)
  const hourly = (name: string, run: (now: Date) => JobSummary | Promise<JobSummary>): Job => ({
    name,
    cron: '0 * * * *',
    timeoutSeconds: 60,
    run: async (_deps, now) => run(now),
  })

  t.test('a tick runs once: a second call, from this or another instance, does nothing and records nothing', async (t) => {
    clock.set('2030-03-04T10:30:00Z')
    const seen: string[] = []
    const job = hourly('once', (now) => {
      seen.push(now.toISOString())
      return { touched: 1 }
    })
    const a = scheduler(t, [job], 'instance-a')
    const b = scheduler(t, [job], 'instance-b')
    const first = await a.runDue()
    t.match(first, [{ job: 'once', tick: '2030-03-04T10:00:00.000Z', outcome: 'ok', caughtUp: 0, attempt: 1, summary: { touched: 1 } }])
    t.same(seen, ['2030-03-04T10:00:00.000Z'], 'the job receives the tick, not the wall clock')
    t.match(await a.runJob('once'), { outcome: 'skipped', reason: 'claimed' })
    clock.advance(20 * 60) // 10:50, still the 10:00 tick
    t.match(await b.runDue(), [{ outcome: 'skipped', reason: 'claimed' }])
    t.equal(seen.length, 1)
    const rows = await runsOf('once')
    t.equal(rows.length, 1, 'one row per tick')
    t.match(rows[0], { instanceId: 'instance-a', outcome: 'ok', summary: { touched: 1 }, error: null, attempt: 1 })
    t.ok(rows[0]!.finishedAt, 'finished')
  })

  t.test('a failing job is recorded with its message, does not stop the others, and runs again next tick', async (t) => {
    clock.set('2030-03-04T10:30:00Z')
    let fail = true
    const boom = hourly('boom', () => {
      if (fail) throw new Error('the mail server is on fire')
      return { sent: 2 }
    })
    const other = hourly('other', () => ({ done: 1 }))
    const s = scheduler(t, [boom, other])
    const results = await s.runDue()
    t.match(results, [
      { job: 'boom', outcome: 'failed', error: 'the mail server is on fire' },
      { job: 'other', outcome: 'ok' },
    ])
    const [failed] = await runsOf('boom')
    t.match(failed, { outcome: 'failed', error: 'the mail server is on fire', summary: null })
    t.notMatch(failed!.error, /\n\s+at /, 'no stack trace is stored')
    t.equal((await runsOf('other'))[0]?.outcome, 'ok')

    t.match(await s.runJob('boom'), { outcome: 'skipped', reason: 'claimed' }, 'a failed tick is not rerun; the next tick is')
    fail = false
    clock.advance(3600) // 11:30
    t.match(await s.runJob('boom'), { outcome: 'ok', tick: '2030-03-04T11:00:00.000Z', summary: { sent: 2 }, caughtUp: 0 })
    t.same((await runsOf('boom')).map((r) => r.outcome), ['failed', 'ok'])
  })

  t.test('ticks missed while no instance ran are caught up by the next run', async (t) => {
    clock.set('2030-03-04T10:30:00Z')
    const seen: string[] = []
    const s = scheduler(t, [
      hourly('catchup', (now) => {
        seen.push(now.toISOString())
        return {}
      }),
    ])
    await s.runDue()
    clock.set('2030-03-04T14:05:00Z') // 11:00, 12:00 and 13:00 were missed
    t.match(await s.runDue(), [{ tick: '2030-03-04T14:00:00.000Z', outcome: 'ok', caughtUp: 3 }])
    t.same(seen, ['2030-03-04T10:00:00.000Z', '2030-03-04T14:00:00.000Z'], 'one run covers the missed ticks')
    t.same((await runsOf('catchup')).map((r) => r.caughtUp), [0, 3])
    // Daily jobs in the installation's zone: Sofia is UTC+2 in March, so 05:27 local is 03:27Z.
    const daily = scheduler(t, [{ name: 'daily-catchup', cron: '27 5 * * *', timeoutSeconds: 60, run: async () => ({}) }])
    clock.set('2030-03-01T04:00:00Z')
    t.match(await daily.runDue(), [{ tick: '2030-03-01T03:27:00.000Z', caughtUp: 0 }])
    clock.set('2030-03-05T03:26:59Z')
    t.match(await daily.runDue(), [{ tick: '2030-03-04T03:27:00.000Z', caughtUp: 2 }])
  })

  t.test('an unfinished claim is taken over after its lease, and only then', async (t) => {
    clock.set('2030-03-04T10:30:00Z')
    let runs = 0
    const job = hourly('lease', () => ({ runs: ++runs }))
    // An instance that died mid-run at 10:00:05 holding a 120 s lease (2 × 60 s timeout).
    await deps.db.insert(jobRuns).values({
      job: 'lease',
      tick: at('2030-03-04T10:00:00Z'),
      instanceId: 'dead-instance',
      startedAt: at('2030-03-04T10:00:05Z'),
      leaseUntil: at('2030-03-04T10:02:05Z'),
    })
    await deps.db.insert(jobRuns).values({
      job: 'lease',
      tick: at('2030-03-04T09:00:00Z'),
      instanceId: 'slow-instance',
      startedAt: at('2030-03-04T10:29:00Z'),
      leaseUntil: at('2030-03-04T10:31:00Z'),
    })
    const s = scheduler(t, [job], 'rescuer')
    t.match(await s.runJob('lease', at('2030-03-04T09:59:00Z')), { outcome: 'skipped', reason: 'claimed' }, 'a live lease is respected')
    const taken = await s.runJob('lease')
    t.match(taken, { outcome: 'ok', tick: '2030-03-04T10:00:00.000Z', attempt: 2, summary: { runs: 1 } })
    const row = (await runsOf('lease')).find((r) => r.tick.getTime() === at('2030-03-04T10:00:00Z').getTime())
    t.match(row, { instanceId: 'rescuer', takenOverFrom: 'dead-instance', attempt: 2, outcome: 'ok' })
    t.same(row!.startedAt, clock.now(), 'the takeover restarts the clock of the run')
  })

  t.test('jobs switched off per instance, and unknown names refused', async (t) => {
    clock.set('2030-03-04T10:30:00Z')
    const s = scheduler(t, [hourly('kept', () => ({})), hourly('off', () => ({}))], 'x', ['off'])
    t.same((await s.runDue()).map((r) => r.job), ['kept'])
    t.match(await s.runJob('off'), { outcome: 'ok' }, 'a disabled job can still be run by hand')
    t.throws(() => createScheduler(deps, [hourly('kept2', () => ({}))], { instanceId: 'x', disabled: ['nope'] }), /unknown job "nope"/)
    t.throws(() => createScheduler(deps, [{ ...hourly('sec', () => ({})), cron: '*/5 * * * * *' }], { instanceId: 'x' }), /five-field/)
    await t.rejects(s.runJob('missing'), /no job named "missing"/)
  })

  t.test('the purge jobs delete exactly the rows past retention', async (t) => {
    // Each job measures retention from its own tick (Sofia is UTC+3 in June: 05:27 local is 02:27Z).
    const now = at('2030-06-10T06:00:00Z')
    clock.set(now)
    const before = (tick: string, ms: number) => new Date(at(tick).getTime() - ms)
    const DAY = 24 * HOUR
    const tag = newId()

    const idemTick = '2030-06-10T05:07:00Z'
    const idem = (key: string, createdAt: Date) => ({ principal: `test:${tag}`, key, method: 'POST', path: '/x', requestHash: 'h', createdAt, lockedUntil: createdAt })
    await deps.db.insert(idempotencyKeys).values([idem('old', before(idemTick, DAY + 1000)), idem('fresh', before(idemTick, DAY - 1000))])

    const loginTick = '2030-06-10T05:17:00Z'
    const win = deps.config.LOGIN_WINDOW_SECONDS * 1000
    await deps.db.insert(loginAttempts).values([
      { key: `old:${tag}`, windowStart: before(loginTick, win + 1000), count: 3 },
      { key: `live:${tag}`, windowStart: before(loginTick, win - 1000), count: 3 },
    ])

    const counterTick = '2030-06-10T05:47:00Z'
    await deps.db.insert(mailSenderCounters).values([
      { address: `old.${tag}@x.test`, windowStart: before(counterTick, HOUR + 1000), count: 3 },
      { address: `live.${tag}@x.test`, windowStart: before(counterTick, HOUR - 1000), count: 3 },
    ])

    const tokenTick = '2030-06-10T02:27:00Z'
    const { agentId } = await ctx.login('agent')
    const token = (name: string, expiresAt: Date, revokedAt: Date | null = null) => ({ id: newId(), agentId, familyId: newId(), tokenHash: name, expiresAt, revokedAt })
    const future = new Date(now.getTime() + DAY)
    const tokens = [
      token('expired-long-ago', before(tokenTick, 30 * DAY + 1000)),
      token('expired-lately', before(tokenTick, 30 * DAY - 1000)),
      token('revoked-long-ago', future, before(tokenTick, 30 * DAY + 1000)),
      token('revoked-lately', future, before(tokenTick, 30 * DAY - 1000)),
      token('live', future),
    ]
    await deps.db.insert(refreshTokens).values(tokens)

    const runsTick = '2030-06-10T02:37:00Z'
    const run = (job: string, tick: Date, instanceId = 'old') => ({ job, tick, instanceId, startedAt: tick, leaseUntil: tick, finishedAt: tick, outcome: 'ok' as const })
    await deps.db.insert(jobRuns).values([
      run(`old-${tag}`, before(runsTick, 40 * DAY)),
      run(`old-${tag}`, before(runsTick, 30 * DAY + 1000)),
      run(`old-${tag}`, before(runsTick, 30 * DAY - 1000)),
      run(`lonely-${tag}`, before(runsTick, 40 * DAY)),
    ])

    const s = scheduler(t, [...JOBS], 'purger')
    const results = await s.runDue()
    t.same(results.map((r) => [r.job, r.outcome]), JOBS.map((j) => [j.name, 'ok']))

    const idemLeft = await deps.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.principal, `test:${tag}`))
    t.same(idemLeft.map((r) => r.key), ['fresh'])
    const attemptsLeft = await deps.db.select().from(loginAttempts).where(inArray(loginAttempts.key, [`old:${tag}`, `live:${tag}`]))
    t.same(attemptsLeft.map((r) => r.key), [`live:${tag}`])
    const countersLeft = await deps.db.select().from(mailSenderCounters).where(inArray(mailSenderCounters.address, [`old.${tag}@x.test`, `live.${tag}@x.test`]))
    t.same(countersLeft.map((r) => r.address), [`live.${tag}@x.test`], 'mail sender counters of past hours go')
    const tokensLeft = await deps.db.select().from(refreshTokens).where(inArray(refreshTokens.id, tokens.map((x) => x.id)))
    t.same(tokensLeft.map((r) => r.tokenHash).sort(), ['expired-lately', 'live', 'revoked-lately'])
    t.same((await runsOf(`old-${tag}`)).map((r) => r.tick), [before(runsTick, 30 * DAY - 1000)], 'runs past 30 days go')
    t.equal((await runsOf(`lonely-${tag}`)).length, 1, "each job's latest run stays, however old")
    t.match(results.find((r) => r.job === 'purge-job-runs'), { summary: { deleted: Number } }, 'the summary counts deletions')

    // An hour later the hourly purges run again; what was kept is still kept.
    const again = await s.runDue(new Date(now.getTime() + HOUR))
    // Jobs whose cron names an hour (the daily ones) wait for tomorrow; the hourly and minutely ones run.
    t.same(
      again.map((r) => [r.job, r.outcome]),
      JOBS.map((j) => [j.name, j.cron.split(' ')[1] === '*' ? 'ok' : 'skipped']),
      'the daily ones wait for tomorrow',
    )
    t.same((await runsOf(`old-${tag}`)).length, 1)
  })

  t.test('GET /v1/jobs/runs: filters, newest first, pagination, access', async (t) => {
    clock.set('2030-07-01T00:30:00Z')
    const tag = newId().slice(-8)
    const name = `listed-${tag}`
    let n = 0
    const s = scheduler(t, [
      hourly(name, () => {
        if (++n === 2) throw new Error('second run fails')
        return { n }
      }),
    ])
    for (let h = 0; h < 5; h++) {
      await s.runDue()
      clock.advance(3600)
    }
    // Access tokens are signed at the wall clock; back to it for the HTTP part.
    clock.set(new Date())
    const admin = await ctx.adminToken()
    const get = (url: string, token = admin) => ctx.as(token, { method: 'GET', url })

    const all = await get(`/v1/jobs/runs?job=${name}`)
    t.equal(all.statusCode, 200, all.body)
    const ticks = all.json().data.map((r: { tick: string }) => r.tick)
    t.same(ticks, ['04', '03', '02', '01', '00'].map((h) => `2030-07-01T${h}:00:00.000Z`), 'newest first')
    t.match(all.json().data[4], { job: name, outcome: 'ok', summary: { n: 1 }, caughtUp: 0, attempt: 1, takenOverFrom: null, instanceId: 'test-a', error: null })

    const failed = await get(`/v1/jobs/runs?job=${name}&outcome=failed`)
    t.match(failed.json().data, [{ tick: '2030-07-01T01:00:00.000Z', outcome: 'failed', error: 'second run fails', summary: null }])
    t.equal(failed.json().data.length, 1)
    // Runs started at hh:30; `since` is inclusive and compares with startedAt.
    const since = await get(`/v1/jobs/runs?job=${name}&since=2030-07-01T03:30:00Z`)
    t.same(since.json().data.map((r: { tick: string }) => r.tick), ['2030-07-01T04:00:00.000Z', '2030-07-01T03:00:00.000Z'])
    const later = await get(`/v1/jobs/runs?job=${name}&since=2030-07-01T03:30:01Z`)
    t.same(later.json().data.map((r: { tick: string }) => r.tick), ['2030-07-01T04:00:00.000Z'])
    t.same((await get(`/v1/jobs/runs?job=other-${tag}`)).json().data, [], 'the job filter')

    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const res = await get(`/v1/jobs/runs?job=${name}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      t.equal(res.statusCode, 200)
      seen.push(...res.json().data.map((r: { tick: string }) => r.tick))
      cursor = res.json().nextCursor
      pages++
    } while (cursor)
    t.same(seen, ticks, 'pages walk every run once, in order')
    t.equal(pages, 3)

    t.equal((await get('/v1/jobs/runs?outcome=maybe')).statusCode, 400)
    t.equal((await get('/v1/jobs/runs?since=yesterday')).statusCode, 400)
    t.equal((await get('/v1/jobs/runs?limit=0')).statusCode, 400)
    t.equal((await get('/v1/jobs/runs?extra=1')).statusCode, 400)
    t.equal((await get('/v1/jobs/runs?cursor=garbage')).json().code, 'INVALID_CURSOR')
    t.equal((await get('/v1/jobs/runs', '')).statusCode, 401)

    for (const role of ['agent', 'manager'] as const) {
      const { token } = await ctx.login(role)
      const res = await get('/v1/jobs/runs', token)
      t.equal(res.statusCode, 403, `${role} may not list job runs`)
    }
    const key = async (scopes: string[]) => {
      const k = newApiKey()
      await deps.db.insert(apiKeys).values({ name: `key ${scopes.join(' ')}`, prefix: k.prefix, keyHash: sha256(k.key), scopes })
      return k.key
    }
    const without = await get('/v1/jobs/runs', await key(['directory:read']))
    t.equal(without.statusCode, 403)
    t.match(without.json(), { code: 'FORBIDDEN', detail: /jobs:read/ })
    const withScope = await get(`/v1/jobs/runs?job=${name}`, await key(['jobs:read']))
    t.equal(withScope.statusCode, 200)
    t.equal(withScope.json().data.length, 5)
  })
})
