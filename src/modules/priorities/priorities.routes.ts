import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { PRIORITIES, PRIORITY_INFO } from '../../db/schema/ticket-config.ts'
import { ListOf, StringEnum } from '../../lib/schemas.ts'
import { errorResponses } from '../../plugins/conventions.ts'
import { TICKETS_READ } from '../access.ts'

const Priority = Type.Object({
  key: StringEnum(PRIORITIES),
  rank: Type.Integer({ description: 'higher is more urgent' }),
  description: Type.String(),
})
const PriorityList = ListOf(Priority)

/** The fixed priorities, lowest first, so clients render and sort them without hard-coding. */
const list = { data: PRIORITIES.map((key) => ({ key, ...PRIORITY_INFO[key] })), nextCursor: null }

export async function priorityRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get(
    '/v1/priorities',
    {
      config: { auth: TICKETS_READ },
      schema: {
        tags: ['priorities'],
        operationId: 'listPriorities',
        summary: 'List the ticket priorities (a fixed set, lowest first)',
        response: { 200: PriorityList, ...errorResponses },
      },
    },
    async () => list,
  )
}
