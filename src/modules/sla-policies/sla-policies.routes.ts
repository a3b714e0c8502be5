import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, withEtag } from '../../plugins/conventions.ts'
import { CONTRACTS_READ, CONTRACTS_WRITE } from '../access.ts'
import {
  CreateSlaPolicy,
  DryRunBody,
  DryRunResult,
  ListSlaPoliciesQuery,
  SlaPolicy,
  SlaPolicyList,
  UpdateSlaPolicy,
} from './sla-policies.schemas.ts'
import * as service from './sla-policies.service.ts'

export async function slaPolicyRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['sla-policies']
  const one = { 200: SlaPolicy, ...errorResponses }

  app.post(
    '/v1/sla-policies',
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'createSlaPolicy',
        summary: 'Create an SLA policy',
        headers: IdempotencyHeader,
        body: CreateSlaPolicy,
        response: { 201: SlaPolicy, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/sla-policies', await service.createSlaPolicy(deps, request.body)),
  )

  app.post(
    '/v1/sla-policies/dry-run',
    {
      config: { auth: CONTRACTS_READ },
      schema: {
        tags,
        operationId: 'dryRunSlaPolicy',
        summary: 'Which SLA policy a ticket with these facts would get, why, and its due times (nothing is stored)',
        headers: IdempotencyHeader,
        body: DryRunBody,
        response: { 200: DryRunResult, ...errorResponses },
      },
    },
    async (request) => service.dryRun(deps, request.body),
  )

  app.get(
    '/v1/sla-policies',
    {
      config: { auth: CONTRACTS_READ },
      schema: {
        tags,
        operationId: 'listSlaPolicies',
        summary: 'List SLA policies',
        querystring: ListSlaPoliciesQuery,
        response: { 200: SlaPolicyList, ...errorResponses },
      },
    },
    async (request) => service.listSlaPolicies(deps, request.query),
  )

  app.get(
    '/v1/sla-policies/:id',
    {
      config: { auth: CONTRACTS_READ },
      schema: { tags, operationId: 'getSlaPolicy', summary: 'Get an SLA policy', params: IdParams, response: one },
    },
    async (request, reply) => withEtag(reply, await service.getSlaPolicy(deps, request.params.id)),
  )

  app.patch(
    '/v1/sla-policies/:id',
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'updateSlaPolicy',
        summary: 'Update an SLA policy (targets and conditions given replace the stored ones)',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdateSlaPolicy,
        response: one,
      },
    },
    async (request, reply) => withEtag(reply, await service.updateSlaPolicy(deps, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/sla-policies/:id',
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'deactivateSlaPolicy',
        summary: 'Deactivate an SLA policy (kept for history; PATCH active=true restores it)',
        params: IdParams,
        headers: IfMatchHeader,
        response: one,
      },
    },
    async (request, reply) => withEtag(reply, await service.deactivateSlaPolicy(deps, request.params.id, ifMatchVersion(request))),
  )
}
