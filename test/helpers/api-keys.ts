import { apiKeys } from '../../src/db/schema/index.ts'
import type { Scope } from '../../src/lib/principal.ts'
import { newApiKey, sha256 } from '../../src/modules/auth/tokens.ts'
import type { TestContext } from './build-test-app.ts'

/** An API key with the given scopes, stored as the auth plugin expects (SHA-256 of the whole key). */
export async function createTestApiKey(ctx: Pick<TestContext, 'deps'>, scopes: Scope[], name?: string): Promise<string> {
  const { key, prefix } = newApiKey()
  await ctx.deps.db.insert(apiKeys).values({ name: name ?? `test key ${prefix}`, prefix, keyHash: sha256(key), scopes })
  return key
}
