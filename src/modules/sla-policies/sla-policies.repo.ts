import { eq } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { getById, ilikeAny, listById, updateVersioned } from '../../db/crud.ts'
import { slaPolicies } from '../../db/schema/index.ts'
import type { ListSlaPoliciesQuery } from './sla-policies.schemas.ts'

export type SlaPolicyRow = typeof slaPolicies.$inferSelect

export const insertSlaPolicy = async (db: Db, row: typeof slaPolicies.$inferInsert) => (await db.insert(slaPolicies).values(row).returning())[0]!

export const findSlaPolicy = (db: Db, id: string, lock = false) => getById(db, slaPolicies, id, lock)

/** Every active policy: selection compares them all (a service desk has tens, not thousands). */
export const findActiveSlaPolicies = (db: Db) => db.select().from(slaPolicies).where(eq(slaPolicies.active, true))

export const listSlaPolicies = <R>(db: Db, q: ListSlaPoliciesQuery & { limit: number }, map: (r: SlaPolicyRow) => R) =>
  listById(
    db,
    slaPolicies,
    'sla-policies',
    [
      ilikeAny([slaPolicies.name], q.q),
      q.active === undefined ? undefined : eq(slaPolicies.active, q.active),
      q.calendarId ? eq(slaPolicies.calendarId, q.calendarId) : undefined,
    ],
    q,
    map,
  )

export const updateSlaPolicy = (db: Db, id: string, version: number | undefined, patch: Partial<SlaPolicyRow>, now: Date) =>
  updateVersioned(db, slaPolicies, 'SLA policy', id, version, patch, now)
