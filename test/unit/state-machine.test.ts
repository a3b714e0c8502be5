// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import t from 'tap'
import { DEFAULT_STATES } from '../../src/db/seed-defaults.ts'
import { canTransition, type StateNode } from '../../src/lib/state-machine.ts'

const states: StateNode[] = DEFAULT_STATES.map((s) => ({ key: s.key, active: true, allowedTransitions: s.allowedTransitions }))

t.test('allowed transitions of the default states pass', async (t) => {
  t.same(canTransition(states, 'new', 'open'), { ok: true })
  t.same(canTransition(states, 'open', 'pending'), { ok: true })
  t.same(canTransition(states, 'pending', 'open'), { ok: true })
  t.same(canTransition(states, 'resolved', 'open'), { ok: true })
  t.same(canTransition(states, 'closed', 'open'), { ok: true })
})

t.test('a transition not listed is refused, naming what is allowed', async (t) => {
  const r = canTransition(states, 'closed', 'pending')
  t.equal(r.ok, false)
  t.match(r, { reason: /closed may move to open, not to pending/ })
  t.match(canTransition(states, 'open', 'new'), { ok: false, reason: /not to new/ })
})

t.test('a state with no transitions says so', async (t) => {
  const dead: StateNode[] = [...states, { key: 'archived', active: true, allowedTransitions: [] }]
  t.match(canTransition(dead, 'archived', 'open'), { ok: false, reason: /archived may move to no other state/ })
})

t.test('staying in the same state is not a transition', async (t) => {
  t.match(canTransition(states, 'open', 'open'), { ok: false, reason: /already in the state open/ })
})

t.test('unknown states are refused', async (t) => {
  t.match(canTransition(states, 'nope', 'open'), { ok: false, reason: /nope does not exist/ })
  t.match(canTransition(states, 'open', 'nope'), { ok: false, reason: /nope does not exist/ })
})

t.test('a deactivated state can be left but not entered', async (t) => {
  const withInactive = states.map((s) => (s.key === 'pending' ? { ...s, active: false } : s))
  t.match(canTransition(withInactive, 'open', 'pending'), { ok: false, reason: /pending is deactivated/ })
  t.same(canTransition(withInactive, 'pending', 'open'), { ok: true })
})
