import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, withEtag } from '../../plugins/conventions.ts'
import { CONTRACTS_READ, CONTRACTS_WRITE } from '../access.ts'
import {
  CreatePlan,
  ListPlansQuery,
  Plan,
  PlanList,
  UpdatePlan,
} from './plans.schemas.ts'
import * as service from './plans.service.ts'

export async function planRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['plans']

  app.post(
    '/v1/plans',
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'createPlan',
        summary: 'Create a plan',
        headers: IdempotencyHeader,
        body: CreatePlan,
        response: { 201: Plan, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/plans', await service.createPlan(deps, request.body)),
  )

  app.get(
    '/v1/plans',
    {
      config: { auth: CONTRACTS_READ },
      schema: {
        tags,
        operationId: 'listPlans',
        summary: 'List plans',
        querystring: ListPlansQuery,
        response: { 200: PlanList, ...errorResponses },
      },
    },
    async (request) => service.listPlans(deps, request.query),
  )

  app.get(
    '/v1/plans/:id',
    {
      config: { auth: CONTRACTS_READ },
      schema: {
        tags,
        operationId: 'getPlan',
        summary: 'Get a plan',
        params: IdParams,
        response: { 200: Plan, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.getPlan(deps, request.params.id)),
  )

  app.patch(
    '/v1/plans/:id',
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'updatePlan',
        summary: 'Update a plan',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdatePlan,
        response: { 200: Plan, ...errorResponses },
      },
    },
    async (request, reply) =>
      withEtag(reply, await service.updatePlan(deps, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/plans/:id',
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'deactivatePlan',
        summary: 'Deactivate a plan (contracts keep it; PATCH active=true restores it)',
        params: IdParams,
        headers: IfMatchHeader,
        response: { 200: Plan, ...errorResponses },
      },
    },
    async (request, reply) =>
      withEtag(reply, await service.deactivatePlan(deps, request.params.id, ifMatchVersion(request))),
  )
}
