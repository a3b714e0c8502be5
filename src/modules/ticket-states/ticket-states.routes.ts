import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, NoContent, withEtag } from '../../plugins/conventions.ts'
import { CONFIG_WRITE, TICKETS_READ } from '../access.ts'
import { CreateTicketState, ListTicketStatesQuery, TicketState, TicketStateList, UpdateTicketState } from './ticket-states.schemas.ts'
import * as service from './ticket-states.service.ts'

export async function ticketStateRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['ticket-states']

  app.post(
    '/v1/ticket-states',
    {
      config: { auth: CONFIG_WRITE },
      schema: {
        tags,
        operationId: 'createTicketState',
        summary: 'Create a ticket state',
        headers: IdempotencyHeader,
        body: CreateTicketState,
        response: { 201: TicketState, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/ticket-states', await service.createTicketState(deps, request.body)),
  )

  app.get(
    '/v1/ticket-states',
    {
      config: { auth: TICKETS_READ },
      schema: {
        tags,
        operationId: 'listTicketStates',
        summary: 'List ticket states (in creation order; `position` is the display order)',
        querystring: ListTicketStatesQuery,
        response: { 200: TicketStateList, ...errorResponses },
      },
    },
    async (request) => service.listTicketStates(deps, request.query),
  )

  app.get(
    '/v1/ticket-states/:id',
    {
      config: { auth: TICKETS_READ },
      schema: {
        tags,
        operationId: 'getTicketState',
        summary: 'Get a ticket state',
        params: IdParams,
        response: { 200: TicketState, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.getTicketState(deps, request.params.id)),
  )

  app.patch(
    '/v1/ticket-states/:id',
    {
      config: { auth: CONFIG_WRITE },
      schema: {
        tags,
        operationId: 'updateTicketState',
        summary: 'Update a ticket state (its key never changes)',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdateTicketState,
        response: { 200: TicketState, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.updateTicketState(deps, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/ticket-states/:id',
    {
      config: { auth: CONFIG_WRITE },
      schema: {
        tags,
        operationId: 'deleteTicketState',
        summary: 'Delete a ticket state no other state (or ticket) refers to',
        params: IdParams,
        headers: IfMatchHeader,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await service.deleteTicketState(deps, request.params.id, ifMatchVersion(request))
      return reply.code(204).send(null)
    },
  )
}
