import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, withEtag } from '../../plugins/conventions.ts'
import { RECURRING_TICKETS_WRITE, TICKETS_READ } from '../access.ts'
import {
  CreateRecurringTicket,
  ListRecurringTicketsQuery,
  Occurrences,
  OccurrencesQuery,
  RecurringTicket,
  RecurringTicketList,
  UpdateRecurringTicket,
} from './recurring-tickets.schemas.ts'
import * as service from './recurring-tickets.service.ts'

export async function recurringTicketRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['recurring-tickets']

  app.post(
    '/v1/recurring-tickets',
    {
      config: { auth: RECURRING_TICKETS_WRITE },
      schema: {
        tags,
        operationId: 'createRecurringTicket',
        summary: 'Create a recurring ticket (a template with a schedule)',
        headers: IdempotencyHeader,
        body: CreateRecurringTicket,
        response: { 201: RecurringTicket, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/recurring-tickets', await service.createTemplate(deps, request.body)),
  )

  app.get(
    '/v1/recurring-tickets',
    {
      config: { auth: TICKETS_READ },
      schema: {
        tags,
        operationId: 'listRecurringTickets',
        summary: 'List recurring tickets',
        querystring: ListRecurringTicketsQuery,
        response: { 200: RecurringTicketList, ...errorResponses },
      },
    },
    async (request) => service.listTemplates(deps, request.query),
  )

  app.get(
    '/v1/recurring-tickets/:id',
    {
      config: { auth: TICKETS_READ },
      schema: { tags, operationId: 'getRecurringTicket', summary: 'Get a recurring ticket', params: IdParams, response: { 200: RecurringTicket, ...errorResponses } },
    },
    async (request, reply) => withEtag(reply, await service.getTemplate(deps, request.params.id)),
  )

  app.get(
    '/v1/recurring-tickets/:id/occurrences',
    {
      config: { auth: TICKETS_READ },
      schema: {
        tags,
        operationId: 'listRecurringTicketOccurrences',
        summary: 'The next occurrences of a recurring ticket',
        params: IdParams,
        querystring: OccurrencesQuery,
        response: { 200: Occurrences, ...errorResponses },
      },
    },
    async (request) => service.occurrences(deps, request.params.id, request.query.count ?? 5),
  )

  app.patch(
    '/v1/recurring-tickets/:id',
    {
      config: { auth: RECURRING_TICKETS_WRITE },
      schema: {
        tags,
        operationId: 'updateRecurringTicket',
        summary: 'Update a recurring ticket',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdateRecurringTicket,
        response: { 200: RecurringTicket, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.updateTemplate(deps, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/recurring-tickets/:id',
    {
      config: { auth: RECURRING_TICKETS_WRITE },
      schema: {
        tags,
        operationId: 'deactivateRecurringTicket',
        summary: 'Deactivate a recurring ticket (kept: its runs refer to it; PATCH active=true restores it)',
        params: IdParams,
        headers: IfMatchHeader,
        response: { 200: RecurringTicket, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.deactivateTemplate(deps, request.params.id, ifMatchVersion(request))),
  )
}
