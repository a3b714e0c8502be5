import type { Deps } from '../../deps.ts'
import { invalidField, notFound } from '../../lib/errors.ts'
import { isCurrency } from '../../lib/money.ts'
import type { Page } from '../../lib/pagination.ts'
import { describeConstraint } from '../../plugins/problem-details.ts'
import * as repo from './plans.repo.ts'
import type { CreatePlan, ListPlansQuery, Plan, UpdatePlan } from './plans.schemas.ts'

describeConstraint('plans_name_key', 'name', 'a plan with this name already exists')

export function toPlan(r: repo.PlanRow): Plan {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    firstResponseTarget: r.firstResponseTarget,
    serviceScope: r.serviceScope,
    pricePerSlotMinor: r.pricePerSlotMinor,
    currency: r.currency,
    slotsPerMonth: r.slotsPerMonth,
    minimumTermMonths: r.minimumTermMonths,
    allowedChannels: r.allowedChannels,
    active: r.active,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

/** Rules the schema cannot state: a real currency, and a price always names its currency. */
function checkPrice(p: { pricePerSlotMinor: number | null; currency: string | null }) {
  if (p.currency !== null && !isCurrency(p.currency)) throw invalidField('currency', `${p.currency} is not an ISO 4217 currency`)
  if (p.pricePerSlotMinor !== null && p.currency === null) throw invalidField('currency', 'is required when pricePerSlotMinor is set')
}

export async function createPlan(deps: Pick<Deps, 'db' | 'clock'>, input: CreatePlan): Promise<Plan> {
  const now = deps.clock.now()
  const values = {
    name: input.name.trim(),
    description: input.description ?? null,
    firstResponseTarget: input.firstResponseTarget ?? null,
    serviceScope: input.serviceScope ?? null,
    pricePerSlotMinor: input.pricePerSlotMinor ?? null,
    currency: input.currency ?? null,
    slotsPerMonth: input.slotsPerMonth ?? null,
    minimumTermMonths: input.minimumTermMonths ?? 0,
    allowedChannels: input.allowedChannels ?? [],
  }
  checkPrice(values)
  return toPlan(await repo.insertPlan(deps.db, { ...values, createdAt: now, updatedAt: now }))
}

export async function getPlan(deps: Deps, id: string): Promise<Plan> {
  const row = await repo.findPlan(deps.db, id)
  if (!row) throw notFound('plan', id)
  return toPlan(row)
}

export const listPlans = (deps: Deps, q: ListPlansQuery): Promise<Page<Plan>> => repo.listPlans(deps.db, { ...q, limit: q.limit ?? 50 }, toPlan)

export async function updatePlan(deps: Deps, id: string, version: number | undefined, patch: UpdatePlan): Promise<Plan> {
  const row = await deps.db.transaction(async (tx) => {
    const current = await repo.findPlan(tx, id, true)
    if (!current) throw notFound('plan', id)
    const merged = { ...current, ...patch, ...(patch.name !== undefined ? { name: patch.name.trim() } : {}) }
    checkPrice({ pricePerSlotMinor: merged.pricePerSlotMinor ?? null, currency: merged.currency ?? null })
    const { name, ...rest } = patch
    return repo.updatePlan(tx, id, version, { ...rest, ...(name !== undefined ? { name: name.trim() } : {}) }, deps.clock.now())
  })
  return toPlan(row)
}

/** Plans are retired, not deleted: contracts made from them keep pointing at them. */
export const deactivatePlan = (deps: Deps, id: string, version: number | undefined) => updatePlan(deps, id, version, { active: false })
