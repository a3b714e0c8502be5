import { apiKeys } from '../../src/db/schema/index.ts'
import type { Scope } from '../../src/lib/principal.ts'
import { newApiKey, sha256 } from '../../src/modules/auth/tokens.ts'
import type { TestContext } from './build-test-app.ts'

/** Stores an API key with these scopes and returns the key to send as a bearer token. */
export async function createTestApiKey(ctx: TestContext, scopes: Scope[], name = `test key ${scopes.join(' ') || 'none'}`): Promise<string> {
  const { key, prefix } = newApiKey()
  await ctx.deps.db.insert(apiKeys).values({ name, prefix, keyHash: sha256(key), scopes })
  return key
}
