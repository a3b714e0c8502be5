/**
 * Which SLA policy applies to a ticket. Pure: no I/O, no clock.
 *
 * Precedence
 * 1. A policy MATCHES when every condition it sets matches the ticket. A condition is a list of
 *    allowed values for one dimension; an absent or empty list means "any". A ticket lacking the
 *    fact a condition needs (no contract, no site …) does not match that condition.
 * 2. Among matching policies the MOST SPECIFIC wins. Specificity is the sum of the weights of the
 *    dimensions a policy constrains, each weight a power of two in this order:
 *
 *      contract 128 > equipment 64 > site 32 > organization 16 > plan 8 > ticket type 4 > queue 2 > priority 1
 *
 *    so constraining one more-specific dimension beats constraining all less-specific ones together
 *    (a contract-only policy beats organization + plan + ticket type + queue + priority). The order
 *    goes from the narrowest agreement (one contract) through the customer's location and assets, to
 *    the customer, its plan, and finally what kind of request it is.
 * 3. Equal specificity: the lower `rank` wins. Rank is unique among active policies (a database
 *    constraint), so this decides every real tie; never the name or the order of the candidates.
 *    Should a caller pass two candidates with the same specificity and rank anyway, the smaller id
 *    decides, only so that the answer stays a function of the set of candidates.
 *
 * The trail explains the decision for every candidate, sorted by the same order (winner first, then
 * the other matches, then the non-matching policies by specificity and rank).
 */

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const
export type Priority = (typeof PRIORITIES)[number]

/** The facts of a ticket that selection looks at. */
export interface TicketFacts {
  organizationId: string
  planId?: string | null
  contractId?: string | null
  siteId?: string | null
  equipmentId?: string | null
  ticketTypeId?: string | null
  queueId?: string | null
  priority: Priority
}

export interface PolicyConditions {
  organizationIds?: string[]
  planIds?: string[]
  contractIds?: string[]
  siteIds?: string[]
  equipmentIds?: string[]
  ticketTypeIds?: string[]
  queueIds?: string[]
  priorities?: Priority[]
}

export interface SelectablePolicy {
  id: string
  name: string
  rank: number
  conditions: PolicyConditions
}

type ConditionKey = keyof PolicyConditions
type FactKey = keyof TicketFacts

export interface Dimension {
  name: 'contract' | 'equipment' | 'site' | 'organization' | 'plan' | 'ticketType' | 'queue' | 'priority'
  condition: ConditionKey
  fact: FactKey
  weight: number
}

/** Most specific first; the weights are powers of two (see the module docblock). */
export const DIMENSIONS: readonly Dimension[] = [
  { name: 'contract', condition: 'contractIds', fact: 'contractId', weight: 128 },
  { name: 'equipment', condition: 'equipmentIds', fact: 'equipmentId', weight: 64 },
  { name: 'site', condition: 'siteIds', fact: 'siteId', weight: 32 },
  { name: 'organization', condition: 'organizationIds', fact: 'organizationId', weight: 16 },
  { name: 'plan', condition: 'planIds', fact: 'planId', weight: 8 },
  { name: 'ticketType', condition: 'ticketTypeIds', fact: 'ticketTypeId', weight: 4 },
  { name: 'queue', condition: 'queueIds', fact: 'queueId', weight: 2 },
  { name: 'priority', condition: 'priorities', fact: 'priority', weight: 1 },
]

export interface ConditionCheck {
  dimension: Dimension['name']
  matched: boolean
  /** Why it failed, e.g. "ticket's site 0190… is not one of 2 sites", "the ticket has no contract". */
  reason?: string
}

export type Outcome = 'selected' | 'less_specific' | 'lost_on_rank' | 'not_matching'

export interface TrailEntry {
  policyId: string
  name: string
  rank: number
  /** The dimensions the policy constrains, most specific first. */
  constrains: Dimension['name'][]
  specificity: number
  matched: boolean
  /** One entry per condition the policy sets. */
  conditions: ConditionCheck[]
  outcome: Outcome
  reason: string
}

export interface Selection<P extends SelectablePolicy> {
  policy: P | null
  trail: TrailEntry[]
}

const setList = (c: PolicyConditions, key: ConditionKey): readonly string[] | undefined => {
  const v = c[key]
  return v && v.length > 0 ? v : undefined
}

export function specificityOf(conditions: PolicyConditions): number {
  return DIMENSIONS.reduce((sum, d) => (setList(conditions, d.condition) ? sum + d.weight : sum), 0)
}

function check(p: SelectablePolicy, facts: TicketFacts): Omit<TrailEntry, 'outcome' | 'reason'> {
  const checks: ConditionCheck[] = []
  const constrains: Dimension['name'][] = []
  for (const d of DIMENSIONS) {
    const allowed = setList(p.conditions, d.condition)
    if (!allowed) continue
    constrains.push(d.name)
    const value = facts[d.fact]
    if (value === undefined || value === null) {
      checks.push({ dimension: d.name, matched: false, reason: `the ticket has no ${d.name}` })
    } else if (allowed.includes(value)) {
      checks.push({ dimension: d.name, matched: true })
    } else {
      const many = allowed.length === 1 ? `${d.name} ${allowed[0]}` : `one of ${allowed.length} ${d.name} values`
      checks.push({ dimension: d.name, matched: false, reason: `the ticket's ${d.name} ${value} is not ${many}` })
    }
  }
  return {
    policyId: p.id,
    name: p.name,
    rank: p.rank,
    constrains,
    specificity: specificityOf(p.conditions),
    matched: checks.every((c) => c.matched),
    conditions: checks,
  }
}

/** Whether every condition set matches the ticket (the same rule as policy selection; escalation rules reuse it). */
export const matchesConditions = (conditions: PolicyConditions, facts: TicketFacts): boolean =>
  check({ id: '', name: '', rank: 0, conditions }, facts).matched

/** Winner first: matching before not, then more specific, then lower rank, then smaller id. */
function compare(a: Omit<TrailEntry, 'outcome' | 'reason'>, b: Omit<TrailEntry, 'outcome' | 'reason'>): number {
  if (a.matched !== b.matched) return a.matched ? -1 : 1
  if (a.specificity !== b.specificity) return b.specificity - a.specificity
  if (a.rank !== b.rank) return a.rank - b.rank
  return a.policyId < b.policyId ? -1 : a.policyId > b.policyId ? 1 : 0
}

export function selectPolicy<P extends SelectablePolicy>(facts: TicketFacts, candidates: readonly P[]): Selection<P> {
  const byId = new Map(candidates.map((p) => [p.id, p]))
  const checked = candidates.map((p) => check(p, facts)).sort(compare)
  const winner = checked[0]?.matched ? checked[0] : undefined
  const trail: TrailEntry[] = checked.map((c) => {
    if (!c.matched) {
      const failed = c.conditions.filter((x) => !x.matched).map((x) => x.reason)
      return { ...c, outcome: 'not_matching', reason: failed.join('; ') }
    }
    if (c === winner) {
      return { ...c, outcome: 'selected', reason: winnerReason(c, checked) }
    }
    const w = winner!
    if (c.specificity < w.specificity) {
      return {
        ...c,
        outcome: 'less_specific',
        reason: `less specific (${c.specificity}) than ${w.name} (${w.specificity})`,
      }
    }
    return {
      ...c,
      outcome: 'lost_on_rank',
      reason:
        c.rank === w.rank
          ? `same specificity and rank as ${w.name}; the smaller id wins`
          : `same specificity (${c.specificity}) as ${w.name}; rank ${c.rank} is after ${w.rank}`,
    }
  })
  return { policy: winner ? (byId.get(winner.policyId) ?? null) : null, trail }
}

function winnerReason(w: Omit<TrailEntry, 'outcome' | 'reason'>, all: Omit<TrailEntry, 'outcome' | 'reason'>[]): string {
  const rivals = all.filter((c) => c !== w && c.matched)
  if (rivals.length === 0) return 'the only matching policy'
  const tied = rivals.some((c) => c.specificity === w.specificity)
  return tied ? `most specific (${w.specificity}); lowest rank among equally specific policies` : `most specific (${w.specificity})`
}
