import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, NoContent } from '../../plugins/conventions.ts'
import { ADMIN_ONLY } from '../access.ts'
import { ApiKey, ApiKeyList, CreateApiKey, CreatedApiKey, ListApiKeysQuery } from './api-keys.schemas.ts'
import * as service from './api-keys.service.ts'

/** API keys are managed by admin agents only: a key can never mint or revoke keys. */
export async function apiKeyRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['auth']

  app.post(
    '/v1/api-keys',
    {
      config: { auth: ADMIN_ONLY, secretResponse: true },
      schema: {
        tags,
        operationId: 'createApiKey',
        summary: 'Create an API key (the key is in this response only)',
        description: 'Idempotency-Key is ignored here: the response holds the key, which is never stored.',
        body: CreateApiKey,
        response: { 201: CreatedApiKey, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/api-keys', await service.createApiKey(deps, request.principal!, request.body)),
  )

  app.get(
    '/v1/api-keys',
    {
      config: { auth: ADMIN_ONLY },
      schema: {
        tags,
        operationId: 'listApiKeys',
        summary: 'List API keys (never the keys themselves)',
        querystring: ListApiKeysQuery,
        response: { 200: ApiKeyList, ...errorResponses },
      },
    },
    async (request) => service.listApiKeys(deps, request.query),
  )

  app.get(
    '/v1/api-keys/:id',
    {
      config: { auth: ADMIN_ONLY },
      schema: {
        tags,
        operationId: 'getApiKey',
        summary: 'Get an API key (never the key itself)',
        params: IdParams,
        response: { 200: ApiKey, ...errorResponses },
      },
    },
    async (request) => service.getApiKey(deps, request.params.id),
  )

  app.delete(
    '/v1/api-keys/:id',
    {
      config: { auth: ADMIN_ONLY },
      schema: {
        tags,
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key: it stops working at once (repeating it is harmless)',
        params: IdParams,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await service.revokeApiKey(deps, request.params.id)
      return reply.code(204).send(null)
    },
  )
}
