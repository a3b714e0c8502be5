import { eq } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { getById, ilikeAny, listById, updateVersioned } from '../../db/crud.ts'
import { businessCalendars } from '../../db/schema/index.ts'
import type { ListCalendarsQuery } from './calendars.schemas.ts'

export type CalendarRow = typeof businessCalendars.$inferSelect

export const insertCalendar = async (db: Db, row: typeof businessCalendars.$inferInsert) =>
  (await db.insert(businessCalendars).values(row).returning())[0]!

export const findCalendar = (db: Db, id: string, lock = false) => getById(db, businessCalendars, id, lock)

export const listCalendars = <R>(db: Db, q: ListCalendarsQuery & { limit: number }, map: (r: CalendarRow) => R) =>
  listById(
    db,
    businessCalendars,
    'calendars',
    [
      ilikeAny([businessCalendars.name], q.q),
      q.active === undefined ? undefined : eq(businessCalendars.active, q.active),
      q.timeZone ? eq(businessCalendars.timeZone, q.timeZone) : undefined,
    ],
    q,
    map,
  )

export const updateCalendar = (db: Db, id: string, version: number | undefined, patch: Partial<CalendarRow>, now: Date) =>
  updateVersioned(db, businessCalendars, 'calendar', id, version, patch, now)
