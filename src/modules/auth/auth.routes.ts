import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { errorResponses, IdempotencyHeader, NoContent } from '../../plugins/conventions.ts'
import { ANY_PRINCIPAL } from '../access.ts'
import { Agent } from '../agents/agents.schemas.ts'
import { BootstrapBody, LoginBody, Me, RefreshBody, TokenPairSchema } from './auth.schemas.ts'
import * as service from './auth.service.ts'
import { bootstrapFirstAdmin } from './bootstrap.service.ts'

export async function authRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['auth']
  // iat and exp follow the injected clock, as verification does (fast-jwt ignores an `iat` option).
  const sign = (claims: service.AccessClaims) => fastify.jwt.sign(claims, { clockTimestamp: deps.clock.now().getTime() })

  app.post(
    '/v1/auth/login',
    {
      config: { auth: 'public', secretResponse: true },
      schema: {
        tags,
        operationId: 'login',
        summary: 'Log in as an agent: an access token and a refresh token',
        description: 'Throttled per account and per client address (429 with Retry-After).',
        body: LoginBody,
        response: { 200: TokenPairSchema, ...errorResponses },
      },
    },
    async (request) => service.login(deps, sign, { ...request.body, ip: request.ip }),
  )

  app.post(
    '/v1/auth/refresh',
    {
      config: { auth: 'public', secretResponse: true },
      schema: {
        tags,
        operationId: 'refreshToken',
        summary: 'Exchange a refresh token for a new pair (the old one stops working)',
        body: RefreshBody,
        response: { 200: TokenPairSchema, ...errorResponses },
      },
    },
    async (request) => service.refresh(deps, sign, request.body.refreshToken),
  )

  app.post(
    '/v1/auth/logout',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        operationId: 'logout',
        summary: 'Revoke a refresh token and every token rotated from it',
        body: RefreshBody,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await service.logout(deps, request.body.refreshToken)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/v1/auth/me',
    {
      config: { auth: ANY_PRINCIPAL },
      schema: { tags, operationId: 'getMe', summary: 'Who the credentials belong to', response: { 200: Me, ...errorResponses } },
    },
    async (request) => {
      // One literal per kind, not spreads: this route is the measure of a request's fixed cost (bench/http-hooks.ts).
      const p = request.principal!
      switch (p.kind) {
        case 'agent':
          return { kind: p.kind, id: p.id, name: p.name, role: p.role }
        case 'apiKey':
          return { kind: p.kind, id: p.id, name: p.name, scopes: [...p.scopes] }
        case 'contact':
          return { kind: p.kind, id: p.id, name: p.name, organizationId: p.organizationId }
      }
    },
  )

  app.post(
    '/v1/bootstrap',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['system'],
        operationId: 'bootstrapFirstAdmin',
        summary: 'Create the first admin with the one-time token from the data directory',
        description: 'Works once, while no agent exists. The token is in `DATA_DIR/bootstrap-token` (see the README).',
        headers: IdempotencyHeader,
        body: BootstrapBody,
        response: { 201: Agent, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await bootstrapFirstAdmin(deps, request.body)),
  )
}
