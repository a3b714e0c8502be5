import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, withEtag } from '../../plugins/conventions.ts'
import { DIRECTORY_READ, DIRECTORY_WRITE } from '../access.ts'
import {
  CreateOrganization,
  ListOrganizationsQuery,
  Organization,
  OrganizationList,
  UpdateOrganization,
} from './organizations.schemas.ts'
import * as service from './organizations.service.ts'

export async function organizationRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['organizations']

  app.post(
    '/v1/organizations',
    {
      config: { auth: DIRECTORY_WRITE },
      schema: {
        tags,
        operationId: 'createOrganization',
        summary: 'Create an organization',
        headers: IdempotencyHeader,
        body: CreateOrganization,
        response: { 201: Organization, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/organizations', await service.createOrganization(deps, request.body)),
  )

  app.get(
    '/v1/organizations',
    {
      config: { auth: DIRECTORY_READ },
      schema: {
        tags,
        operationId: 'listOrganizations',
        summary: 'List organizations',
        querystring: ListOrganizationsQuery,
        response: { 200: OrganizationList, ...errorResponses },
      },
    },
    async (request) => service.listOrganizations(deps, request.query),
  )

  app.get(
    '/v1/organizations/:id',
    {
      config: { auth: DIRECTORY_READ },
      schema: {
        tags,
        operationId: 'getOrganization',
        summary: 'Get an organization',
        params: IdParams,
        response: { 200: Organization, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.getOrganization(deps, request.params.id)),
  )

  app.patch(
    '/v1/organizations/:id',
    {
      config: { auth: DIRECTORY_WRITE },
      schema: {
        tags,
        operationId: 'updateOrganization',
        summary: 'Update an organization',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdateOrganization,
        response: { 200: Organization, ...errorResponses },
      },
    },
    async (request, reply) =>
      withEtag(reply, await service.updateOrganization(deps, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/organizations/:id',
    {
      config: { auth: DIRECTORY_WRITE },
      schema: {
        tags,
        operationId: 'deactivateOrganization',
        summary: 'Deactivate an organization (it is kept for history; PATCH active=true restores it)',
        params: IdParams,
        headers: IfMatchHeader,
        response: { 200: Organization, ...errorResponses },
      },
    },
    async (request, reply) =>
      withEtag(reply, await service.deactivateOrganization(deps, request.params.id, ifMatchVersion(request))),
  )
}
