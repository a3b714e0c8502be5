import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { errorResponses, IdempotencyHeader } from '../../plugins/conventions.ts'
import { crudRoutes } from '../../plugins/crud-routes.ts'
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

  crudRoutes(fastify, {
    path: '/v1/escalation-rules',
    tags: ['escalations'],
    names: ['EscalationRule', 'EscalationRules'],
    auth: { read: TICKETS_READ, write: ESCALATIONS_WRITE },
    item: EscalationRule,
    create: {
      summary: 'Create an escalation rule',
      body: CreateEscalationRule,
      run: (body) => service.createRule(deps, body),
    },
    list: {
      summary: 'List escalation rules',
      query: ListEscalationRulesQuery,
      response: EscalationRuleList,
      run: (query) => service.listRules(deps, query),
    },
    get: {
      summary: 'Get an escalation rule',
      run: (id) => service.getRule(deps, id),
    },
    update: {
      summary: 'Update an escalation rule',
      body: UpdateEscalationRule,
      run: (id, version, body) => service.updateRule(deps, id, version, body),
    },
    remove: {
      kind: 'deactivate',
      summary: 'Deactivate an escalation rule (kept: its escalations refer to it; PATCH active=true restores it)',
      run: (id, version) => service.deactivateRule(deps, id, version),
    },
  })

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
