import { eq } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { getById, ilikeAny, listById, updateVersioned } from '../../db/crud.ts'
import { queues, teams } from '../../db/schema/index.ts'
import type { ListQueuesQuery } from './queues.schemas.ts'

export type QueueRow = typeof queues.$inferSelect

export const insertQueue = async (db: Db, row: typeof queues.$inferInsert) => (await db.insert(queues).values(row).returning())[0]!

export const findQueue = (db: Db, id: string) => getById(db, queues, id)

export const teamExists = async (db: Db, id: string) =>
  (await db.select({ id: teams.id }).from(teams).where(eq(teams.id, id)).limit(1)).length > 0

export const listQueues = <R>(db: Db, q: ListQueuesQuery & { limit: number }, map: (r: QueueRow) => R) =>
  listById(
    db,
    queues,
    'queues',
    [
      ilikeAny([queues.name, queues.description], q.q),
      q.active === undefined ? undefined : eq(queues.active, q.active),
      q.teamId ? eq(queues.defaultTeamId, q.teamId) : undefined,
      q.inboundEmail ? eq(queues.inboundEmail, q.inboundEmail.toLowerCase()) : undefined,
    ],
    q,
    map,
  )

export const updateQueue = (db: Db, id: string, version: number | undefined, patch: Partial<QueueRow>, now: Date) =>
  updateVersioned(db, queues, 'queue', id, version, patch, now)
