// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import fc from 'fast-check'
import t from 'tap'
import { type PolicyConditions, PRIORITIES, type SelectablePolicy, selectPolicy, specificityOf, type TicketFacts } from '../../src/lib/sla-selection.ts'

const ORG = '01900000-0000-7000-8000-000000000001'
const OTHER_ORG = '01900000-0000-7000-8000-000000000002'
const CONTRACT = '01900000-0000-7000-8000-0000000000c1'
const SITE = '01900000-0000-7000-8000-0000000000a1'
const PLAN = '01900000-0000-7000-8000-0000000000b1'
const QUEUE = '01900000-0000-7000-8000-0000000000d1'

const facts: TicketFacts = { organizationId: ORG, contractId: CONTRACT, siteId: SITE, planId: PLAN, queueId: QUEUE, priority: 'high' }
let seq = 0
const policy = (name: string, rank: number, conditions: PolicyConditions): SelectablePolicy => ({
  id: `01900000-0000-7000-8000-${String(++seq).padStart(12, '0')}`,
  name,
  rank,
  conditions,
})

t.test('specificity weights: one more specific dimension beats all less specific ones together', async (t) => {
  t.equal(specificityOf({}), 0)
  t.equal(specificityOf({ contractIds: [CONTRACT] }), 128)
  t.equal(specificityOf({ organizationIds: [ORG], planIds: [PLAN], ticketTypeIds: [ORG], queueIds: [QUEUE], priorities: ['high'] }), 31)
  t.equal(specificityOf({ organizationIds: [] }), 0, 'an empty list means any')
  const contractOnly = policy('contract only', 9, { contractIds: [CONTRACT] })
  const everythingElse = policy('everything else', 1, {
    equipmentIds: undefined,
    siteIds: [SITE],
    organizationIds: [ORG],
    planIds: [PLAN],
    queueIds: [QUEUE],
    priorities: ['high'],
  })
  t.equal(selectPolicy(facts, [everythingElse, contractOnly]).policy?.name, 'contract only')
})

t.test('matching, failing reasons and the trail', async (t) => {
  const fallback = policy('default', 100, {})
  const orgUrgent = policy('org urgent', 5, { organizationIds: [ORG], priorities: ['urgent'] })
  const org = policy('org', 6, { organizationIds: [ORG, OTHER_ORG] })
  const orgSameSpec = policy('org twin', 4, { organizationIds: [ORG] })
  const equipment = policy('equipment', 1, { equipmentIds: [CONTRACT] })
  const { policy: won, trail } = selectPolicy(facts, [fallback, orgUrgent, org, orgSameSpec, equipment])
  t.equal(won?.name, 'org twin')
  t.same(
    trail.map((e) => [e.name, e.outcome]),
    [
      ['org twin', 'selected'],
      ['org', 'lost_on_rank'],
      ['default', 'less_specific'],
      ['equipment', 'not_matching'],
      ['org urgent', 'not_matching'],
    ],
  )
  const byName = Object.fromEntries(trail.map((e) => [e.name, e]))
  t.match(byName['org twin'], { specificity: 16, constrains: ['organization'], matched: true, reason: /lowest rank/ })
  t.match(byName['org'], { reason: 'same specificity (16) as org twin; rank 6 is after 4' })
  t.match(byName['default'], { specificity: 0, constrains: [], reason: 'less specific (0) than org twin (16)' })
  t.match(byName['equipment'], { conditions: [{ dimension: 'equipment', matched: false, reason: 'the ticket has no equipment' }] })
  t.match(byName['org urgent'], {
    specificity: 17,
    conditions: [
      { dimension: 'organization', matched: true },
      { dimension: 'priority', matched: false, reason: "the ticket's priority high is not priority urgent" },
    ],
  })
  t.equal(selectPolicy(facts, [fallback]).trail[0]?.reason, 'the only matching policy')
})

t.test('no candidates or no match → null', async (t) => {
  t.same(selectPolicy(facts, []), { policy: null, trail: [] })
  const r = selectPolicy(facts, [policy('other org', 1, { organizationIds: [OTHER_ORG] })])
  t.equal(r.policy, null)
  t.match(r.trail, [{ outcome: 'not_matching', reason: /is not organization/ }])
})

t.test('a duplicate rank (impossible among active policies) is still decided by id, not by list order', async (t) => {
  const a = policy('a', 1, {})
  const b = policy('b', 1, {})
  t.equal(selectPolicy(facts, [b, a]).policy?.id, a.id)
  t.equal(selectPolicy(facts, [a, b]).policy?.id, a.id)
  t.match(selectPolicy(facts, [b, a]).trail[1], { outcome: 'lost_on_rank', reason: /smaller id/ })
})

t.test('property: the result and the trail do not depend on the order of the candidates', async (t) => {
  const ids = [ORG, OTHER_ORG, CONTRACT, SITE]
  const subset = fc.option(fc.uniqueArray(fc.constantFrom(...ids), { maxLength: 2 }), { nil: undefined })
  const conditions = fc.record({
    organizationIds: subset,
    contractIds: subset,
    siteIds: subset,
    planIds: subset,
    equipmentIds: subset,
    priorities: fc.option(fc.uniqueArray(fc.constantFrom(...PRIORITIES), { maxLength: 2 }), { nil: undefined }),
  })
  const policies = fc
    .uniqueArray(fc.record({ rank: fc.integer({ min: 0, max: 5 }), conditions }), { maxLength: 8, selector: (p) => p.rank })
    .map((list) => list.map((p, i) => ({ id: `p${i}`, name: `policy ${i}`, ...p }) as SelectablePolicy))
  const ticket = fc.record({
    organizationId: fc.constantFrom(...ids),
    contractId: fc.option(fc.constantFrom(...ids), { nil: undefined }),
    siteId: fc.option(fc.constantFrom(...ids), { nil: null }),
    planId: fc.option(fc.constantFrom(...ids), { nil: undefined }),
    equipmentId: fc.option(fc.constantFrom(...ids), { nil: undefined }),
    priority: fc.constantFrom(...PRIORITIES),
  })
  fc.assert(
    fc.property(ticket, policies.chain((ps) => fc.tuple(fc.constant(ps), fc.shuffledSubarray(ps, { minLength: ps.length }))), (f, [ps, shuffled]) => {
      const a = selectPolicy(f, ps)
      const b = selectPolicy(f, shuffled)
      if (a.policy?.id !== b.policy?.id) throw new Error('winner depends on order')
      if (JSON.stringify(a.trail) !== JSON.stringify(b.trail)) throw new Error('trail depends on order')
      // The winner matches and no matching policy is strictly better.
      if (a.policy) {
        const w = a.trail[0]!
        for (const e of a.trail.slice(1)) {
          if (e.matched && (e.specificity > w.specificity || (e.specificity === w.specificity && e.rank < w.rank))) throw new Error('not the best')
        }
      } else if (a.trail.some((e) => e.matched)) throw new Error('a match was ignored')
    }),
    { numRuns: 500 },
  )
  t.pass('500 shuffled candidate lists chose the same policy with the same trail')
})
