import { eq } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { deleteVersioned, getById, ilikeAny, listById, updateVersioned } from '../../db/crud.ts'
import { equipment } from '../../db/schema/index.ts'
import type { ListEquipmentQuery } from './equipment.schemas.ts'

export type EquipmentRow = typeof equipment.$inferSelect

export const insertEquipment = async (db: Db, row: typeof equipment.$inferInsert) => (await db.insert(equipment).values(row).returning())[0]!

export const findEquipment = (db: Db, id: string) => getById(db, equipment, id)

export const listEquipment = <R>(db: Db, q: ListEquipmentQuery & { limit: number }, map: (r: EquipmentRow) => R) =>
  listById(
    db,
    equipment,
    'equipment',
    [
      q.organizationId ? eq(equipment.organizationId, q.organizationId) : undefined,
      q.siteId ? eq(equipment.siteId, q.siteId) : undefined,
      q.kind ? eq(equipment.kind, q.kind) : undefined,
      ilikeAny([equipment.name, equipment.serialNumber], q.q),
      q.active === undefined ? undefined : eq(equipment.active, q.active),
    ],
    q,
    map,
  )

export const updateEquipment = (db: Db, id: string, version: number | undefined, patch: Partial<EquipmentRow>, now: Date) =>
  updateVersioned(db, equipment, 'equipment', id, version, patch, now)

export const deleteEquipment = (db: Db, id: string, version: number | undefined) =>
  deleteVersioned(db, equipment, 'equipment', id, version, ' (tickets); deactivate it with PATCH active=false instead')
