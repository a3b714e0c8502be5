import { and, asc, eq, inArray, isNull, lt, lte, or, type SQL, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { getById, listById, updateVersioned } from '../../db/crud.ts'
import { agents, contracts, escalationRules, escalations, teamMembers, ticketSlaClocks, tickets } from '../../db/schema/index.ts'
import { OPEN_CATEGORIES } from '../../db/schema/tickets.ts'
import type { ClockKind } from '../../lib/sla-clock.ts'
import { TICKET_COLUMNS } from '../tickets/tickets.repo.ts'
import type { ListEscalationRulesQuery, ListEscalationsQuery } from './escalations.schemas.ts'

export type RuleRow = typeof escalationRules.$inferSelect
export type EscalationRow = typeof escalations.$inferSelect

export const insertRule = async (db: Db, row: typeof escalationRules.$inferInsert) => (await db.insert(escalationRules).values(row).returning())[0]!
export const findRule = (db: Db, id: string) => getById(db, escalationRules, id)
export const updateRule = (db: Db, id: string, version: number | undefined, patch: Partial<RuleRow>, now: Date) =>
  updateVersioned(db, escalationRules, 'escalation rule', id, version, patch, now)
export const listRules = <R>(db: Db, q: ListEscalationRulesQuery & { limit: number }, map: (r: RuleRow) => R) =>
  listById(
    db,
    escalationRules,
    'escalation-rules',
    [q.trigger ? eq(escalationRules.trigger, q.trigger) : undefined, q.active === undefined ? undefined : eq(escalationRules.active, q.active)],
    q,
    map,
  )
export const activeRules = (db: Db) =>
  db.select().from(escalationRules).where(eq(escalationRules.active, true)).orderBy(asc(escalationRules.level), asc(escalationRules.id))

export const findEscalation = (db: Db, id: string, lock = false) => getById(db, escalations, id, lock)
export const listEscalations = <R>(db: Db, q: ListEscalationsQuery & { limit: number }, map: (r: EscalationRow) => R) =>
  listById(
    db,
    escalations,
    'escalations',
    [q.ticketId ? eq(escalations.ticketId, q.ticketId) : undefined, q.status ? eq(escalations.status, q.status) : undefined],
    q,
    map,
  )

/** Records (rule, ticket, trigger instant) once: null when it was recorded already. */
export const insertEscalation = async (db: Db, row: typeof escalations.$inferInsert) =>
  (await db.insert(escalations).values(row).onConflictDoNothing({ target: [escalations.ruleId, escalations.ticketId, escalations.triggerAt] }).returning())[0] ?? null

const open = and(inArray(tickets.stateCategory, [...OPEN_CATEGORIES]), isNull(tickets.mergedIntoId))
const ticketColumns = {
  ticket: TICKET_COLUMNS,
  planId: contracts.planId,
  managerId: contracts.responsibleManagerId,
}

/**
 * Open tickets that may have reached a rule's trigger by `now`, with the clock the rule watches.
 * Each filter is a necessary condition (business time never runs faster than the wall clock), so
 * the exact instant is computed by the service; rows whose escalation was recorded for this rule
 * are still returned (the unique key decides), since a new due instant may escalate again.
 */
export async function candidates(db: Db, rule: RuleRow, now: Date) {
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000)
  if (rule.trigger === 'sla.warning' || rule.trigger === 'sla.breached') {
    const c = ticketSlaClocks
    let reached: SQL | undefined
    if (rule.trigger === 'sla.breached') reached = lte(c.dueAt, minutesAgo(rule.minutesAfterBreach ?? 0))
    else if (rule.percentElapsed === null) reached = lte(c.warnAt, now)
    else reached = and(percentReached(rule.clock!, rule.percentElapsed, now), sql`${c.runningSince} + make_interval(secs => greatest(0, ${c.targetSeconds} * ${rule.percentElapsed} / 100 - ${c.consumedSeconds})) <= ${now.toISOString()}::timestamptz`)
    return db
      .select({ ...ticketColumns, clock: ticketSlaClocks })
      .from(tickets)
      .leftJoin(contracts, eq(contracts.id, tickets.contractId))
      .innerJoin(c, and(eq(c.ticketId, tickets.id), eq(c.kind, rule.clock!), eq(c.status, 'running')))
      .where(and(open, reached))
  }
  const base = db.select(ticketColumns).from(tickets).leftJoin(contracts, eq(contracts.id, tickets.contractId))
  const rows = base.where(
    and(
      open,
      rule.trigger === 'unassigned'
        ? and(isNull(tickets.assigneeId), lte(tickets.createdAt, minutesAgo(rule.minutes ?? 0)))
        : rule.trigger === 'no_agent_reply'
          ? and(
              lte(tickets.lastCustomerMessageAt, minutesAgo(rule.minutes ?? 0)),
              or(isNull(tickets.lastAgentReplyAt), lt(tickets.lastAgentReplyAt, tickets.lastCustomerMessageAt)),
            )
          : and(eq(tickets.priority, 'urgent'), isNull(tickets.firstResponseAt), lte(tickets.createdAt, minutesAgo(rule.minutes ?? 0))),
    ),
  )
  return (await rows).map((r) => ({ ...r, clock: null as typeof ticketSlaClocks.$inferSelect | null }))
}

/**
 * The running clocks of a kind that may have reached `percent` % of their target by `now`, bounded by
 * `ticket_sla_clocks_percent_idx`: X % is reached no earlier than `virtual_start_at` plus X % of the
 * target (with more than X % consumed the bound lies before `running_since`, so it never drops a clock
 * the exact condition keeps), a bound that differs per target, so the distinct targets are walked through the index
 * (a recursive CTE: PostgreSQL has no skip scan) and each gets its own range. `offset 0` keeps the
 * planner from flattening the ranges into one hash join over every running clock, and `= any(array(…))`
 * makes the result an array computed first, so the clocks are then fetched by primary key.
 */
function percentReached(kind: ClockKind, percent: number, now: Date): SQL {
  const c = ticketSlaClocks
  const running = sql`${c.kind} = ${kind} and ${c.status} = 'running'`
  return sql`${c.ticketId} = any(array(
    with recursive targets(seconds) as (
      (select ${c.targetSeconds} from ${c} where ${running} order by ${c.targetSeconds} limit 1)
      union all
      select (select ${c.targetSeconds} from ${c} where ${running} and ${c.targetSeconds} > targets.seconds order by ${c.targetSeconds} limit 1)
        from targets where targets.seconds is not null
    )
    select r.ticket_id from targets cross join lateral (
      select ${c.ticketId} from ${c}
       where ${running} and ${c.targetSeconds} = targets.seconds
         and ${c.virtualStartAt} <= ${now.toISOString()}::timestamptz - make_interval(secs => targets.seconds * ${percent}::int / 100)
      offset 0
    ) r
  ))`
}

/** An active agent of the team with the skill and the fewest open tickets (then the smallest id). */
export async function agentBySkill(db: Db, teamId: string, skill: string): Promise<string | null> {
  const openCount = sql<number>`(select count(*) from ${tickets} where ${tickets.assigneeId} = ${agents.id} and ${open})`
  const [a] = await db
    .select({ id: agents.id, open: openCount })
    .from(teamMembers)
    .innerJoin(agents, eq(agents.id, teamMembers.agentId))
    .where(and(eq(teamMembers.teamId, teamId), eq(agents.active, true), sql`${agents.skills} @> array[${skill}]::text[]`))
    .orderBy(asc(openCount), asc(agents.id))
    .limit(1)
  return a?.id ?? null
}

/** Managers to ask for an approval: the contract's responsible manager, else every active manager. */
export async function approvers(db: Db, managerId: string | null): Promise<string[]> {
  if (managerId) return [managerId]
  return (await db.select({ id: agents.id }).from(agents).where(and(eq(agents.role, 'manager'), eq(agents.active, true)))).map((a) => a.id)
}
