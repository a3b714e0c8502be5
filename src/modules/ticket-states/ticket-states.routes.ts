import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { crudRoutes } from '../../plugins/crud-routes.ts'
import { CONFIG_WRITE, TICKETS_READ } from '../access.ts'
import { CreateTicketState, ListTicketStatesQuery, TicketState, TicketStateList, UpdateTicketState } from './ticket-states.schemas.ts'
import * as service from './ticket-states.service.ts'

export async function ticketStateRoutes(app: FastifyInstance, { deps }: { deps: Deps }) {
  crudRoutes(app, {
    path: '/v1/ticket-states',
    tags: ['ticket-states'],
    names: ['TicketState', 'TicketStates'],
    auth: { read: TICKETS_READ, write: CONFIG_WRITE },
    item: TicketState,
    create: {
      summary: 'Create a ticket state',
      body: CreateTicketState,
      run: (body) => service.createTicketState(deps, body),
    },
    list: {
      summary: 'List ticket states (in creation order; `position` is the display order)',
      query: ListTicketStatesQuery,
      response: TicketStateList,
      run: (query) => service.listTicketStates(deps, query),
    },
    get: {
      summary: 'Get a ticket state',
      run: (id) => service.getTicketState(deps, id),
    },
    update: {
      summary: 'Update a ticket state (its key never changes)',
      body: UpdateTicketState,
      run: (id, version, body) => service.updateTicketState(deps, id, version, body),
    },
    remove: {
      kind: 'delete',
      summary: 'Delete a ticket state no other state (or ticket) refers to',
      run: (id, version) => service.deleteTicketState(deps, id, version),
    },
  })
}
