import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, withEtag } from '../../plugins/conventions.ts'
import { ADMIN_ONLY, DIRECTORY_READ } from '../access.ts'
import { Agent, AgentList, CreateAgent, ListAgentsQuery, UpdateAgent } from './agents.schemas.ts'
import * as service from './agents.service.ts'

/** Every agent may look colleagues up; only admins manage them, and API keys never do. */
export async function agentRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['agents']

  app.post(
    '/v1/agents',
    {
      config: { auth: ADMIN_ONLY },
      schema: {
        tags,
        operationId: 'createAgent',
        summary: 'Create an agent (with an optional initial password)',
        headers: IdempotencyHeader,
        body: CreateAgent,
        response: { 201: Agent, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/agents', await service.createAgent(deps, request.body)),
  )

  app.get(
    '/v1/agents',
    {
      config: { auth: DIRECTORY_READ },
      schema: {
        tags,
        operationId: 'listAgents',
        summary: 'List agents',
        querystring: ListAgentsQuery,
        response: { 200: AgentList, ...errorResponses },
      },
    },
    async (request) => service.listAgents(deps, request.query),
  )

  app.get(
    '/v1/agents/:id',
    {
      config: { auth: DIRECTORY_READ },
      schema: { tags, operationId: 'getAgent', summary: 'Get an agent', params: IdParams, response: { 200: Agent, ...errorResponses } },
    },
    async (request, reply) => withEtag(reply, await service.getAgent(deps, request.params.id)),
  )

  app.patch(
    '/v1/agents/:id',
    {
      config: { auth: ADMIN_ONLY },
      schema: {
        tags,
        operationId: 'updateAgent',
        summary: 'Update an agent',
        description: 'Changing the password or the role, or deactivating, revokes the agent\'s tokens at once.',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdateAgent,
        response: { 200: Agent, ...errorResponses },
      },
    },
    async (request, reply) =>
      withEtag(reply, await service.updateAgent(deps, request.principal!, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/agents/:id',
    {
      config: { auth: ADMIN_ONLY },
      schema: {
        tags,
        operationId: 'deactivateAgent',
        summary: 'Deactivate an agent (its work stays attributed; PATCH active=true restores it)',
        params: IdParams,
        headers: IfMatchHeader,
        response: { 200: Agent, ...errorResponses },
      },
    },
    async (request, reply) =>
      withEtag(reply, await service.deactivateAgent(deps, request.principal!, request.params.id, ifMatchVersion(request))),
  )
}
