/**
 * A counter bumped by every write to SLA policies or business calendars through this process,
 * so caches of them (the tickets module's active policies) drop what they hold at once.
 * Another instance's writes reach those caches when their short TTL runs out.
 */
let generation = 0
export const policyGeneration = () => generation
export const forgetSlaPolicies = (): void => {
  generation++
}

/** Runs a write and bumps the generation once it has settled (committed or not). */
export async function invalidatingPolicies<T>(write: Promise<T>): Promise<T> {
  try {
    return await write
  } finally {
    forgetSlaPolicies()
  }
}
