import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { crudRoutes } from '../../plugins/crud-routes.ts'
import { ADMIN_ONLY, DIRECTORY_READ } from '../access.ts'
import { Agent, AgentList, CreateAgent, ListAgentsQuery, UpdateAgent } from './agents.schemas.ts'
import * as service from './agents.service.ts'

/** Every agent may look colleagues up; only admins manage them, and API keys never do. */
export async function agentRoutes(app: FastifyInstance, { deps }: { deps: Deps }) {
  crudRoutes(app, {
    path: '/v1/agents',
    tags: ['agents'],
    names: ['Agent', 'Agents'],
    auth: { read: DIRECTORY_READ, write: ADMIN_ONLY },
    item: Agent,
    create: {
      summary: 'Create an agent (with an optional initial password)',
      body: CreateAgent,
      run: (body) => service.createAgent(deps, body),
    },
    list: {
      summary: 'List agents',
      query: ListAgentsQuery,
      response: AgentList,
      run: (query) => service.listAgents(deps, query),
    },
    get: {
      summary: 'Get an agent',
      run: (id) => service.getAgent(deps, id),
    },
    update: {
      summary: 'Update an agent',
      description: "Changing the password or the role, or deactivating, revokes the agent's tokens at once.",
      body: UpdateAgent,
      run: (id, version, body, principal) => service.updateAgent(deps, principal, id, version, body),
    },
    remove: {
      kind: 'deactivate',
      summary: 'Deactivate an agent (its work stays attributed; PATCH active=true restores it)',
      run: (id, version, principal) => service.deactivateAgent(deps, principal, id, version),
    },
  })
}
