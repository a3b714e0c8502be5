import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { problem } from './conventions.ts'

export const API_TAGS = [
  { name: 'system', description: 'Health, readiness and the first admin' },
  { name: 'auth', description: 'Agent login, token refresh and API keys' },
  { name: 'organizations', description: 'Customer companies' },
  { name: 'sites', description: 'An organization\'s locations' },
  { name: 'equipment', description: 'An organization\'s assets' },
  { name: 'contacts', description: 'People of an organization; authorized ones may open tickets' },
  { name: 'agents', description: 'People of the support provider' },
  { name: 'teams', description: 'Agents alerted together' },
  { name: 'plans', description: 'Contract templates (support tiers)' },
  { name: 'contracts', description: 'Support agreements, their hour bank and slot ledgers, recurring services and balances' },
  { name: 'intake', description: 'Whether a request may become a ticket: contact, contract, channel' },
  { name: 'calendars', description: 'Business calendars: working hours, holidays and short days in a time zone' },
  { name: 'sla-policies', description: 'Response and resolution targets per priority, and which tickets they apply to' },
  { name: 'queues', description: 'Departments tickets are routed to, each with a default team and an inbound address' },
  { name: 'ticket-types', description: 'Kinds of problem: free or billable, and which description fields a request must carry' },
  { name: 'ticket-states', description: 'Configurable ticket states, their categories and allowed transitions' },
  { name: 'priorities', description: 'The fixed set of ticket priorities' },
  { name: 'tickets', description: 'Tickets, their conversation, attachments, audit trail and SLA clocks' },
  { name: 'escalations', description: 'Escalation rules (when, for which tickets, what) and the escalations they fired or proposed' },
  { name: 'recurring-tickets', description: 'Ticket templates created on a schedule (cron or RRULE, in a time zone)' },
  { name: 'jobs', description: 'Scheduled jobs and the record of their runs' },
  { name: 'mail', description: 'Inbound mail held in quarantine: read, download, release or discard' },
]

const bodyTooLarge = problem('The body is larger than BODY_LIMIT_BYTES')

export default fp(
  async (app: FastifyInstance, opts: { version: string; serverUrl?: string }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'deskledger API',
          version: opts.version,
          description:
            'Headless service desk for software support under contract. Errors are RFC 9457 problem details; ' +
            'lists are keyset-paginated (`limit`, `cursor` → `nextCursor`); single resources carry an `ETag` and ' +
            'updates honour `If-Match`; every POST honours `Idempotency-Key`.',
        },
        servers: opts.serverUrl ? [{ url: opts.serverUrl }] : [],
        tags: API_TAGS,
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              description: 'An agent access token (JWT from POST /v1/auth/login) or an API key (`dlk_…`).',
            },
          },
        },
      },
    })
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } })
    // Fastify's bodyLimit refuses any body over BODY_LIMIT_BYTES with 413 before a handler runs,
    // so every route that takes a body can answer it; routes with limits of their own (uploads)
    // declare a 413 that names them, which is kept.
    app.addHook('onRoute', (route) => {
      const schema = route.schema as { body?: unknown; response?: Record<string, unknown> } | undefined
      if (!schema?.body || schema.response?.[413]) return
      route.schema = { ...schema, response: { ...schema.response, 413: bodyTooLarge } }
    })
  },
  { name: 'openapi' },
)
