import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, withEtag } from '../../plugins/conventions.ts'
import { ESCALATIONS_WRITE, TICKETS_READ } from '../access.ts'
import {
  CreateEscalationRule,
  DecideEscalation,
  Escalation,
  EscalationList,
  EscalationRule,
  EscalationRuleList,
  ListEscalationRulesQuery,
  ListEscalationsQuery,
  UpdateEscalationRule,
} from './escalations.schemas.ts'
import * as service from './escalations.service.ts'

export async function escalationRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['escalations']

  app.post(
    '/v1/escalation-rules',
    {
      config: { auth: ESCALATIONS_WRITE },
      schema: {
        tags,
        operationId: 'createEscalationRule',
        summary: 'Create an escalation rule',
        headers: IdempotencyHeader,
        body: CreateEscalationRule,
        response: { 201: EscalationRule, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/escalation-rules', await service.createRule(deps, request.body)),
  )

  app.get(
    '/v1/escalation-rules',
    {
      config: { auth: TICKETS_READ },
      schema: {
        tags,
        operationId: 'listEscalationRules',
        summary: 'List escalation rules',
        querystring: ListEscalationRulesQuery,
        response: { 200: EscalationRuleList, ...errorResponses },
      },
    },
    async (request) => service.listRules(deps, request.query),
  )

  app.get(
    '/v1/escalation-rules/:id',
    {
      config: { auth: TICKETS_READ },
      schema: { tags, operationId: 'getEscalationRule', summary: 'Get an escalation rule', params: IdParams, response: { 200: EscalationRule, ...errorResponses } },
    },
    async (request, reply) => withEtag(reply, await service.getRule(deps, request.params.id)),
  )

  app.patch(
    '/v1/escalation-rules/:id',
    {
      config: { auth: ESCALATIONS_WRITE },
      schema: {
        tags,
        operationId: 'updateEscalationRule',
        summary: 'Update an escalation rule',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdateEscalationRule,
        response: { 200: EscalationRule, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.updateRule(deps, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/escalation-rules/:id',
    {
      config: { auth: ESCALATIONS_WRITE },
      schema: {
        tags,
        operationId: 'deactivateEscalationRule',
        summary: 'Deactivate an escalation rule (kept: its escalations refer to it; PATCH active=true restores it)',
        params: IdParams,
        headers: IfMatchHeader,
        response: { 200: EscalationRule, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.deactivateRule(deps, request.params.id, ifMatchVersion(request))),
  )

  app.get(
    '/v1/escalations',
    {
      config: { auth: TICKETS_READ },
      schema: {
        tags,
        operationId: 'listEscalations',
        summary: 'List escalations (fired, proposed, approved, rejected)',
        querystring: ListEscalationsQuery,
        response: { 200: EscalationList, ...errorResponses },
      },
    },
    async (request) => service.listEscalations(deps, request.query),
  )

  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/v1/escalations/:id/${decision}`,
      {
        config: { auth: ESCALATIONS_WRITE },
        schema: {
          tags,
          operationId: `${decision}Escalation`,
          summary: decision === 'approve' ? 'Approve a proposed escalation: its actions run now' : 'Reject a proposed escalation: nothing moves',
          params: IdParams,
          headers: IdempotencyHeader,
          body: DecideEscalation,
          response: { 200: Escalation, ...errorResponses },
        },
      },
      async (request) => service.decideEscalation(deps, request.principal!, request.params.id, decision === 'approve' ? 'approved' : 'rejected', request.body),
    )
  }
}
