import { sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { Deps } from '../../deps.ts'
import { migrationsApplied } from '../../db/migrate.ts'

const Health = Type.Object({ status: Type.String() })
const Ready = Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.Boolean()) })

export async function systemRoutes(
  app: FastifyInstance,
  opts: { deps: Deps; readiness?: () => Promise<Record<string, boolean>> },
) {
  const { deps } = opts
  app.get(
    '/health',
    {
      config: { auth: 'public' },
      logLevel: 'warn',
      schema: { tags: ['system'], operationId: 'getHealth', summary: 'The process is up', response: { 200: Health } },
    },
    async () => ({ status: 'ok' }),
  )

  app.get(
    '/ready',
    {
      config: { auth: 'public' },
      logLevel: 'warn',
      schema: {
        tags: ['system'],
        operationId: 'getReadiness',
        summary: 'The database is reachable and every migration is applied',
        response: { 200: Ready, 503: Ready },
      },
    },
    async (_request, reply) => {
      const checks: Record<string, boolean> = { database: false, migrations: false }
      try {
        await deps.db.execute(sql`select 1`)
        checks.database = true
        checks.migrations = await migrationsApplied(deps)
      } catch {
        // Reported through the flags; the cause is the database's and is logged by the pool.
      }
      Object.assign(checks, (await opts.readiness?.()) ?? {})
      const ok = Object.values(checks).every(Boolean)
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks })
    },
  )
}
