import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { crudRoutes } from '../../plugins/crud-routes.ts'
import { CONFIG_WRITE, TICKETS_READ } from '../access.ts'
import { CreateTicketType, ListTicketTypesQuery, TicketType, TicketTypeList, UpdateTicketType } from './ticket-types.schemas.ts'
import * as service from './ticket-types.service.ts'

export async function ticketTypeRoutes(app: FastifyInstance, { deps }: { deps: Deps }) {
  crudRoutes(app, {
    path: '/v1/ticket-types',
    tags: ['ticket-types'],
    names: ['TicketType', 'TicketTypes'],
    auth: { read: TICKETS_READ, write: CONFIG_WRITE },
    item: TicketType,
    create: {
      summary: 'Create a ticket type',
      body: CreateTicketType,
      run: (body) => service.createTicketType(deps, body),
    },
    list: {
      summary: 'List ticket types',
      query: ListTicketTypesQuery,
      response: TicketTypeList,
      run: (query) => service.listTicketTypes(deps, query),
    },
    get: {
      summary: 'Get a ticket type',
      run: (id) => service.getTicketType(deps, id),
    },
    update: {
      summary: 'Update a ticket type',
      body: UpdateTicketType,
      run: (id, version, body) => service.updateTicketType(deps, id, version, body),
    },
    remove: {
      kind: 'deactivate',
      summary: 'Deactivate a ticket type (it is kept for history; PATCH active=true restores it)',
      run: (id, version) => service.deactivateTicketType(deps, id, version),
    },
  })
}
