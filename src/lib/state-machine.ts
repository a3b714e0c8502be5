/** What the state machine needs to know of a state. */
export interface StateNode {
  key: string
  active: boolean
  allowedTransitions: readonly string[]
}

export type TransitionCheck = { ok: true } | { ok: false; reason: string }

/**
 * Whether a ticket may move from one state to another under the configured transitions.
 * Moving to the state a ticket is already in is refused, so callers never record a change
 * that changed nothing; a deactivated state is no longer a target but may still be left.
 */
export function canTransition(states: readonly StateNode[], fromKey: string, toKey: string): TransitionCheck {
  const from = states.find((s) => s.key === fromKey)
  if (!from) return { ok: false, reason: `the state ${fromKey} does not exist` }
  const to = states.find((s) => s.key === toKey)
  if (!to) return { ok: false, reason: `the state ${toKey} does not exist` }
  if (fromKey === toKey) return { ok: false, reason: `the ticket is already in the state ${toKey}` }
  if (!to.active) return { ok: false, reason: `the state ${toKey} is deactivated` }
  if (!from.allowedTransitions.includes(toKey)) {
    const allowed = from.allowedTransitions.length ? from.allowedTransitions.join(', ') : 'no other state'
    return { ok: false, reason: `a ticket in the state ${fromKey} may move to ${allowed}, not to ${toKey}` }
  }
  return { ok: true }
}
