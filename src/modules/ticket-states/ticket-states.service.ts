import type { Db } from '../../db/client.ts'
import { invalidatingConfig } from '../../lib/config-cache.ts'
import type { StateCategory } from '../../db/schema/ticket-config.ts'
import type { Deps } from '../../deps.ts'
import { AppError, type FieldError, notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import { describeConstraint } from '../../plugins/problem-details.ts'
import * as repo from './ticket-states.repo.ts'
import type { CreateTicketState, ListTicketStatesQuery, TicketState, UpdateTicketState } from './ticket-states.schemas.ts'

describeConstraint('ticket_states_key_key', 'key', 'a state with this key already exists')
// Two admins making different states the default at the same moment: one of them gets this.
describeConstraint('ticket_states_default_key', 'isDefault', 'another state became the default at the same time; retry')

export function toTicketState(r: repo.TicketStateRow): TicketState {
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    category: r.category,
    isDefault: r.isDefault,
    position: r.position,
    allowedTransitions: r.allowedTransitions,
    active: r.active,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

const fieldError = (code: 'UNPROCESSABLE' | 'REFERENCE_NOT_FOUND', errors: FieldError[]) =>
  new AppError(code, errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors })

/** Every target must exist, and a state never lists itself (staying put is not a transition). */
async function checkTransitions(db: Db, ownKey: string, targets: string[] | undefined): Promise<void> {
  if (!targets?.length) return
  const self = targets.indexOf(ownKey)
  if (self >= 0) {
    throw fieldError('UNPROCESSABLE', [{ in: 'body', field: `allowedTransitions.${self}`, message: 'a state cannot list itself as a transition' }])
  }
  const existing = await repo.lockExistingKeys(db, targets)
  const missing: FieldError[] = targets.flatMap((k, i) =>
    existing.has(k) ? [] : [{ in: 'body' as const, field: `allowedTransitions.${i}`, message: `the state ${k} does not exist` }],
  )
  if (missing.length) throw fieldError('REFERENCE_NOT_FOUND', missing)
}

/**
 * New tickets start in the default state, so there is always exactly one, of category `new`:
 * the first `new` state becomes it, making another the default unsets the old one in the same
 * transaction, and the default cannot be unset, deactivated, moved out of `new` or deleted.
 */
function checkDefault(category: StateCategory, isDefault: boolean, active: boolean): void {
  if (!isDefault) return
  if (category !== 'new') {
    throw fieldError('UNPROCESSABLE', [{ in: 'body', field: 'isDefault', message: 'only a state of category new can be the default' }])
  }
  if (!active) {
    throw fieldError('UNPROCESSABLE', [{ in: 'body', field: 'active', message: 'the default state cannot be deactivated; make another state the default first' }])
  }
}

export async function createTicketState(deps: Deps, input: CreateTicketState): Promise<TicketState> {
  const now = deps.clock.now()
  const row = await invalidatingConfig(deps.db.transaction(async (tx) => {
    await checkTransitions(tx, input.key, input.allowedTransitions)
    let isDefault = input.isDefault ?? false
    checkDefault(input.category, isDefault, true)
    if (isDefault) await repo.clearDefault(tx, null, now)
    else if (input.category === 'new' && !(await repo.findDefaultState(tx))) isDefault = true
    return repo.insertTicketState(tx, {
      key: input.key,
      name: input.name.trim(),
      category: input.category,
      isDefault,
      position: input.position ?? 0,
      allowedTransitions: input.allowedTransitions ?? [],
      createdAt: now,
      updatedAt: now,
    })
  }))
  return toTicketState(row)
}

export async function getTicketState(deps: Deps, id: string): Promise<TicketState> {
  const row = await repo.findTicketState(deps.db, id)
  if (!row) throw notFound('ticket state', id)
  return toTicketState(row)
}

export const listTicketStates = (deps: Deps, q: ListTicketStatesQuery): Promise<Page<TicketState>> =>
  repo.listTicketStates(deps.db, { ...q, limit: q.limit ?? 50 }, toTicketState)

export async function updateTicketState(deps: Deps, id: string, version: number | undefined, patch: UpdateTicketState): Promise<TicketState> {
  const now = deps.clock.now()
  const row = await invalidatingConfig(deps.db.transaction(async (tx) => {
    const current = await repo.findTicketState(tx, id, true)
    if (!current) throw notFound('ticket state', id)
    if (current.isDefault && patch.isDefault === false) {
      throw fieldError('UNPROCESSABLE', [{ in: 'body', field: 'isDefault', message: 'there must be a default state; make another state the default instead' }])
    }
    const isDefault = patch.isDefault ?? current.isDefault
    checkDefault(patch.category ?? current.category, isDefault, patch.active ?? current.active)
    await checkTransitions(tx, current.key, patch.allowedTransitions)
    if (isDefault && !current.isDefault) await repo.clearDefault(tx, id, now)
    const { name, ...rest } = patch
    // A stale If-Match fails here and rolls back the default switch above with it.
    return repo.updateTicketState(tx, id, version, { ...rest, ...(name !== undefined ? { name: name.trim() } : {}) }, now)
  }))
  return toTicketState(row)
}

/**
 * States are deleted for real (unlike queues) so a mistyped state leaves no trace, but only
 * while nothing refers to them: other states' transitions now, tickets once they exist.
 */
export async function deleteTicketState(deps: Deps, id: string, version: number | undefined): Promise<void> {
  await invalidatingConfig(deps.db.transaction(async (tx) => {
    const current = await repo.findTicketState(tx, id, true)
    if (!current) throw notFound('ticket state', id)
    if (version !== undefined && current.version !== version) {
      throw new AppError('PRECONDITION_FAILED', `ticket state ${id} is at version ${current.version}, not ${version}; fetch it again`)
    }
    if (current.isDefault) throw new AppError('CONFLICT', 'the default state cannot be deleted; make another state the default first')
    const referencing = await repo.statesTransitioningTo(tx, current.key)
    if (referencing.length) {
      throw new AppError('IN_USE', `the states ${referencing.join(', ')} may move to ${current.key}; remove it from their transitions first`, {
        referencedBy: referencing,
      })
    }
    // Tickets keep their state's id (history and reports read it): a state in use stays.
    if (await repo.stateInUse(tx, id)) {
      throw new AppError('IN_USE', `tickets are in state ${current.key}; move them to another state or deactivate this one instead`, {
        errors: [{ in: 'params', field: 'id', message: 'tickets use this state' }],
      })
    }
    await repo.deleteTicketState(tx, id)
  }))
}
