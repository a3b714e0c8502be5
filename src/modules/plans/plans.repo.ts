import { eq, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { getById, ilikeAny, listById, updateVersioned } from '../../db/crud.ts'
import { plans } from '../../db/schema/index.ts'
import type { ListPlansQuery } from './plans.schemas.ts'

export type PlanRow = typeof plans.$inferSelect

export const insertPlan = async (db: Db, row: typeof plans.$inferInsert) => (await db.insert(plans).values(row).returning())[0]!
export const findPlan = (db: Db, id: string, lock = false) => getById(db, plans, id, lock)
export const findPlanByName = async (db: Db, name: string) =>
  (await db.select().from(plans).where(sql`lower(${plans.name}) = lower(${name})`).limit(1))[0]

export const listPlans = <R>(db: Db, q: ListPlansQuery & { limit: number }, map: (r: PlanRow) => R) =>
  listById(db, plans, 'plans', [ilikeAny([plans.name], q.q), q.active === undefined ? undefined : eq(plans.active, q.active)], q, map)

export const updatePlan = (db: Db, id: string, version: number | undefined, patch: Partial<PlanRow>, now: Date) =>
  updateVersioned(db, plans, 'plan', id, version, patch, now)
