import { spawn } from 'node:child_process'
import pg from 'pg'
import t from 'tap'
import { JOBS } from '../../src/jobs/index.ts'
import { createRule } from '../../src/modules/escalations/escalations.service.ts'
import { createTemplate } from '../../src/modules/recurring-tickets/recurring-tickets.service.ts'
import { createLogger } from '../../src/logger.ts'
import { fixedClock, testConfig } from '../helpers/build-test-app.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { makeDesk } from '../helpers/desk.ts'

/**
 * Real processes against real PostgreSQL, running the real job registry: PGlite is one process
 * per data directory, so the cross-instance guarantees can only be shown here. Two workers are
 * started once (each start costs seconds) and given the same ticks; the seeded desk makes every
 * job of the registry do work in that range (SLA warnings and breaches at known instants,
 * escalations, unassigned alerts, recurring occurrences, an auto-close).
 */
type Line = Record<string, unknown>
interface Worker {
  lines: () => Line[]
  exited: Promise<number | null>
  kill: () => void
  /** Sends a command and resolves with its result lines when the worker prints {"done":id}. */
  send: (cmd: { ticks: string[]; timeoutSeconds?: number; hold?: string }) => Promise<Line[]>
  waitFor: (pred: (line: Line) => boolean, timeoutMs?: number) => Promise<void>
}

let commands = 0
function startWorker(args: { url: string; instanceId: string }): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/scheduler-worker.ts', JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'pipe'] })
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
      .map((l) => JSON.parse(l) as Line)
  let dead = false
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      dead = true
      for (const l of listeners) l()
      if (code) process.stderr.write(err)
      resolve(code)
    }),
  )
  const waitFor = (pred: (line: Line) => boolean, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (lines().some(pred) || dead) {
          listeners.delete(check)
          clearTimeout(timer)
          if (lines().some(pred)) resolve()
          else reject(new Error(`${args.instanceId} exited before the awaited line; stderr: ${err}`))
        }
      }
      const timer = setTimeout(() => reject(new Error(`${args.instanceId} never printed the awaited line; stderr: ${err}`)), timeoutMs)
      listeners.add(check)
      check()
    })
  return {
    lines,
    exited,
    kill: () => child.kill('SIGKILL'),
    waitFor,
    send: async (cmd) => {
      const id = ++commands
      child.stdin.write(`${JSON.stringify({ id, ...cmd })}\n`)
      await waitFor((l) => l.done === id)
      return lines().filter((l) => l.cmd === id)
    },
  }
}

const skip = process.env.TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL: PGlite allows one process per database'
const minute = (m: number) => new Date(Date.UTC(2026, 1, 2, 8, m)).toISOString()

t.test('two scheduler processes running the job registry on one PostgreSQL', { skip }, async (t) => {
  const started = Date.now()
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  const url = database.url!
  // Both start loading now (seconds each); the desk is seeded meanwhile, before any command is sent.
  const a = startWorker({ url, instanceId: 'proc-a' })
  const b = startWorker({ url, instanceId: 'proc-b' })
  t.teardown(() => {
    a.kill()
    b.kill()
  })
  const clock = fixedClock('2026-01-30T08:00:00Z')
  // The jobs' dependencies without an HTTP app: everything here goes through the services.
  const ctx = { deps: { db: database.db, config: testConfig(), clock, log: createLogger('silent') } }
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(() => client.end())
  const q = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await client.query<R>(text, values)).rows

  // Monday 2 February 2026, 10:00 in Sofia (UTC+2): inside office hours, so business minutes tick.
  const desk = await makeDesk(ctx, clock, {
    targets: { normal: { firstResponse: { value: 4, unit: 'business_minutes' }, resolution: { value: 8, unit: 'business_minutes' } } },
    warning: { percent: 50 },
    queue: { unassignedAlertMinutes: 5, unassignedRepeatMinutes: 5, autoCloseResolvedAfterDays: 1 },
  })
  // Resolved on Friday: the hourly auto-close of Monday 07:47 closes it.
  const resolved = await desk.ticket('2026-01-30T08:00:00Z', { subject: 'Resolved on Friday' })
  await desk.patch(resolved.id, '2026-01-30T09:00:00Z', { state: desk.stateKey('resolved') })
  // First response warns at +2 and breaches at +4 business minutes; resolution at +4 and +8.
  const early = await desk.ticket(minute(-1), { subject: 'Early' })
  const later = await desk.ticket(minute(2), { subject: 'Later' })
  // Its first-response breach (08:14) falls in the tick the killed process holds (08:16).
  const victim = await desk.ticket(minute(10), { subject: 'Victim' })
  const seeded = [resolved, early, later, victim].map((x) => x.id)
  clock.set(minute(-2))
  const only = { organizationIds: [desk.org.id] }
  await createRule(ctx.deps, { name: 'Level 1 at 75 %', level: 1, trigger: 'sla.warning', clock: 'first_response', percentElapsed: 75, conditions: only, actions: [{ type: 'notify', managerIds: [desk.manager.id] }, { type: 'add_tag', tag: 'escalated' }] })
  await createRule(ctx.deps, { name: 'Level 2 a minute after breach', level: 2, trigger: 'sla.breached', clock: 'first_response', minutesAfterBreach: 1, conditions: only, actions: [{ type: 'notify', owner: true }] })
  const template = await createTemplate(ctx.deps, {
    organizationId: desk.org.id,
    contactId: desk.requester.id,
    queueId: desk.queue.id,
    subject: 'Every four minutes',
    schedule: { kind: 'cron', expression: '*/4 * * * *', timeZone: 'UTC', startsAt: minute(-2) },
  })
  // The instants each seeded clock warns and breaches at, before any job moves anything.
  const clocks = await q<{ ticket_id: string; kind: string; warn_at: Date; due_at: Date }>(
    "select ticket_id, kind, warn_at, due_at from ticket_sla_clocks where ticket_id = any($1) and status = 'running'",
    [seeded],
  )
  t.equal(clocks.length, 6, 'first response and resolution running on the three open tickets')

  /** SLA events and notifications as (type, ticket, clock, due) keys, with how often each exists. */
  const slaEvents = () =>
    q<{ key: string; n: number }>(
      "select type || ' ' || ticket_id || ' ' || field || ' ' || (new->>'dueAt') as key, count(*)::int as n from ticket_events where type in ('sla.warning', 'sla.breached') group by 1 order by 1",
    )
  const slaNotes = () =>
    q<{ key: string; n: number }>(
      "select (payload->>'event') || ' ' || (payload->>'ticketId') || ' ' || (payload->>'clock') || ' ' || (payload->>'dueAt') as key, count(*)::int as n from outbox where payload->>'event' in ('sla.warning', 'sla.breached') group by 1 order by 1",
    )
  /** What the seeded clocks owe by `until`: a warning per passed warning instant, a breach per passed due instant. */
  const owed = (until: string) =>
    clocks
      .flatMap((c) => [
        ...(c.warn_at <= new Date(until) ? [`sla.warning ${c.ticket_id} ${c.kind} ${c.due_at.toISOString()}`] : []),
        ...(c.due_at <= new Date(until) ? [`sla.breached ${c.ticket_id} ${c.kind} ${c.due_at.toISOString()}`] : []),
      ])
      .sort()
  const once = (rows: Array<{ key: string; n: number }>) => rows.filter((r) => r.n !== 1)

  const seededAt = Date.now()
  await Promise.all([a.waitFor((l) => l.ready === true), b.waitFor((l) => l.ready === true)])
  t.comment(`seeded in ${seededAt - started} ms, both workers ready after ${Date.now() - started} ms`)

  t.test('several ticks on both: every job claimed once per tick, its effects exactly once', async (t) => {
    const ticks = Array.from({ length: 14 }, (_, i) => minute(i))
    const [ra, rb] = await Promise.all([a.send({ ticks }), b.send({ ticks })])
    const results = [...ra, ...rb]
    t.same(
      results.filter((r) => r.outcome === 'failed'),
      [],
      'no run failed',
    )
    const ok = results.filter((r) => r.outcome === 'ok').map((r) => `${r.job} ${r.tick}`)
    const pairs = [...new Set(results.map((r) => `${r.job} ${r.tick}`))].sort()
    t.same(ok.sort(), pairs, 'each (job, tick) ran once, on one of the two')
    // Four jobs run every minute; purge-idempotency-keys (hourly at :07) has ticks 07:07 and 08:07; the others one tick each.
    t.equal(pairs.length, 4 * ticks.length + 2 + (JOBS.length - 5), 'the per-minute jobs at each tick, the hourly and daily ones at theirs')
    t.comment(`runs by proc-a: ${ra.filter((r) => r.outcome === 'ok').length}, by proc-b: ${rb.filter((r) => r.outcome === 'ok').length}`)
    const runs = await q<{ key: string; attempt: number; outcome: string }>("select job || ' ' || to_char(tick at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.000\"Z\"') as key, attempt, outcome from job_runs order by 1")
    t.same(
      runs.map((r) => r.key),
      pairs,
      'job_runs: one row per (job, tick)',
    )
    t.ok(
      runs.every((r) => r.attempt === 1 && r.outcome === 'ok'),
      'each claimed once, finished ok',
    )

    const events = await slaEvents()
    t.same(once(events), [], 'no SLA event twice for one (ticket, clock, due)')
    const last = ticks.at(-1)!
    t.same(
      events.map((e) => e.key).filter((k) => seeded.some((id) => k.includes(id))),
      owed(last),
      'each warning and breach of the seeded clocks recorded by the last tick',
    )
    const notes = await slaNotes()
    t.same(once(notes), [], 'no SLA notification twice')
    const breachEvents = events.map((e) => e.key).filter((k) => k.startsWith('sla.breached'))
    t.same(
      notes.map((n) => n.key).filter((k) => k.startsWith('sla.breached')),
      breachEvents,
      'a notification per breach',
    )
    t.ok(
      notes.some((n) => n.key === `sla.warning ${early.id} first_response ${clocks.find((c) => c.ticket_id === early.id && c.kind === 'first_response')!.due_at.toISOString()}`),
      'the warning notified before its breach',
    )

    const fired = await q<{ rule: string; ticket_id: string; n: number }>(
      'select r.name as rule, e.ticket_id, count(*)::int as n from escalations e join escalation_rules r on r.id = e.rule_id group by 1, 2',
    )
    t.ok(
      fired.every((f) => f.n === 1),
      'each rule fired once per ticket',
    )
    t.ok(fired.some((f) => f.rule === 'Level 1 at 75 %' && f.ticket_id === early.id) && fired.some((f) => f.rule === 'Level 2 a minute after breach' && f.ticket_id === later.id), 'both levels fired')
    const escalationEvents = await q<{ n: number }>("select count(*)::int as n from ticket_events where type = 'escalation.fired' group by new->>'escalationId'")
    t.ok(escalationEvents.length === fired.length && escalationEvents.every((e) => e.n === 1), 'one escalation.fired event per escalation')
    const escalationNotes = await q<{ n: number }>("select count(*)::int as n from outbox where payload->>'event' = 'escalation.fired' group by payload->>'escalationId'")
    t.ok(escalationNotes.length === fired.length && escalationNotes.every((e) => e.n === 1), 'one escalation notification per escalation')
    const tagged = await q<{ tags: string[] }>('select tags from tickets where id = $1', [early.id])
    t.same(tagged[0]?.tags, ['escalated'], 'the tag added once')

    const alerts = await q<{ key: string; events: number; notes: number }>(
      `select a.ticket_id || ' ' || a.alert as key,
              (select count(*)::int from ticket_events e where e.ticket_id = a.ticket_id and e.type = 'ticket.unassigned_alert' and (e.new->>'alert')::int = a.alert) as events,
              (select count(*)::int from outbox o where o.payload->>'event' = 'ticket.unassigned' and o.payload->>'ticketId' = a.ticket_id::text and (o.payload->>'alert')::int = a.alert) as notes
         from unassigned_alerts a order by 1`,
    )
    t.ok(
      alerts.every((x) => x.events === 1 && x.notes === 1),
      'each unassigned alert: one event, one notification',
    )
    t.same(
      alerts.map((x) => x.key).filter((k) => k.startsWith(early.id) || k.startsWith(later.id)),
      [`${early.id} 1`, `${early.id} 2`, `${later.id} 1`, `${later.id} 2`].sort(),
      'alerts 1 and 2 of the seeded unassigned tickets (created 07:59 and 08:02, every 5 minutes)',
    )
    t.equal((await q('select 1 from ticket_events where type = $1 group by ticket_id, new->>$2', ['ticket.unassigned_alert', 'alert'])).length, alerts.length)

    const occurrences = await q<{ occurrence: Date; tickets: number }>(
      'select r.occurrence, (select count(*)::int from tickets k where k.id = r.ticket_id) as tickets from recurring_ticket_runs r where r.template_id = $1 order by 1',
      [template.id],
    )
    t.same(
      occurrences.map((o) => [o.occurrence.toISOString(), o.tickets]),
      [0, 4, 8, 12].map((m) => [minute(m), 1]),
      'one ticket per occurrence',
    )
    t.same(await q("select count(*)::int as n from tickets where subject = 'Every four minutes'"), [{ n: 4 }], 'and no other ticket from the template')

    t.same(await q("select count(*)::int as n from ticket_events where ticket_id = $1 and type = 'ticket.auto_closed'", [resolved.id]), [{ n: 1 }], 'auto-closed once')
    t.same(await q("select count(*)::int as n from outbox where payload->>'ticketId' = $1 and payload->>'event' in ('ticket.auto_closed', 'ticket.state_changed')", [resolved.id]), [{ n: 3 }], 'resolve and close announced, the close told once')
  })

  t.test('one process killed mid-tick: the other completes the work', async (t) => {
    const tick = minute(16)
    // Job timeout 1 s → a 2 s lease to outwait. The victim holds sla-scan's first transaction open.
    const held = b.send({ ticks: [tick], timeoutSeconds: 1, hold: 'sla-scan' })
    held.catch(() => {})
    await b.waitFor((l) => l.holding === 'sla-scan')
    const breach = `sla.breached ${victim.id} first_response ${clocks.find((c) => c.ticket_id === victim.id && c.kind === 'first_response')!.due_at.toISOString()}`
    t.notOk(
      (await slaEvents()).some((e) => e.key === breach),
      'its breach is written but not committed',
    )
    b.kill()
    await b.exited
    const claim = await q<{ instance_id: string; finished_at: Date | null; lease_until: Date }>("select instance_id, finished_at, lease_until from job_runs where job = 'sla-scan' and tick = $1", [tick])
    t.match(claim, [{ instance_id: 'proc-b', finished_at: null }], 'the dead process left an unfinished claim')

    const first = await a.send({ ticks: [tick], timeoutSeconds: 1 })
    t.same(
      first.filter((r) => r.outcome !== 'ok' && r.outcome !== 'skipped'),
      [],
    )
    t.ok(
      first.some((r) => r.job === 'unassigned-alerts' && r.outcome === 'ok'),
      'the jobs the victim never reached run at once',
    )
    const wait = claim[0]!.lease_until.getTime() - Date.now() + 100
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const second = await a.send({ ticks: [tick], timeoutSeconds: 1 })
    const scans = [...first, ...second].filter((r) => r.job === 'sla-scan')
    t.match(
      scans.filter((r) => r.outcome === 'ok'),
      [{ attempt: 2 }],
      'sla-scan taken over once its lease ran out',
    )
    t.same(await q("select instance_id, taken_over_from, attempt, outcome from job_runs where job = 'sla-scan' and tick = $1", [tick]), [
      { instance_id: 'proc-a', taken_over_from: 'proc-b', attempt: 2, outcome: 'ok' },
    ])
    const events = await slaEvents()
    t.same(once(events), [], 'still no SLA event twice')
    t.same(
      events.map((e) => e.key).filter((k) => seeded.some((id) => k.includes(id))),
      owed(tick),
      'the held breach recorded by the survivor, once',
    )
    const notes = await slaNotes()
    t.same(once(notes), [])
    t.ok(
      notes.some((n) => n.key === breach),
      'and notified once',
    )
    t.same(
      (await q<{ occurrence: Date }>('select occurrence from recurring_ticket_runs where template_id = $1 order by 1', [template.id])).map((r) => r.occurrence.toISOString()),
      [0, 4, 8, 12, 16].map(minute),
      'the occurrence of the held tick created once',
    )
    t.same(await q('select ticket_id, alert from unassigned_alerts where ticket_id = $1', [victim.id]), [{ ticket_id: victim.id, alert: 1 }])
  })
})
