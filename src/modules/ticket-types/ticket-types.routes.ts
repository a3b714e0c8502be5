import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, withEtag } from '../../plugins/conventions.ts'
import { CONFIG_WRITE, TICKETS_READ } from '../access.ts'
import { CreateTicketType, ListTicketTypesQuery, TicketType, TicketTypeList, UpdateTicketType } from './ticket-types.schemas.ts'
import * as service from './ticket-types.service.ts'

export async function ticketTypeRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['ticket-types']

  app.post(
    '/v1/ticket-types',
    {
      config: { auth: CONFIG_WRITE },
      schema: {
        tags,
        operationId: 'createTicketType',
        summary: 'Create a ticket type',
        headers: IdempotencyHeader,
        body: CreateTicketType,
        response: { 201: TicketType, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/ticket-types', await service.createTicketType(deps, request.body)),
  )

  app.get(
    '/v1/ticket-types',
    {
      config: { auth: TICKETS_READ },
      schema: {
        tags,
        operationId: 'listTicketTypes',
        summary: 'List ticket types',
        querystring: ListTicketTypesQuery,
        response: { 200: TicketTypeList, ...errorResponses },
      },
    },
    async (request) => service.listTicketTypes(deps, request.query),
  )

  app.get(
    '/v1/ticket-types/:id',
    {
      config: { auth: TICKETS_READ },
      schema: {
        tags,
        operationId: 'getTicketType',
        summary: 'Get a ticket type',
        params: IdParams,
        response: { 200: TicketType, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.getTicketType(deps, request.params.id)),
  )

  app.patch(
    '/v1/ticket-types/:id',
    {
      config: { auth: CONFIG_WRITE },
      schema: {
        tags,
        operationId: 'updateTicketType',
        summary: 'Update a ticket type',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdateTicketType,
        response: { 200: TicketType, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.updateTicketType(deps, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/ticket-types/:id',
    {
      config: { auth: CONFIG_WRITE },
      schema: {
        tags,
        operationId: 'deactivateTicketType',
        summary: 'Deactivate a ticket type (it is kept for history; PATCH active=true restores it)',
        params: IdParams,
        headers: IfMatchHeader,
        response: { 200: TicketType, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.deactivateTicketType(deps, request.params.id, ifMatchVersion(request))),
  )
}
