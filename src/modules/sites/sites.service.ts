import type { Deps } from '../../deps.ts'
import { notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import { describeConstraint } from '../../plugins/problem-details.ts'
import { requireActiveOrganization } from '../organizations/organizations.service.ts'
import * as repo from './sites.repo.ts'
import type { CreateSite, ListSitesQuery, Site, UpdateSite } from './sites.schemas.ts'

describeConstraint('sites_organization_name_key', 'name', 'this organization already has a site with this name')

export function toSite(r: repo.SiteRow, organizationTimeZone: string): Site {
  return {
    id: r.id,
    organizationId: r.organizationId,
    name: r.name,
    address: r.address,
    city: r.city,
    country: r.country,
    timeZone: r.timeZone,
    effectiveTimeZone: r.timeZone ?? organizationTimeZone,
    active: r.active,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

async function present(deps: Deps, rows: repo.SiteRow[]): Promise<Site[]> {
  const zones = await repo.organizationTimeZones(
    deps.db,
    rows.map((r) => r.organizationId),
  )
  return rows.map((r) => toSite(r, zones.get(r.organizationId) ?? deps.config.DEFAULT_TIME_ZONE))
}

export async function createSite(deps: Deps, input: CreateSite): Promise<Site> {
  const org = await requireActiveOrganization(deps.db, input.organizationId)
  const now = deps.clock.now()
  const row = await repo.insertSite(deps.db, {
    organizationId: org.id,
    name: input.name.trim(),
    address: input.address ?? null,
    city: input.city ?? null,
    country: input.country ?? null,
    timeZone: input.timeZone ?? null,
    createdAt: now,
    updatedAt: now,
  })
  return toSite(row, org.timeZone)
}

export async function getSite(deps: Deps, id: string): Promise<Site> {
  const row = await repo.findSite(deps.db, id)
  if (!row) throw notFound('site', id)
  return (await present(deps, [row]))[0]!
}

export async function listSites(deps: Deps, q: ListSitesQuery): Promise<Page<Site>> {
  const page = await repo.listSites(deps.db, { ...q, limit: q.limit ?? 50 })
  return { data: await present(deps, page.data), nextCursor: page.nextCursor }
}

export async function updateSite(deps: Deps, id: string, version: number | undefined, patch: UpdateSite): Promise<Site> {
  const { name, ...rest } = patch
  const row = await repo.updateSite(deps.db, id, version, { ...rest, ...(name !== undefined ? { name: name.trim() } : {}) }, deps.clock.now())
  return (await present(deps, [row]))[0]!
}

/**
 * A site nothing points at (a typo, a duplicate) is deleted; one that equipment or tickets
 * reference is refused with IN_USE, and is deactivated instead so history keeps its location.
 */
export const deleteSite = (deps: Deps, id: string, version: number | undefined) => repo.deleteSite(deps.db, id, version)
