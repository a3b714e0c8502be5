import { customType, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  // PGlite returns Uint8Array, node-postgres Buffer: hand every caller a Buffer.
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
})

/**
 * Content-addressed file bodies (attachments, raw inbound mail): stored once per SHA-256
 * whatever the number of messages that carry them. `content` is null when the bytes live
 * in another store (the file system, S3), the row then only records that they exist and where.
 */
export type BlobStorage = 'postgres' | 'filesystem' | 's3'

export const blobs = pgTable('blobs', {
  hash: text().primaryKey(),
  size: integer().notNull(),
  storage: text().$type<BlobStorage>().notNull(),
  content: bytea(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})
