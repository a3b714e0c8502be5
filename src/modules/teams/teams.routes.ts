import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import type { AccessRule } from '../../lib/principal.ts'
import { IdParams } from '../../lib/schemas.ts'
import { errorResponses, NoContent } from '../../plugins/conventions.ts'
import { crudRoutes } from '../../plugins/crud-routes.ts'
import { DIRECTORY_READ } from '../access.ts'
import { AgentList } from '../agents/agents.schemas.ts'
import { CreateTeam, ListTeamsQuery, MemberParams, MembersQuery, Team, TeamList, UpdateTeam } from './teams.schemas.ts'
import * as service from './teams.service.ts'

/** Teams organize agents: managers and admins shape them; API keys never manage people. */
const TEAMS_WRITE: AccessRule = { roles: ['admin', 'manager'] }

export async function teamRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['teams']

  crudRoutes(fastify, {
    path: '/v1/teams',
    tags: ['teams'],
    names: ['Team', 'Teams'],
    auth: { read: DIRECTORY_READ, write: TEAMS_WRITE },
    item: Team,
    create: {
      summary: 'Create a team',
      body: CreateTeam,
      run: (body) => service.createTeam(deps, body),
    },
    list: {
      summary: 'List teams',
      query: ListTeamsQuery,
      response: TeamList,
      run: (query) => service.listTeams(deps, query),
    },
    get: {
      summary: 'Get a team',
      run: (id) => service.getTeam(deps, id),
    },
    update: {
      summary: 'Update a team',
      body: UpdateTeam,
      run: (id, version, body) => service.updateTeam(deps, id, version, body),
    },
    remove: {
      kind: 'delete',
      summary: 'Delete a team and its memberships (the agents stay)',
      run: (id, version) => service.deleteTeam(deps, id, version),
    },
  })

  app.get(
    '/v1/teams/:id/members',
    {
      config: { auth: DIRECTORY_READ },
      schema: {
        tags,
        operationId: 'listTeamMembers',
        summary: 'List the agents of a team',
        params: IdParams,
        querystring: MembersQuery,
        response: { 200: AgentList, ...errorResponses },
      },
    },
    async (request) => service.listMembers(deps, request.params.id, request.query),
  )

  app.put(
    '/v1/teams/:id/members/:agentId',
    {
      config: { auth: TEAMS_WRITE },
      schema: {
        tags,
        operationId: 'addTeamMember',
        summary: 'Add an agent to a team (idempotent)',
        params: MemberParams,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await service.addMember(deps, request.params.id, request.params.agentId)
      return reply.code(204).send(null)
    },
  )

  app.delete(
    '/v1/teams/:id/members/:agentId',
    {
      config: { auth: TEAMS_WRITE },
      schema: {
        tags,
        operationId: 'removeTeamMember',
        summary: 'Remove an agent from a team (404 when it is not a member)',
        params: MemberParams,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await service.removeMember(deps, request.params.id, request.params.agentId)
      return reply.code(204).send(null)
    },
  )
}
