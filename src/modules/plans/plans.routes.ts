import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { crudRoutes } from '../../plugins/crud-routes.ts'
import { CONTRACTS_READ, CONTRACTS_WRITE } from '../access.ts'
import { CreatePlan, ListPlansQuery, Plan, PlanList, UpdatePlan } from './plans.schemas.ts'
import * as service from './plans.service.ts'

export async function planRoutes(app: FastifyInstance, { deps }: { deps: Deps }) {
  crudRoutes(app, {
    path: '/v1/plans',
    tags: ['plans'],
    names: ['Plan', 'Plans'],
    auth: { read: CONTRACTS_READ, write: CONTRACTS_WRITE },
    item: Plan,
    create: {
      summary: 'Create a plan',
      body: CreatePlan,
      run: (body) => service.createPlan(deps, body),
    },
    list: {
      summary: 'List plans',
      query: ListPlansQuery,
      response: PlanList,
      run: (query) => service.listPlans(deps, query),
    },
    get: {
      summary: 'Get a plan',
      run: (id) => service.getPlan(deps, id),
    },
    update: {
      summary: 'Update a plan',
      body: UpdatePlan,
      run: (id, version, body) => service.updatePlan(deps, id, version, body),
    },
    remove: {
      kind: 'deactivate',
      summary: 'Deactivate a plan (contracts keep it; PATCH active=true restores it)',
      run: (id, version) => service.deactivatePlan(deps, id, version),
    },
  })
}
