import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { crudRoutes } from '../../plugins/crud-routes.ts'
import { DIRECTORY_READ, DIRECTORY_WRITE } from '../access.ts'
import { CreateSite, ListSitesQuery, Site, SiteList, UpdateSite } from './sites.schemas.ts'
import * as service from './sites.service.ts'

export async function siteRoutes(app: FastifyInstance, { deps }: { deps: Deps }) {
  crudRoutes(app, {
    path: '/v1/sites',
    tags: ['sites'],
    names: ['Site', 'Sites'],
    auth: { read: DIRECTORY_READ, write: DIRECTORY_WRITE },
    item: Site,
    create: {
      summary: 'Create a site of an organization',
      body: CreateSite,
      run: (body) => service.createSite(deps, body),
    },
    list: {
      summary: 'List sites',
      query: ListSitesQuery,
      response: SiteList,
      run: (query) => service.listSites(deps, query),
    },
    get: {
      summary: 'Get a site',
      run: (id) => service.getSite(deps, id),
    },
    update: {
      summary: 'Update a site (its organization cannot change)',
      body: UpdateSite,
      run: (id, version, body) => service.updateSite(deps, id, version, body),
    },
    remove: {
      kind: 'delete',
      summary: 'Delete a site nothing references (409 IN_USE otherwise: deactivate it with PATCH active=false)',
      run: (id, version) => service.deleteSite(deps, id, version),
    },
  })
}
