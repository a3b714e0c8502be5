import { seedTicketStates } from '../../src/db/seed-defaults.ts'
import { buildTestApp, fixedClock } from './build-test-app.ts'

type Teardown = Parameters<typeof buildTestApp>[0]

/**
 * An app at a fixed clock with the default ticket states, an admin and an agent token (valid for a
 * year, so moving the clock forward keeps them), and request helpers that fail with the problem body.
 */
export async function apiDesk(t: Teardown, at: string) {
  const clock = fixedClock(at)
  const ctx = await buildTestApp(t, { clock, config: { ACCESS_TOKEN_TTL_SECONDS: 365 * 86_400 } })
  await seedTicketStates(ctx.deps.db)
  const admin = await ctx.adminToken()
  const agent = (await ctx.login('agent')).token
  const ok = async (res: Awaited<ReturnType<typeof ctx.as>>, code = 200) => {
    if (res.statusCode !== code) throw new Error(`${res.statusCode}: ${res.body}`)
    return res.json()
  }
  const post = async (url: string, payload: Record<string, unknown>, token = admin) => ok(await ctx.as(token, { method: 'POST', url, payload }), 201)
  return { clock, ctx, admin, agent, ok, post }
}
