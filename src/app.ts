import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify'
import type { Logger } from 'pino'
import type { Deps } from './deps.ts'
import { isTimeZone } from './config.ts'
import { createLogger, infoMembers, RequestLogger } from './logger.ts'
import authPlugin from './plugins/auth.ts'
import idempotencyPlugin from './plugins/idempotency.ts'
import openapiPlugin from './plugins/openapi.ts'
import problemDetails from './plugins/problem-details.ts'
import { systemRoutes } from './modules/system/system.routes.ts'
import { authRoutes } from './modules/auth/auth.routes.ts'
import { apiKeyRoutes } from './modules/api-keys/api-keys.routes.ts'
import { organizationRoutes } from './modules/organizations/organizations.routes.ts'
import { planRoutes } from './modules/plans/plans.routes.ts'
import { contractRoutes } from './modules/contracts/contracts.routes.ts'
import { intakeRoutes } from './modules/contracts/intake.routes.ts'
import { siteRoutes } from './modules/sites/sites.routes.ts'
import { equipmentRoutes } from './modules/equipment/equipment.routes.ts'
import { contactRoutes } from './modules/contacts/contacts.routes.ts'
import { agentRoutes } from './modules/agents/agents.routes.ts'
import { teamRoutes } from './modules/teams/teams.routes.ts'
import { calendarRoutes } from './modules/calendars/calendars.routes.ts'
import { slaPolicyRoutes } from './modules/sla-policies/sla-policies.routes.ts'
import { priorityRoutes } from './modules/priorities/priorities.routes.ts'
import { queueRoutes } from './modules/queues/queues.routes.ts'
import { ticketStateRoutes } from './modules/ticket-states/ticket-states.routes.ts'
import { ticketTypeRoutes } from './modules/ticket-types/ticket-types.routes.ts'
import { jobRoutes } from './modules/jobs/jobs.routes.ts'
import { ticketRoutes } from './modules/tickets/tickets.routes.ts'
import { escalationRoutes } from './modules/escalations/escalations.routes.ts'
import { quarantineRoutes } from './modules/mail/quarantine.routes.ts'
import { recurringTicketRoutes } from './modules/recurring-tickets/recurring-tickets.routes.ts'

export interface AppOptions {
  deps: Omit<Deps, 'log'>
  /** Health details beyond the database: set by server.ts (SMTP, scheduler). */
  readiness?: () => Promise<Record<string, boolean>>
  logger?: Logger
}

function makeAjv(coerce: boolean) {
  // Bodies are not coerced ("1" is not a number) and unknown fields are rejected by each
  // body schema; query strings and params are text by nature, so they are coerced.
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: true,
    strict: false,
  })
  addFormats.default(ajv)
  ajv.addFormat('iana-time-zone', { type: 'string', validate: isTimeZone })
  return ajv
}

// Read at run time so src/ (tsx) and dist/ (node) both find it one level up.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

/**
 * One access line per request, written when the response is done (method, url, status, time),
 * instead of fastify's two (incoming and completed): logging was the largest cost of a request
 * with no database work left after authentication (bench/http-hooks.ts).
 */
class AccessLog extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored')
    else {
      const log = reply.log as unknown as Logger
      if (!log.isLevelEnabled('info')) return
      // The fields of fastify's own req and res serializers (no headers, no body, so nothing to
      // redact), in their order, serialised here rather than built as objects for JSON.stringify.
      const port = request.socket?.remotePort
      const req =
        `"req":{"method":${JSON.stringify(request.method)},"url":${JSON.stringify(request.url)}` +
        `${member('version', request.headers['accept-version'])}${member('host', request.host)}` +
        `${member('remoteAddress', request.ip)}${port === undefined ? '' : `,"remotePort":${port}`}}`
      infoMembers(log, `${req},"res":{"statusCode":${reply.statusCode}},"responseTime":${JSON.stringify(reply.elapsedTime)}`, 'request completed')
    }
  }
}

/** `,"name":value` as JSON.stringify writes an object's member, nothing when the value is undefined (as JSON.stringify omits it). */
const member = (name: string, value: unknown) => (value === undefined ? '' : `,"${name}":${JSON.stringify(value)}`)

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { config } = opts.deps
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL)
  const app = Fastify({
    loggerInstance: logger as unknown as FastifyBaseLogger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    connectionTimeout: config.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    http: { headersTimeout: Math.min(config.REQUEST_TIMEOUT_MS, 60_000) },
    forceCloseConnections: 'idle',
    trustProxy: config.TRUST_PROXY,
    requestIdHeader: false,
    logController: new AccessLog(),
    childLoggerFactory: (logger, bindings, options) => new RequestLogger(logger as unknown as Logger, bindings, options) as unknown as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID()
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: {} },
  })
  const bodyAjv = makeAjv(false)
  const textAjv = makeAjv(true)
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object) as never,
  )

  const deps: Deps = { ...opts.deps, log: app.log }
  // Callback-style hooks: these run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })

  await app.register(problemDetails)
  await app.register(openapiPlugin, { version: pkg.version, serverUrl: config.PUBLIC_URL })
  await app.register(authPlugin, { deps })
  await app.register(idempotencyPlugin, { deps })

  // Every module, listed explicitly.
  await app.register(systemRoutes, { deps, readiness: opts.readiness })
  await app.register(authRoutes, { deps })
  await app.register(apiKeyRoutes, { deps })
  await app.register(organizationRoutes, { deps })
  await app.register(planRoutes, { deps })
  await app.register(contractRoutes, { deps })
  await app.register(intakeRoutes, { deps })
  await app.register(siteRoutes, { deps })
  await app.register(equipmentRoutes, { deps })
  await app.register(contactRoutes, { deps })
  await app.register(agentRoutes, { deps })
  await app.register(teamRoutes, { deps })
  await app.register(calendarRoutes, { deps })
  await app.register(slaPolicyRoutes, { deps })
  await app.register(queueRoutes, { deps })
  await app.register(ticketTypeRoutes, { deps })
  await app.register(ticketStateRoutes, { deps })
  await app.register(priorityRoutes)
  await app.register(ticketRoutes, { deps })
  await app.register(escalationRoutes, { deps })
  await app.register(recurringTicketRoutes, { deps })
  await app.register(jobRoutes, { deps })
  await app.register(quarantineRoutes, { deps })

  return app
}
