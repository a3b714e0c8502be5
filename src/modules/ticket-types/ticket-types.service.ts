import { DESCRIPTION_FIELDS, type DescriptionField } from '../../db/schema/ticket-config.ts'
import { invalidatingConfig } from '../../lib/config-cache.ts'
import type { Deps } from '../../deps.ts'
import { notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import { describeConstraint } from '../../plugins/problem-details.ts'
import * as repo from './ticket-types.repo.ts'
import type { CreateTicketType, ListTicketTypesQuery, TicketType, UpdateTicketType } from './ticket-types.schemas.ts'

describeConstraint('ticket_types_name_key', 'name', 'a ticket type with this name already exists')

export function toTicketType(r: repo.TicketTypeRow): TicketType {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    billable: r.billable,
    requiredFields: r.requiredFields,
    active: r.active,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

/** Stored in the canonical order, so two equal sets compare equal and problems list fields alike. */
const canonical = (fields: readonly DescriptionField[]) => DESCRIPTION_FIELDS.filter((f) => fields.includes(f))

export async function createTicketType(deps: Deps, input: CreateTicketType): Promise<TicketType> {
  const now = deps.clock.now()
  const row = await invalidatingConfig(repo.insertTicketType(deps.db, {
    name: input.name.trim(),
    description: input.description ?? null,
    billable: input.billable ?? false,
    requiredFields: canonical(input.requiredFields ?? []),
    createdAt: now,
    updatedAt: now,
  }))
  return toTicketType(row)
}

export async function getTicketType(deps: Deps, id: string): Promise<TicketType> {
  const row = await repo.findTicketType(deps.db, id)
  if (!row) throw notFound('ticket type', id)
  return toTicketType(row)
}

export const listTicketTypes = (deps: Deps, q: ListTicketTypesQuery): Promise<Page<TicketType>> =>
  repo.listTicketTypes(deps.db, { ...q, limit: q.limit ?? 50 }, toTicketType)

export async function updateTicketType(deps: Deps, id: string, version: number | undefined, patch: UpdateTicketType): Promise<TicketType> {
  const { name, requiredFields, ...rest } = patch
  const row = await invalidatingConfig(repo.updateTicketType(
    deps.db,
    id,
    version,
    {
      ...rest,
      ...(name !== undefined ? { name: name.trim() } : {}),
      ...(requiredFields !== undefined ? { requiredFields: canonical(requiredFields) } : {}),
    },
    deps.clock.now(),
  ))
  return toTicketType(row)
}

/** Ticket types are deactivated, never deleted: closed tickets and statements keep their type. */
export const deactivateTicketType = (deps: Deps, id: string, version: number | undefined) =>
  updateTicketType(deps, id, version, { active: false })
