import { integer, timestamp, uuid } from 'drizzle-orm/pg-core'
import { newId } from '../../lib/ids.ts'

/** Time-ordered UUIDv7 generated in the service (PostgreSQL 15 has no uuidv7()). */
export const id = () =>
  uuid()
    .primaryKey()
    .$defaultFn(() => newId())

export const timestamps = {
  createdAt: timestamp({ withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true, mode: 'date' }).notNull().defaultNow(),
}

/** Optimistic concurrency: the ETag is derived from it and `If-Match` compares it. */
export const version = () => integer().notNull().default(1)
