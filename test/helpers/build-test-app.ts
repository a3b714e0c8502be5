import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { type Config, loadConfig } from '../../src/config.ts'
import type { Deps } from '../../src/deps.ts'
import { type Clock, fixedClock, systemClock } from '../../src/lib/clock.ts'
import { createLogger } from '../../src/logger.ts'
import { createAgent } from '../../src/modules/agents/agents.service.ts'
import { openTestDatabase, type TestDatabase } from './database.ts'

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789'

export interface TestContext {
  app: FastifyInstance
  deps: Deps
  database: TestDatabase
  config: Config
  /** Injects with a bearer token. */
  as(token: string | undefined, opts: InjectOptions): Promise<LightMyRequestResponse>
  /** An admin access token (the agent is created on first use). */
  adminToken(): Promise<string>
  /** Creates an agent with a password and logs it in. */
  login(role: 'admin' | 'manager' | 'agent', email?: string): Promise<{ token: string; agentId: string; refreshToken: string }>
}

interface Teardown {
  teardown(fn: () => unknown): void
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: '/tmp/deskledger-test-data' })
  return { ...base, jwtSecrets: [TEST_JWT_SECRET], LOGIN_MAX_ATTEMPTS_PER_ADDRESS: 1000, ...overrides }
}

let emailSeq = 0
export const uniqueEmail = (prefix = 'user') => `${prefix}.${process.pid}.${Date.now()}.${++emailSeq}@example.test`

export async function buildTestApp(
  t: Teardown,
  opts: { clock?: Clock; config?: Partial<Config>; logStream?: NodeJS.WritableStream } = {},
): Promise<TestContext> {
  const database = await openTestDatabase()
  const config = testConfig(opts.config)
  const clock = opts.clock ?? systemClock
  const logger = opts.logStream ? createLogger('info', opts.logStream as never) : undefined
  const app = await buildApp({ deps: { db: database.db, config, clock }, ...(logger ? { logger } : {}) })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    await database.close()
  })
  const deps: Deps = { db: database.db, config, clock, log: app.log }
  const PASSWORD = 'correct horse battery staple'
  let admin: string | undefined
  const ctx: TestContext = {
    app,
    deps,
    database,
    config,
    as: (token, o) => app.inject({ ...o, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...o.headers } }),
    login: async (role, email = uniqueEmail(role)) => {
      const agent = await createAgent(deps, { name: `Test ${role}`, email, role, password: PASSWORD })
      const res = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: PASSWORD } })
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`)
      const body = res.json() as { accessToken: string; refreshToken: string }
      return { token: body.accessToken, agentId: agent.id, refreshToken: body.refreshToken }
    },
    adminToken: async () => {
      admin ??= (await ctx.login('admin')).token
      return admin
    },
  }
  return ctx
}

export { fixedClock }
