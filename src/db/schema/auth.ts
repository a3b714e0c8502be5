import { sql } from 'drizzle-orm'
import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { agents } from './agents.ts'
import { id } from './_columns.ts'

/**
 * Refresh tokens, rotated on every use. A token presented twice means it was stolen (or the
 * client raced itself): the whole family is revoked, as OAuth 2.0 Security BCP advises.
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: id(),
    agentId: uuid()
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    familyId: uuid().notNull(),
    tokenHash: text().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('refresh_tokens_family_idx').on(t.familyId), index('refresh_tokens_agent_idx').on(t.agentId)],
)

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    name: text().notNull(),
    /** Public, non-secret part of the key, shown in listings and used to find the row. */
    prefix: text().notNull().unique(),
    /** SHA-256 of the whole key: keys are high-entropy, so a slow hash buys nothing (STACK.md 25). */
    keyHash: text().notNull(),
    scopes: text().array().notNull(),
    createdBy: uuid().references(() => agents.id),
    expiresAt: timestamp({ withTimezone: true }),
    lastUsedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
)

/** Fixed-window counters for login throttling, shared by every instance. */
export const loginAttempts = pgTable('login_attempts', {
  key: text().primaryKey(),
  windowStart: timestamp({ withTimezone: true }).notNull(),
  count: integer().notNull(),
})

/** Small key/value facts of the installation (e.g. the hashed first-admin bootstrap token). */
export const settings = pgTable('settings', {
  key: text().primaryKey(),
  value: jsonb().notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull().default(sql`now()`),
})
