import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { errorResponses } from '../../plugins/conventions.ts'
import { crudRoutes } from '../../plugins/crud-routes.ts'
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

  crudRoutes(fastify, {
    path: '/v1/recurring-tickets',
    tags: ['recurring-tickets'],
    names: ['RecurringTicket', 'RecurringTickets'],
    auth: { read: TICKETS_READ, write: RECURRING_TICKETS_WRITE },
    item: RecurringTicket,
    create: {
      summary: 'Create a recurring ticket (a template with a schedule)',
      body: CreateRecurringTicket,
      run: (body) => service.createTemplate(deps, body),
    },
    list: {
      summary: 'List recurring tickets',
      query: ListRecurringTicketsQuery,
      response: RecurringTicketList,
      run: (query) => service.listTemplates(deps, query),
    },
    get: {
      summary: 'Get a recurring ticket',
      run: (id) => service.getTemplate(deps, id),
    },
    update: {
      summary: 'Update a recurring ticket',
      body: UpdateRecurringTicket,
      run: (id, version, body) => service.updateTemplate(deps, id, version, body),
    },
    remove: {
      kind: 'deactivate',
      summary: 'Deactivate a recurring ticket (kept: its runs refer to it; PATCH active=true restores it)',
      run: (id, version) => service.deactivateTemplate(deps, id, version),
    },
  })

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
}
