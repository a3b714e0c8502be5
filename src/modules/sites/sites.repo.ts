import { eq, inArray } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { deleteVersioned, getById, ilikeAny, listById, updateVersioned } from '../../db/crud.ts'
import { organizations, sites } from '../../db/schema/index.ts'
import type { ListSitesQuery } from './sites.schemas.ts'

export type SiteRow = typeof sites.$inferSelect

export const insertSite = async (db: Db, row: typeof sites.$inferInsert) => (await db.insert(sites).values(row).returning())[0]!

export const findSite = (db: Db, id: string) => getById(db, sites, id)

export const listSites = (db: Db, q: ListSitesQuery & { limit: number }) =>
  listById(
    db,
    sites,
    'sites',
    [
      q.organizationId ? eq(sites.organizationId, q.organizationId) : undefined,
      ilikeAny([sites.name, sites.address, sites.city], q.q),
      q.active === undefined ? undefined : eq(sites.active, q.active),
    ],
    q,
    (r) => r,
  )

export const updateSite = (db: Db, id: string, version: number | undefined, patch: Partial<SiteRow>, now: Date) =>
  updateVersioned(db, sites, 'site', id, version, patch, now)

export const deleteSite = (db: Db, id: string, version: number | undefined) =>
  deleteVersioned(db, sites, 'site', id, version, ' (equipment or tickets); deactivate it with PATCH active=false instead')

/** Time zones of the organizations of a page of sites, in one query. */
export async function organizationTimeZones(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map()
  const rows = await db
    .select({ id: organizations.id, timeZone: organizations.timeZone })
    .from(organizations)
    .where(inArray(organizations.id, [...new Set(ids)]))
  return new Map(rows.map((r) => [r.id, r.timeZone]))
}
