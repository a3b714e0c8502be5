import { apiKeys } from '../../src/db/schema/index.ts'
import type { Scope } from '../../src/lib/principal.ts'
import { newApiKey, sha256 } from '../../src/modules/auth/tokens.ts'
import type { TestContext } from './build-test-app.ts'

/** An API key holding exactly these scopes (there is no key-issuing route yet). */
export async function scopedApiKey(ctx: TestContext, scopes: Scope[]): Promise<string> {
  const { key, prefix } = newApiKey()
  await ctx.deps.db.insert(apiKeys).values({ name: `test key ${prefix}`, prefix, keyHash: sha256(key), scopes })
  return key
}
