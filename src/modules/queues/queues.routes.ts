import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { crudRoutes } from '../../plugins/crud-routes.ts'
import { CONFIG_WRITE, TICKETS_READ } from '../access.ts'
import { CreateQueue, ListQueuesQuery, Queue, QueueList, UpdateQueue } from './queues.schemas.ts'
import * as service from './queues.service.ts'

export async function queueRoutes(app: FastifyInstance, { deps }: { deps: Deps }) {
  crudRoutes(app, {
    path: '/v1/queues',
    tags: ['queues'],
    names: ['Queue', 'Queues'],
    auth: { read: TICKETS_READ, write: CONFIG_WRITE },
    item: Queue,
    create: {
      summary: 'Create a queue (a department tickets are routed to)',
      body: CreateQueue,
      run: (body) => service.createQueue(deps, body),
    },
    list: {
      summary: 'List queues',
      query: ListQueuesQuery,
      response: QueueList,
      run: (query) => service.listQueues(deps, query),
    },
    get: {
      summary: 'Get a queue',
      run: (id) => service.getQueue(deps, id),
    },
    update: {
      summary: 'Update a queue',
      body: UpdateQueue,
      run: (id, version, body) => service.updateQueue(deps, id, version, body),
    },
    remove: {
      kind: 'deactivate',
      summary: 'Deactivate a queue (it is kept for history; PATCH active=true restores it)',
      run: (id, version) => service.deactivateQueue(deps, id, version),
    },
  })
}
