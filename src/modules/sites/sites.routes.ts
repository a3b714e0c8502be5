import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, NoContent, withEtag } from '../../plugins/conventions.ts'
import { DIRECTORY_READ, DIRECTORY_WRITE } from '../access.ts'
import { CreateSite, ListSitesQuery, Site, SiteList, UpdateSite } from './sites.schemas.ts'
import * as service from './sites.service.ts'

export async function siteRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['sites']

  app.post(
    '/v1/sites',
    {
      config: { auth: DIRECTORY_WRITE },
      schema: {
        tags,
        operationId: 'createSite',
        summary: 'Create a site of an organization',
        headers: IdempotencyHeader,
        body: CreateSite,
        response: { 201: Site, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/sites', await service.createSite(deps, request.body)),
  )

  app.get(
    '/v1/sites',
    {
      config: { auth: DIRECTORY_READ },
      schema: {
        tags,
        operationId: 'listSites',
        summary: 'List sites',
        querystring: ListSitesQuery,
        response: { 200: SiteList, ...errorResponses },
      },
    },
    async (request) => service.listSites(deps, request.query),
  )

  app.get(
    '/v1/sites/:id',
    {
      config: { auth: DIRECTORY_READ },
      schema: { tags, operationId: 'getSite', summary: 'Get a site', params: IdParams, response: { 200: Site, ...errorResponses } },
    },
    async (request, reply) => withEtag(reply, await service.getSite(deps, request.params.id)),
  )

  app.patch(
    '/v1/sites/:id',
    {
      config: { auth: DIRECTORY_WRITE },
      schema: {
        tags,
        operationId: 'updateSite',
        summary: 'Update a site (its organization cannot change)',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdateSite,
        response: { 200: Site, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.updateSite(deps, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/sites/:id',
    {
      config: { auth: DIRECTORY_WRITE },
      schema: {
        tags,
        operationId: 'deleteSite',
        summary: 'Delete a site nothing references (409 IN_USE otherwise: deactivate it with PATCH active=false)',
        params: IdParams,
        headers: IfMatchHeader,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await service.deleteSite(deps, request.params.id, ifMatchVersion(request))
      return reply.code(204).send(null)
    },
  )
}
