import type { Deps } from '../../deps.ts'
import { AppError, notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import { describeConstraint } from '../../plugins/problem-details.ts'
import { requireActiveOrganization } from '../organizations/organizations.service.ts'
import { findSite } from '../sites/sites.repo.ts'
import * as repo from './equipment.repo.ts'
import type { CreateEquipment, Equipment, ListEquipmentQuery, UpdateEquipment } from './equipment.schemas.ts'

describeConstraint('equipment_organization_serial_key', 'serialNumber', 'this organization already has equipment with this serial number')

export function toEquipment(r: repo.EquipmentRow): Equipment {
  return {
    id: r.id,
    organizationId: r.organizationId,
    siteId: r.siteId,
    name: r.name,
    kind: r.kind,
    serialNumber: r.serialNumber,
    notes: r.notes,
    active: r.active,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

/** An asset can only stand at a location of its own organization. */
async function checkSite(deps: Deps, organizationId: string, siteId: string | null | undefined): Promise<void> {
  if (!siteId) return
  const site = await findSite(deps.db, siteId)
  if (!site || site.organizationId !== organizationId) {
    throw new AppError('UNPROCESSABLE', `site ${siteId} is not a site of organization ${organizationId}`, {
      errors: [{ in: 'body', field: 'siteId', message: site ? 'belongs to another organization' : 'no such site' }],
    })
  }
}

export async function createEquipment(deps: Deps, input: CreateEquipment): Promise<Equipment> {
  await requireActiveOrganization(deps.db, input.organizationId)
  await checkSite(deps, input.organizationId, input.siteId)
  const now = deps.clock.now()
  const row = await repo.insertEquipment(deps.db, {
    organizationId: input.organizationId,
    siteId: input.siteId ?? null,
    name: input.name.trim(),
    kind: input.kind.trim(),
    serialNumber: input.serialNumber ?? null,
    notes: input.notes ?? null,
    createdAt: now,
    updatedAt: now,
  })
  return toEquipment(row)
}

export async function getEquipment(deps: Deps, id: string): Promise<Equipment> {
  const row = await repo.findEquipment(deps.db, id)
  if (!row) throw notFound('equipment', id)
  return toEquipment(row)
}

export const listEquipment = (deps: Deps, q: ListEquipmentQuery): Promise<Page<Equipment>> =>
  repo.listEquipment(deps.db, { ...q, limit: q.limit ?? 50 }, toEquipment)

export async function updateEquipment(deps: Deps, id: string, version: number | undefined, patch: UpdateEquipment): Promise<Equipment> {
  if (patch.siteId) {
    const current = await repo.findEquipment(deps.db, id)
    if (!current) throw notFound('equipment', id)
    await checkSite(deps, current.organizationId, patch.siteId)
  }
  const { name, kind, ...rest } = patch
  const row = await repo.updateEquipment(
    deps.db,
    id,
    version,
    { ...rest, ...(name !== undefined ? { name: name.trim() } : {}), ...(kind !== undefined ? { kind: kind.trim() } : {}) },
    deps.clock.now(),
  )
  return toEquipment(row)
}

/** Deleted when nothing references it (a data-entry mistake); otherwise deactivated by PATCH. */
export const deleteEquipment = (deps: Deps, id: string, version: number | undefined) => repo.deleteEquipment(deps.db, id, version)
