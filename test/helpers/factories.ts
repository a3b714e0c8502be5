import { agents, apiKeys, contactEmails, contacts, organizations } from '../../src/db/schema/index.ts'
import type { Scope } from '../../src/lib/principal.ts'
import { newApiKey, sha256 } from '../../src/modules/auth/tokens.ts'
import type { TestContext } from './build-test-app.ts'

/**
 * Rows made straight in the database, for tests that need them as a precondition rather than
 * as the subject. Each call makes unique names, so tests never collide within a database.
 */
let seq = 0
const unique = (prefix: string) => `${prefix} ${process.pid}-${Date.now()}-${++seq}`

type Ctx = Pick<TestContext, 'deps'>

export async function makeOrganization(ctx: Ctx, overrides: Partial<typeof organizations.$inferInsert> = {}) {
  const now = ctx.deps.clock.now()
  const [row] = await ctx.deps.db
    .insert(organizations)
    .values({ name: unique('Org'), defaultLocale: 'en', timeZone: 'Europe/Sofia', createdAt: now, updatedAt: now, ...overrides })
    .returning()
  return row!
}

/** A contact with its email addresses (lower-cased); authorized and active unless told otherwise. */
export async function makeContact(
  ctx: Ctx,
  organizationId: string,
  overrides: Partial<typeof contacts.$inferInsert> & { emails?: string[] } = {},
) {
  const { emails, ...rest } = overrides
  const now = ctx.deps.clock.now()
  const [row] = await ctx.deps.db
    .insert(contacts)
    .values({ organizationId, name: unique('Contact'), authorized: true, createdAt: now, updatedAt: now, ...rest })
    .returning()
  const addresses = (emails ?? [`c${++seq}.${process.pid}.${Date.now()}@example.test`]).map((e) => e.toLowerCase())
  if (addresses.length) await ctx.deps.db.insert(contactEmails).values(addresses.map((email, position) => ({ email, contactId: row!.id, position })))
  return { ...row!, emails: addresses }
}

/** An agent without a password (use ctx.login for one that can log in). */
export async function makeAgent(ctx: Ctx, overrides: Partial<typeof agents.$inferInsert> = {}) {
  const now = ctx.deps.clock.now()
  const [row] = await ctx.deps.db
    .insert(agents)
    .values({ name: unique('Agent'), email: `a${++seq}.${process.pid}.${Date.now()}@example.test`, role: 'agent', createdAt: now, updatedAt: now, ...overrides })
    .returning()
  return row!
}

/** An API key with these scopes; returns the bearer token. */
export async function makeApiKey(ctx: Ctx, scopes: Scope[]): Promise<string> {
  const { key, prefix } = newApiKey()
  await ctx.deps.db.insert(apiKeys).values({ name: unique('key'), prefix, keyHash: sha256(key), scopes })
  return key
}
