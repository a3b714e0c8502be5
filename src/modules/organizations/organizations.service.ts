import type { Deps } from '../../deps.ts'
import type { Db } from '../../db/client.ts'
import { AppError, notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import { describeConstraint } from '../../plugins/problem-details.ts'
import * as repo from './organizations.repo.ts'
import type { CreateOrganization, ListOrganizationsQuery, Organization, UpdateOrganization } from './organizations.schemas.ts'
import { DIRECTORY_CHANNEL, notifyingWrite } from '../../db/change-feed.ts'

describeConstraint('organizations_name_key', 'name', 'an organization with this name already exists')
describeConstraint('organizations_tax_id_key', 'taxId', 'an organization with this tax id already exists')

export function toOrganization(r: repo.OrganizationRow): Organization {
  return {
    id: r.id,
    name: r.name,
    taxId: r.taxId,
    emailDomains: r.emailDomains,
    defaultLocale: r.defaultLocale,
    timeZone: r.timeZone,
    billingContacts: r.billingContacts,
    notes: r.notes,
    active: r.active,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

const normalizeDomains = (d: string[] | undefined) => d && [...new Set(d.map((x) => x.toLowerCase()))]

export async function createOrganization(deps: Deps, input: CreateOrganization): Promise<Organization> {
  const now = deps.clock.now()
  const row = await repo.insertOrganization(deps.db, {
    name: input.name.trim(),
    taxId: input.taxId ?? null,
    emailDomains: normalizeDomains(input.emailDomains) ?? [],
    defaultLocale: input.defaultLocale ?? deps.config.DEFAULT_LOCALE,
    timeZone: input.timeZone ?? deps.config.DEFAULT_TIME_ZONE,
    billingContacts: input.billingContacts ?? [],
    notes: input.notes ?? null,
    createdAt: now,
    updatedAt: now,
  })
  return toOrganization(row)
}

export async function getOrganization(deps: Deps, id: string): Promise<Organization> {
  const row = await repo.findOrganization(deps.db, id)
  if (!row) throw notFound('organization', id)
  return toOrganization(row)
}

export const listOrganizations = (deps: Deps, q: ListOrganizationsQuery): Promise<Page<Organization>> =>
  repo.listOrganizations(deps.db, { ...q, limit: q.limit ?? 50 }, toOrganization)

export async function updateOrganization(deps: Deps, id: string, version: number | undefined, patch: UpdateOrganization): Promise<Organization> {
  const { emailDomains, name, ...rest } = patch
  // The intake gate caches organizations (see intake-gate.ts).
  const row = await notifyingWrite(
    deps.db,
    DIRECTORY_CHANNEL,
    repo.updateOrganization(
      deps.db,
      id,
      version,
      { ...rest, ...(name !== undefined ? { name: name.trim() } : {}), ...(emailDomains ? { emailDomains: normalizeDomains(emailDomains) } : {}) },
      deps.clock.now(),
    ),
  )
  return toOrganization(row)
}

/**
 * Organizations are deactivated, never deleted: tickets, contracts and statements keep
 * pointing at them for years. A deactivated organization can be reactivated by PATCH.
 */
export const deactivateOrganization = (deps: Deps, id: string, version: number | undefined) =>
  updateOrganization(deps, id, version, { active: false })

/**
 * Sites, equipment and contacts are created only under an existing, active organization;
 * the error names `organizationId` so a client knows which field to fix.
 */
export async function requireActiveOrganization(db: Db, id: string): Promise<repo.OrganizationRow> {
  const org = await repo.findOrganization(db, id)
  if (!org) {
    throw new AppError('REFERENCE_NOT_FOUND', `organization ${id} does not exist`, {
      errors: [{ in: 'body', field: 'organizationId', message: 'no such organization' }],
    })
  }
  if (!org.active) {
    throw new AppError('UNPROCESSABLE', `organization ${id} is deactivated; reactivate it first`, {
      errors: [{ in: 'body', field: 'organizationId', message: 'the organization is deactivated' }],
    })
  }
  return org
}
