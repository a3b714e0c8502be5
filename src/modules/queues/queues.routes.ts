import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, withEtag } from '../../plugins/conventions.ts'
import { CONFIG_WRITE, TICKETS_READ } from '../access.ts'
import { CreateQueue, ListQueuesQuery, Queue, QueueList, UpdateQueue } from './queues.schemas.ts'
import * as service from './queues.service.ts'

export async function queueRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['queues']

  app.post(
    '/v1/queues',
    {
      config: { auth: CONFIG_WRITE },
      schema: {
        tags,
        operationId: 'createQueue',
        summary: 'Create a queue (a department tickets are routed to)',
        headers: IdempotencyHeader,
        body: CreateQueue,
        response: { 201: Queue, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/queues', await service.createQueue(deps, request.body)),
  )

  app.get(
    '/v1/queues',
    {
      config: { auth: TICKETS_READ },
      schema: {
        tags,
        operationId: 'listQueues',
        summary: 'List queues',
        querystring: ListQueuesQuery,
        response: { 200: QueueList, ...errorResponses },
      },
    },
    async (request) => service.listQueues(deps, request.query),
  )

  app.get(
    '/v1/queues/:id',
    {
      config: { auth: TICKETS_READ },
      schema: {
        tags,
        operationId: 'getQueue',
        summary: 'Get a queue',
        params: IdParams,
        response: { 200: Queue, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.getQueue(deps, request.params.id)),
  )

  app.patch(
    '/v1/queues/:id',
    {
      config: { auth: CONFIG_WRITE },
      schema: {
        tags,
        operationId: 'updateQueue',
        summary: 'Update a queue',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdateQueue,
        response: { 200: Queue, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.updateQueue(deps, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/queues/:id',
    {
      config: { auth: CONFIG_WRITE },
      schema: {
        tags,
        operationId: 'deactivateQueue',
        summary: 'Deactivate a queue (it is kept for history; PATCH active=true restores it)',
        params: IdParams,
        headers: IfMatchHeader,
        response: { 200: Queue, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.deactivateQueue(deps, request.params.id, ifMatchVersion(request))),
  )
}
