import { eq, inArray, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { businessCalendars, slaPolicies, ticketSlaClocks } from '../../db/schema/index.ts'
import type { StateCategory } from '../../db/schema/ticket-config.ts'
import { configCache } from '../../lib/config-cache.ts'
import type { BusinessCalendar } from '../../lib/business-time/index.ts'
import {
  CLOCK_KINDS,
  type ClockKind,
  clockTarget,
  isBreached,
  meetClock,
  nextDueAt,
  nextSlaEventAt,
  pauseClock,
  reopenClock,
  resumeClock,
  retargetClock,
  type SlaClock,
  startClock,
  stopClock,
} from '../../lib/sla-clock.ts'
import { selectPolicy, type TicketFacts, type TrailEntry } from '../../lib/sla-selection.ts'
import { compiledCalendar } from '../calendars/calendars.service.ts'
import { findActiveSlaPolicies, type SlaPolicyRow } from '../sla-policies/sla-policies.repo.ts'
import { type EventInput, slaEvents } from './events.ts'

/**
 * The database side of SLA clocks: which policy applies, the clock rows, and the ticket columns
 * derived from them. The arithmetic is in src/lib/sla-clock.ts.
 */
export interface AppliedPolicy {
  policy: SlaPolicyRow
  cal: BusinessCalendar | null
}

async function calendarOf(db: Db, policy: SlaPolicyRow): Promise<BusinessCalendar | null> {
  if (!policy.calendarId) return null
  const [cal] = await db.select().from(businessCalendars).where(eq(businessCalendars.id, policy.calendarId))
  return cal ? compiledCalendar(cal) : null
}

/**
 * The active policies with their compiled calendars, read in two queries and kept per database
 * handle for SLA_CACHE_MS (src/lib/config-cache.ts): every ticket create and every SLA-relevant
 * change needs them, and they change rarely. Compiled calendars are cached per (id, version) by
 * the calendars module.
 */
export const SLA_CACHE_MS = 5_000

async function readActive(db: Db): Promise<AppliedPolicy[]> {
  const policies = await findActiveSlaPolicies(db)
  const ids = [...new Set(policies.map((p) => p.calendarId).filter((id): id is string => id !== null))]
  const cals = ids.length ? await db.select().from(businessCalendars).where(inArray(businessCalendars.id, ids)) : []
  const byId = new Map(cals.map((c) => [c.id, compiledCalendar(c)]))
  return policies.map((policy) => ({ policy, cal: policy.calendarId ? (byId.get(policy.calendarId) ?? null) : null }))
}

/** `db` may be a transaction: the cache is per database (src/lib/config-cache.ts). */
export const activePolicies: (db: Db) => Promise<AppliedPolicy[]> = configCache(SLA_CACHE_MS, readActive)

/**
 * The policy a ticket with these facts gets, and why. A contract's own SLA policy
 * (`contracts.sla_policy_id`), when set and active, takes precedence over selection by
 * conditions: the agreement names its terms. The trail then starts with that policy, and the
 * policy that conditions would have chosen is marked `overridden_by_contract`.
 */
/** A selection trail entry; `overridden_by_contract`: would win by conditions, but the contract names its own policy. */
export type TicketTrailEntry = Omit<TrailEntry, 'outcome'> & { outcome: TrailEntry['outcome'] | 'overridden_by_contract' }

export async function selectFor(
  db: Db,
  facts: TicketFacts,
  contractPolicyId: string | null = null,
): Promise<{ applied: AppliedPolicy | null; selection: { policy: SlaPolicyRow | null; trail: TicketTrailEntry[] } }> {
  const active = await activePolicies(db)
  const selection = selectPolicy(
    facts,
    active.map((a) => a.policy),
  )
  const own = contractPolicyId ? active.find((a) => a.policy.id === contractPolicyId) : undefined
  if (own) {
    const first: TicketTrailEntry = {
      policyId: own.policy.id,
      name: own.policy.name,
      rank: own.policy.rank,
      constrains: ['contract'],
      specificity: 256, // above any set of conditions (their weights add up to 255)
      matched: true,
      conditions: [],
      outcome: 'selected',
      reason: `the SLA policy of contract ${facts.contractId}: a contract's own policy takes precedence over selection by conditions`,
    }
    const rest = selection.trail
      .filter((e) => e.policyId !== own.policy.id)
      .map((e) => (e.outcome === 'selected' ? { ...e, outcome: 'overridden_by_contract' as const, reason: `${e.reason}; overridden by the contract's own policy` } : e))
    return { applied: own, selection: { policy: own.policy, trail: [first, ...rest] } }
  }
  const trail: TicketTrailEntry[] = selection.trail
  if (contractPolicyId) {
    trail.unshift({
      policyId: contractPolicyId,
      name: '(contract policy)',
      rank: 0,
      constrains: ['contract'],
      specificity: 0,
      matched: false,
      conditions: [],
      outcome: 'not_matching',
      reason: `the contract names SLA policy ${contractPolicyId}, but it is not active: selection by conditions applies`,
    })
  }
  if (!selection.policy) return { applied: null, selection: { policy: null, trail } }
  return { applied: active.find((a) => a.policy.id === selection.policy!.id)!, selection: { policy: selection.policy, trail } }
}

/**
 * The `sla.policy_selected` event of a selection that changed the ticket's policy. It carries the
 * selection's explanation as it was made, so `GET /v1/tickets/{id}/sla` can say why the ticket holds
 * its policy after policies are added, edited or deactivated. Only the entries that decided it are
 * kept: the policies that matched (the winner and those it beat) and the contract's own policy when
 * it was inactive (the one entry without conditions that does not match). Policies that did not
 * match are left out: their number grows with the configuration, not with the decision, and their
 * reasons name other customers' organizations, contracts and sites.
 */
export function policySelectedEvent(old: AppliedPolicy | null, next: AppliedPolicy | null, trail: TicketTrailEntry[]): EventInput {
  const ref = (a: AppliedPolicy) => ({ policyId: a.policy.id, name: a.policy.name })
  return {
    type: 'sla.policy_selected',
    field: 'slaPolicyId',
    old: old ? ref(old) : null,
    new: next ? { ...ref(next), trail: trail.filter((e) => e.matched || e.conditions.length === 0) } : null,
  }
}

export async function loadPolicy(db: Db, id: string | null): Promise<AppliedPolicy | null> {
  if (!id) return null
  const cached = (await activePolicies(db)).find((a) => a.policy.id === id)
  if (cached) return cached
  // A policy deactivated since the ticket got it still runs its clocks.
  const [policy] = await db.select().from(slaPolicies).where(eq(slaPolicies.id, id))
  return policy ? { policy, cal: await calendarOf(db, policy) } : null
}

type ClockRow = typeof ticketSlaClocks.$inferSelect
const ms = (d: Date | null) => (d === null ? null : d.getTime())
const date = (n: number | null) => (n === null ? null : new Date(n))

export function toClock(r: ClockRow): SlaClock & { cycle: number; policyId: string } {
  return {
    kind: r.kind,
    status: r.status,
    measure: r.measure,
    targetSeconds: r.targetSeconds,
    warnSeconds: r.warnSeconds,
    consumedSeconds: r.consumedSeconds,
    runningSince: ms(r.runningSince),
    dueAt: ms(r.dueAt),
    warnAt: ms(r.warnAt),
    metAt: ms(r.metAt),
    warnedForDueAt: ms(r.warnedForDueAt),
    breachedForDueAt: ms(r.breachedForDueAt),
    cycle: r.cycle,
    policyId: r.policyId,
  }
}

export const loadClocks = async (db: Db, ticketId: string) =>
  (await db.select().from(ticketSlaClocks).where(eq(ticketSlaClocks.ticketId, ticketId))).map(toClock)

/**
 * Why a clock stopped: the `reason` of its `sla.stopped` event. `no_policy` (no policy applies to
 * the ticket any more) and `no_target` (its policy sets none for this clock at its priority) mean
 * nothing measures the clock: it runs again when a policy sets it a target while the ticket is
 * open. A clock stopped by a resolution, a closure or a merge ended with the work it measured.
 */
export type StopReason = 'no_policy' | 'no_target' | 'resolved' | 'closed' | 'merged'
const LAPSED: readonly (string | null)[] = ['no_policy', 'no_target'] satisfies StopReason[]

/** What the clocks need to know to run again under a policy: what the ticket still owes its customer. */
export interface Owed {
  /** A public agent reply was made: first response is no longer owed. */
  firstResponded: boolean
  lastAgentReplyAt: number | null
  lastCustomerMessageAt: number | null
  /** The clocks stopped for lack of a policy or target (`no_policy`, `no_target`), with the instant they stopped. */
  lapsed: ReadonlyMap<ClockKind, number>
}

/** Nothing owed but a resolution: the clocks of a reopened ticket as they were before stop reasons existed. */
const RESOLUTION_ONLY: Owed = { firstResponded: true, lastAgentReplyAt: null, lastCustomerMessageAt: null, lapsed: new Map() }

/**
 * What `ticket` owes, for a re-selection or a reopening. Why each stopped clock stopped is in the
 * event log, read only when one is stopped.
 */
export async function owedOf(
  db: Db,
  ticket: { id: string; firstResponseAt: Date | null; lastAgentReplyAt: Date | null; lastCustomerMessageAt: Date | null },
  rows: Awaited<ReturnType<typeof loadClocks>>,
): Promise<Owed> {
  const lapsed = new Map<ClockKind, number>()
  if (rows.some((r) => r.status === 'stopped')) {
    // The last stop of a clock says why it is stopped now: only a (recorded) restart undoes one.
    const lastStop = new Map((await slaEvents(db, ticket.id)).filter((e) => e.type === 'sla.stopped').map((e) => [e.field, e]))
    for (const r of rows) {
      const e = lastStop.get(r.kind)
      if (r.status === 'stopped' && e && LAPSED.includes(e.reason)) lapsed.set(r.kind, e.createdAt.getTime())
    }
  }
  return {
    firstResponded: ticket.firstResponseAt !== null,
    lastAgentReplyAt: ms(ticket.lastAgentReplyAt),
    lastCustomerMessageAt: ms(ticket.lastCustomerMessageAt),
    lapsed,
  }
}

/** What happens to a ticket that the clocks care about. */
export type ClockChange =
  | { kind: 'created'; category: StateCategory }
  | { kind: 'agentReply' }
  | { kind: 'customerReply'; category: StateCategory }
  /** `owed` matters when the ticket reopens (from resolved or closed); without it only resolution runs again. */
  | { kind: 'category'; from: StateCategory; to: StateCategory; owed?: Owed }
  | { kind: 'facts'; category: StateCategory; owed: Owed }
  | { kind: 'merged' }

type Clocks = Map<ClockKind, SlaClock & { cycle: number; policyId?: string }>
/** Why a clock changed, when its status alone does not say: the reason it stopped, or that it runs again after stopping for lack of a policy. */
type Why = Map<ClockKind, StopReason | 'revived'>

const active = (c: SlaClock | undefined) => c !== undefined && (c.status === 'running' || c.status === 'paused')
export const isDone = (cat: StateCategory) => cat === 'resolved' || cat === 'closed'

/** Applies one change to the clocks; `old` is the policy the clocks ran under, `next` the one that applies now. */
function transition(
  clocks: Clocks,
  change: ClockChange,
  old: AppliedPolicy | null,
  next: AppliedPolicy | null,
  priority: TicketFacts['priority'],
  now: number,
): { out: Clocks; why: Why } {
  const out: Clocks = new Map(clocks)
  const why: Why = new Map()
  const set = (k: ClockKind, c: SlaClock, cycle?: number) => out.set(k, { ...c, cycle: cycle ?? out.get(k)?.cycle ?? 1 })
  const cal = next?.cal ?? old?.cal ?? null
  const targetOf = (k: ClockKind) => next && clockTarget(next.policy, priority, k, next.cal, now)
  const start = (k: ClockKind, paused: boolean, cycle = 1) => {
    const target = targetOf(k)
    if (target) set(k, startClock(k, target, next!.cal, now, paused), cycle)
  }
  const stop = (k: ClockKind, c: SlaClock, reason: StopReason, stopCal = cal) => {
    const stopped = stopClock(c, stopCal, now)
    if (stopped !== c) why.set(k, reason)
    set(k, stopped)
  }
  /**
   * A policy applies to an open ticket: the clocks nothing measures run under it. One stopped for
   * lack of a policy or target resumes with the time it had consumed (the time without one does
   * not count); one that never ran starts now. First response only while no public agent reply was
   * made; next response only while the customer waits for a reply after the first (the same wait
   * resumes, a later one is a new cycle); resolution always. Clocks met, or stopped by a
   * resolution, closure or merge, stay as they are.
   */
  const reinstate = (owed: Owed, paused: boolean) => {
    for (const k of CLOCK_KINDS) {
      const c = out.get(k)
      const lapsedAt = owed.lapsed.get(k)
      const target = targetOf(k)
      if ((c && lapsedAt === undefined) || !target) continue
      if (k === 'first_response' && owed.firstResponded) continue
      if (k === 'next_response') {
        const waiting = owed.firstResponded && owed.lastCustomerMessageAt !== null && owed.lastCustomerMessageAt > (owed.lastAgentReplyAt ?? Number.NEGATIVE_INFINITY)
        if (!waiting) continue
        // Answered since it stopped: the customer's newer message is a new wait.
        if (c && owed.lastAgentReplyAt !== null && owed.lastAgentReplyAt >= lapsedAt!) {
          start(k, paused, c.cycle + 1)
          continue
        }
      }
      if (!c) start(k, paused)
      else {
        set(k, reopenClock(c, next!.cal, now, paused, target))
        why.set(k, 'revived')
      }
    }
  }
  switch (change.kind) {
    case 'created':
      if (!isDone(change.category)) {
        start('first_response', change.category === 'pending')
        start('resolution', change.category === 'pending')
      }
      break
    case 'agentReply':
      for (const k of ['first_response', 'next_response'] as const) {
        const c = out.get(k)
        if (active(c)) set(k, meetClock(c!, cal, now))
      }
      break
    case 'customerReply': {
      const fr = out.get('first_response')
      const nr = out.get('next_response')
      // The first response is still owed: that clock covers the customer's follow-up too.
      if (active(fr) || active(nr) || isDone(change.category)) break
      start('next_response', change.category === 'pending', (nr?.cycle ?? 0) + 1)
      break
    }
    case 'category': {
      const { from, to } = change
      const reopening = isDone(from) && !isDone(to)
      const owed = change.owed ?? RESOLUTION_ONLY
      for (const [k, c] of out) {
        if (to === 'closed') stop(k, c, 'closed')
        else if (to === 'resolved') k === 'resolution' ? set(k, meetClock(c, cal, now)) : stop(k, c, 'resolved')
        else if (reopening && k === 'resolution') {
          if (owed.lapsed.has(k)) continue // reinstate decides
          if (targetOf(k)) set(k, reopenClock(c, cal, now, to === 'pending'))
          else {
            // Reopened, but nothing sets it a target: it stays stopped, for lack of a policy now, so a later one revives it.
            set(k, { ...c, status: 'stopped', runningSince: null, metAt: null, dueAt: null, warnAt: null })
            why.set(k, next ? 'no_target' : 'no_policy')
          }
        } else if (to === 'pending') set(k, pauseClock(c, cal, now))
        else if (from === 'pending') set(k, resumeClock(c, cal, now))
      }
      if (reopening) reinstate(owed, to === 'pending')
      break
    }
    case 'facts':
      for (const k of CLOCK_KINDS) {
        const c = out.get(k)
        const target = targetOf(k)
        if (!c || !active(c)) continue
        if (target) set(k, retargetClock(c, target, old?.cal ?? null, next!.cal, now))
        else stop(k, c, next ? 'no_target' : 'no_policy', old?.cal ?? null)
      }
      if (!isDone(change.category)) reinstate(change.owed, change.category === 'pending')
      break
    case 'merged':
      for (const [k, c] of out) stop(k, c, 'merged')
      break
  }
  return { out, why }
}

const iso = (n: number | null) => (n === null ? null : new Date(n).toISOString())

/**
 * One event per clock whose status, cycle or due instant changed, or whose reason to be stopped did.
 * A clock running again after stopping for lack of a policy `resumed` (`resumed_paused` while the
 * ticket waits on the customer): it continues from the time it had consumed.
 */
function diffEvents(before: Clocks, after: Clocks, why: Why, now: number): EventInput[] {
  const events: EventInput[] = []
  for (const k of CLOCK_KINDS) {
    const a = before.get(k)
    const b = after.get(k)
    if (!b) continue
    const state = { status: b.status, dueAt: iso(b.dueAt), consumedSeconds: b.consumedSeconds, targetSeconds: b.targetSeconds, cycle: b.cycle }
    const reason = why.get(k)
    let type: string | undefined
    if (!a || b.cycle !== a.cycle) type = b.status === 'paused' ? 'sla.started_paused' : 'sla.started'
    else if (reason === 'revived') type = b.status === 'paused' ? 'sla.resumed_paused' : 'sla.resumed'
    else if (a.status !== b.status || (b.status === 'stopped' && reason)) {
      type = { running: a.status === 'paused' ? 'sla.resumed' : 'sla.reopened', paused: 'sla.paused', met: 'sla.met', stopped: 'sla.stopped' }[b.status]
    } else if (a.dueAt !== b.dueAt || a.targetSeconds !== b.targetSeconds) type = 'sla.retargeted'
    if (!type) continue
    events.push({
      type,
      field: k,
      old: a ? { status: a.status, dueAt: iso(a.dueAt), consumedSeconds: a.consumedSeconds, targetSeconds: a.targetSeconds } : null,
      new: type === 'sla.met' ? { ...state, breached: isBreached(b, now) } : state,
      ...(type === 'sla.stopped' && reason !== 'revived' ? { reason } : {}),
    })
  }
  return events
}

export interface ClockOutcome {
  /** Ticket columns derived from the clocks. */
  columns: {
    slaPolicyId: string | null
    firstResponseDueAt: Date | null
    nextResponseDueAt: Date | null
    resolutionDueAt: Date | null
    nextDueAt: Date | null
    nextSlaEventAt: Date | null
  }
  events: EventInput[]
}

export interface ClockPlan extends ClockOutcome {
  /** The clock rows to upsert (none when nothing changed or no policy ever applied). */
  rows: Array<typeof ticketSlaClocks.$inferInsert>
}

/** Applies a change to the given clock rows in memory: the ticket columns, events and the rows to write. No I/O. */
export function planClockChange(
  ticketId: string,
  rows: Awaited<ReturnType<typeof loadClocks>>,
  change: ClockChange,
  old: AppliedPolicy | null,
  next: AppliedPolicy | null,
  priority: TicketFacts['priority'],
  now: Date,
): ClockPlan {
  const before: Clocks = new Map(rows.map((c) => [c.kind, c]))
  const { out: after, why } = transition(before, change, old, next, priority, now.getTime())
  const changed = [...after.values()].filter((c) => {
    const b = before.get(c.kind)
    return !b || JSON.stringify({ ...b, policyId: undefined }) !== JSON.stringify(c)
  })
  const policyId = next?.policy.id ?? old?.policy.id
  const all = [...after.values()]
  const dueOf = (k: ClockKind) => date(after.get(k)?.dueAt ?? null)
  return {
    // A ticket without a policy keeps each clock's last one (a clock stopped at its reopening).
    rows: changed.flatMap((c) => {
      const clockPolicyId = policyId ?? c.policyId
      return clockPolicyId
        ? [
            {
            ticketId,
            kind: c.kind,
            status: c.status,
            policyId: clockPolicyId,
            measure: c.measure,
            targetSeconds: c.targetSeconds,
            warnSeconds: c.warnSeconds,
            consumedSeconds: c.consumedSeconds,
            runningSince: date(c.runningSince),
            virtualStartAt: c.runningSince === null ? null : new Date(c.runningSince - c.consumedSeconds * 1000),
            dueAt: date(c.dueAt),
            warnAt: date(c.warnAt),
            metAt: date(c.metAt),
            warnedForDueAt: date(c.warnedForDueAt),
            breachedForDueAt: date(c.breachedForDueAt),
            cycle: c.cycle,
            updatedAt: now,
            },
          ]
        : []
    }),
    columns: {
      slaPolicyId: next?.policy.id ?? null,
      firstResponseDueAt: dueOf('first_response'),
      nextResponseDueAt: dueOf('next_response'),
      resolutionDueAt: dueOf('resolution'),
      nextDueAt: date(nextDueAt(all)),
      nextSlaEventAt: date(nextSlaEventAt(all)),
    },
    events: diffEvents(before, after, why, now.getTime()),
  }
}

/** The upsert of planned clock rows, unexecuted (so it can join other writes in one statement). */
const clockUpsert = (tx: Db, rows: ClockPlan['rows']) =>
  tx
    .insert(ticketSlaClocks)
    .values(rows)
    .onConflictDoUpdate({
      target: [ticketSlaClocks.ticketId, ticketSlaClocks.kind],
      set: {
        status: sqlExcluded('status'),
        policyId: sqlExcluded('policy_id'),
        measure: sqlExcluded('measure'),
        targetSeconds: sqlExcluded('target_seconds'),
        warnSeconds: sqlExcluded('warn_seconds'),
        consumedSeconds: sqlExcluded('consumed_seconds'),
        runningSince: sqlExcluded('running_since'),
        virtualStartAt: sqlExcluded('virtual_start_at'),
        dueAt: sqlExcluded('due_at'),
        warnAt: sqlExcluded('warn_at'),
        metAt: sqlExcluded('met_at'),
        warnedForDueAt: sqlExcluded('warned_for_due_at'),
        breachedForDueAt: sqlExcluded('breached_for_due_at'),
        cycle: sqlExcluded('cycle'),
        updatedAt: sqlExcluded('updated_at'),
      },
    })

/**
 * Loads the ticket's clocks, applies the change and writes the clocks that changed. `next` is the
 * policy that applies from now on (the same as `old` unless the facts changed).
 */
export async function applyClockChange(
  tx: Db,
  ticketId: string,
  change: ClockChange,
  old: AppliedPolicy | null,
  next: AppliedPolicy | null,
  priority: TicketFacts['priority'],
  now: Date,
  existing?: Awaited<ReturnType<typeof loadClocks>>,
): Promise<ClockOutcome> {
  const rows = existing ?? (change.kind === 'created' ? [] : await loadClocks(tx, ticketId))
  const plan = planClockChange(ticketId, rows, change, old, next, priority, now)
  if (plan.rows.length) await clockUpsert(tx, plan.rows)
  return { columns: plan.columns, events: plan.events }
}

const sqlExcluded = (column: string) => sql.raw(`excluded.${column}`)
