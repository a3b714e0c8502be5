import { eq, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { getById, ilikeAny, listById, updateVersioned } from '../../db/crud.ts'
import { organizations } from '../../db/schema/index.ts'
import type { ListOrganizationsQuery } from './organizations.schemas.ts'

export type OrganizationRow = typeof organizations.$inferSelect

export const insertOrganization = async (db: Db, row: typeof organizations.$inferInsert) =>
  (await db.insert(organizations).values(row).returning())[0]!

export const findOrganization = (db: Db, id: string) => getById(db, organizations, id)

export const listOrganizations = <R>(db: Db, q: ListOrganizationsQuery & { limit: number }, map: (r: OrganizationRow) => R) =>
  listById(
    db,
    organizations,
    'organizations',
    [
      ilikeAny([organizations.name, organizations.taxId], q.q),
      q.active === undefined ? undefined : eq(organizations.active, q.active),
      q.emailDomain ? sql`${organizations.emailDomains} @> array[${q.emailDomain.toLowerCase()}]::text[]` : undefined,
    ],
    q,
    map,
  )

export const updateOrganization = (db: Db, id: string, version: number | undefined, patch: Partial<OrganizationRow>, now: Date) =>
  updateVersioned(db, organizations, 'organization', id, version, patch, now)
