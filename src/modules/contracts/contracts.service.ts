import type { Deps } from '../../deps.ts'
import type { Db } from '../../db/client.ts'
import type { ContractStatus } from '../../db/schema/contracts.ts'
import { addDays, addMonths } from '../../lib/civil-date.ts'
import { AppError, type FieldError, invalidField, notFound } from '../../lib/errors.ts'
import { isCurrency } from '../../lib/money.ts'
import type { Page } from '../../lib/pagination.ts'
import { describeConstraint } from '../../plugins/problem-details.ts'
import { findPlan } from '../plans/plans.repo.ts'
import * as repo from './contracts.repo.ts'
import type { Contract, CreateContract, ListContractsQuery, UpdateContract } from './contracts.schemas.ts'
import { DIRECTORY_CHANNEL, notifyingWrite } from '../../db/change-feed.ts'

describeConstraint('contracts_number_key', 'number', 'a contract with this number already exists')
describeConstraint('contracts_organization_id_organizations_id_fk', 'organizationId', 'the organization does not exist')
describeConstraint('contracts_plan_id_plans_id_fk', 'planId', 'the plan does not exist')
describeConstraint('contracts_responsible_manager_id_agents_id_fk', 'responsibleManagerId', 'the agent does not exist')
describeConstraint('contracts_sla_policy_id_sla_policies_id_fk', 'slaPolicyId', 'the SLA policy does not exist')

/** A business rule refused a well-formed value: 422 naming the field. */
export const unprocessable = (field: string, message: string, code: 'UNPROCESSABLE' | 'REFERENCE_NOT_FOUND' = 'UNPROCESSABLE') =>
  new AppError(code, `${field}: ${message}`, { errors: [{ in: 'body', field, message }] })

export function toContract(r: repo.ContractRow): Contract {
  return {
    id: r.id,
    organizationId: r.organizationId,
    planId: r.planId,
    number: r.number,
    status: r.status,
    startsOn: r.startsOn,
    endsOn: r.endsOn,
    minimumTermMonths: r.minimumTermMonths,
    serviceMode: r.serviceMode,
    currency: r.currency,
    hourlyRates: r.hourlyRates,
    afterHoursMultiplierPercent: r.afterHoursMultiplierPercent,
    billingIncrementMinutes: r.billingIncrementMinutes,
    hourBankEnabled: r.hourBankEnabled,
    overdraftPolicy: r.overdraftPolicy,
    slotsPerMonth: r.slotsPerMonth,
    slotCarryOver: r.slotCarryOver,
    allowedChannels: r.allowedChannels,
    slaPolicyId: r.slaPolicyId,
    responsibleManagerId: r.responsibleManagerId,
    notifyCustomerOnSlaBreach: r.notifyCustomerOnSlaBreach,
    authorizedContacts: r.coversAllContacts ? 'all' : r.authorizedContactIds,
    budgetAlertThresholds: r.budgetAlertThresholds,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

/**
 * Allowed status changes. A draft is signed (active); an active contract may be suspended
 * (e.g. unpaid) and resumed; active or suspended contracts end. Ended is final: a renewal
 * is a new contract, so statements of the old one stay as they were.
 */
const TRANSITIONS: Record<ContractStatus, readonly ContractStatus[]> = {
  draft: ['active'],
  active: ['suspended', 'ended'],
  suspended: ['active', 'ended'],
  ended: [],
}

type Terms = Pick<
  repo.ContractRow,
  'organizationId' | 'startsOn' | 'endsOn' | 'minimumTermMonths' | 'currency' | 'hourlyRates' | 'allowedChannels' | 'responsibleManagerId' | 'coversAllContacts' | 'authorizedContactIds'
>

/** The rules a contract must satisfy as a whole, checked on create and after every patch. */
async function checkTerms(db: Db, c: Terms): Promise<void> {
  if (!isCurrency(c.currency)) throw invalidField('currency', `${c.currency} is not an ISO 4217 currency`)
  if (c.endsOn !== null && c.endsOn < c.startsOn) throw unprocessable('endsOn', `must not be before startsOn (${c.startsOn})`)
  if (c.endsOn !== null && c.minimumTermMonths > 0) {
    const earliest = addDays(addMonths(c.startsOn, c.minimumTermMonths), -1)
    if (c.endsOn < earliest) {
      throw unprocessable('endsOn', `the term is shorter than the minimum term of ${c.minimumTermMonths} months: it must run at least until ${earliest}`)
    }
  }
  const seen = new Set<string>()
  const errors: FieldError[] = []
  c.hourlyRates.forEach((r, i) => {
    const key = `${r.role ?? ''}|${r.ticketTypeId ?? ''}`
    if (seen.has(key)) errors.push({ in: 'body', field: `hourlyRates.${i}`, message: 'repeats the role and ticket type of an earlier rate' })
    seen.add(key)
  })
  if (errors.length) throw new AppError('UNPROCESSABLE', 'hourlyRates: a role and ticket type may have one rate', { errors })
  if (!seen.has('|')) throw unprocessable('hourlyRates', 'needs a default entry (with neither role nor ticketTypeId)')
  if (!c.allowedChannels.length) throw unprocessable('allowedChannels', 'a contract must allow at least one channel (or take them from its plan)')
  if (c.responsibleManagerId) {
    const agent = await repo.findAgentRole(db, c.responsibleManagerId)
    if (!agent) throw unprocessable('responsibleManagerId', 'no such agent', 'REFERENCE_NOT_FOUND')
    if (agent.role !== 'manager' && agent.role !== 'admin') throw unprocessable('responsibleManagerId', `the agent is a${agent.role === 'agent' ? 'n' : ''} ${agent.role}, not a manager or admin`)
  }
  if (!c.coversAllContacts && c.authorizedContactIds.length) {
    const known = await repo.contactIdsOf(db, c.organizationId, c.authorizedContactIds)
    const missing = c.authorizedContactIds.flatMap((id, i) =>
      known.has(id) ? [] : [{ in: 'body' as const, field: `authorizedContacts.${i}`, message: 'is not a contact of the organization' }],
    )
    if (missing.length) throw new AppError('UNPROCESSABLE', 'authorizedContacts: every contact must belong to the organization', { errors: missing })
  }
}

const contactColumns = (a: CreateContract['authorizedContacts']) =>
  a === undefined ? {} : a === 'all' ? { coversAllContacts: true, authorizedContactIds: [] } : { coversAllContacts: false, authorizedContactIds: a }

async function planOf(db: Db, planId: string) {
  const plan = await findPlan(db, planId)
  if (!plan) throw unprocessable('planId', 'no such plan', 'REFERENCE_NOT_FOUND')
  if (!plan.active) throw unprocessable('planId', 'the plan is retired; pick an active plan')
  return plan
}

export async function createContract(deps: Pick<Deps, 'db' | 'clock'>, input: CreateContract): Promise<Contract> {
  const { db } = deps
  if (!(await repo.findOrganizationBrief(db, input.organizationId))) throw unprocessable('organizationId', 'no such organization', 'REFERENCE_NOT_FOUND')
  const plan = input.planId ? await planOf(db, input.planId) : undefined
  const currency = input.currency ?? plan?.currency
  if (!currency) throw unprocessable('currency', 'is required when the plan names none')
  const { authorizedContacts, ...rest } = input
  const now = deps.clock.now()
  const row = {
    ...rest,
    number: input.number,
    status: input.status ?? 'draft',
    endsOn: input.endsOn ?? null,
    planId: input.planId ?? null,
    minimumTermMonths: input.minimumTermMonths ?? plan?.minimumTermMonths ?? 0,
    serviceMode: input.serviceMode ?? 'remote',
    currency,
    slotsPerMonth: input.slotsPerMonth !== undefined ? input.slotsPerMonth : (plan?.slotsPerMonth ?? null),
    allowedChannels: input.allowedChannels ?? plan?.allowedChannels ?? [],
    responsibleManagerId: input.responsibleManagerId ?? null,
    coversAllContacts: true,
    authorizedContactIds: [] as string[],
    ...contactColumns(authorizedContacts),
    createdAt: now,
    updatedAt: now,
  }
  await checkTerms(db, row)
  // The intake gate caches contracts (see intake-gate.ts): a new one may cover a requester instead of an older one.
  return toContract(await notifyingWrite(db, DIRECTORY_CHANNEL, repo.insertContract(db, row)))
}

export async function getContractRow(db: Db, id: string, lock = false): Promise<repo.ContractRow> {
  const row = await repo.findContract(db, id, lock)
  if (!row) throw notFound('contract', id)
  return row
}

export const getContract = async (deps: Deps, id: string): Promise<Contract> => toContract(await getContractRow(deps.db, id))

export const listContracts = (deps: Deps, q: ListContractsQuery): Promise<Page<Contract>> =>
  repo.listContracts(deps.db, { ...q, limit: q.limit ?? 50 }, toContract)

export async function updateContract(deps: Deps, id: string, version: number | undefined, patch: UpdateContract): Promise<Contract> {
  const write = deps.db.transaction(async (tx) => {
    const current = await getContractRow(tx, id, true)
    if (patch.status !== undefined && patch.status !== current.status && !TRANSITIONS[current.status].includes(patch.status)) {
      const allowed = TRANSITIONS[current.status]
      throw new AppError('CONFLICT', `a ${current.status} contract cannot become ${patch.status}${allowed.length ? `; it may become ${allowed.join(' or ')}` : ''}`, {
        errors: [{ in: 'body', field: 'status', message: `cannot change from ${current.status} to ${patch.status}` }],
      })
    }
    if (patch.planId && patch.planId !== current.planId) await planOf(tx, patch.planId)
    const { authorizedContacts, ...rest } = patch
    const changes: Partial<repo.ContractRow> = { ...rest, ...contactColumns(authorizedContacts) }
    await checkTerms(tx, { ...current, ...changes })
    return repo.updateContract(tx, id, version, changes, deps.clock.now())
  })
  return toContract(await notifyingWrite(deps.db, DIRECTORY_CHANNEL, write))
}
