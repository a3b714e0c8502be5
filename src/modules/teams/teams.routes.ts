import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import type { AccessRule } from '../../lib/principal.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, NoContent, withEtag } from '../../plugins/conventions.ts'
import { DIRECTORY_READ } from '../access.ts'
import { AgentList } from '../agents/agents.schemas.ts'
import { CreateTeam, ListTeamsQuery, MemberParams, MembersQuery, Team, TeamList, UpdateTeam } from './teams.schemas.ts'
import * as service from './teams.service.ts'

/** Teams organize agents: managers and admins shape them; API keys never manage people. */
const TEAMS_WRITE: AccessRule = { roles: ['admin', 'manager'] }

export async function teamRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['teams']

  app.post(
    '/v1/teams',
    {
      config: { auth: TEAMS_WRITE },
      schema: {
        tags,
        operationId: 'createTeam',
        summary: 'Create a team',
        headers: IdempotencyHeader,
        body: CreateTeam,
        response: { 201: Team, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/teams', await service.createTeam(deps, request.body)),
  )

  app.get(
    '/v1/teams',
    {
      config: { auth: DIRECTORY_READ },
      schema: { tags, operationId: 'listTeams', summary: 'List teams', querystring: ListTeamsQuery, response: { 200: TeamList, ...errorResponses } },
    },
    async (request) => service.listTeams(deps, request.query),
  )

  app.get(
    '/v1/teams/:id',
    {
      config: { auth: DIRECTORY_READ },
      schema: { tags, operationId: 'getTeam', summary: 'Get a team', params: IdParams, response: { 200: Team, ...errorResponses } },
    },
    async (request, reply) => withEtag(reply, await service.getTeam(deps, request.params.id)),
  )

  app.patch(
    '/v1/teams/:id',
    {
      config: { auth: TEAMS_WRITE },
      schema: {
        tags,
        operationId: 'updateTeam',
        summary: 'Update a team',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdateTeam,
        response: { 200: Team, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.updateTeam(deps, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/teams/:id',
    {
      config: { auth: TEAMS_WRITE },
      schema: {
        tags,
        operationId: 'deleteTeam',
        summary: 'Delete a team and its memberships (the agents stay)',
        params: IdParams,
        headers: IfMatchHeader,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await service.deleteTeam(deps, request.params.id, ifMatchVersion(request))
      return reply.code(204).send(null)
    },
  )

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
