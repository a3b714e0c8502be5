import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { crudRoutes } from '../../plugins/crud-routes.ts'
import { DIRECTORY_READ, DIRECTORY_WRITE } from '../access.ts'
import {
  CreateOrganization,
  ListOrganizationsQuery,
  Organization,
  OrganizationList,
  UpdateOrganization,
} from './organizations.schemas.ts'
import * as service from './organizations.service.ts'

export async function organizationRoutes(app: FastifyInstance, { deps }: { deps: Deps }) {
  crudRoutes(app, {
    path: '/v1/organizations',
    tags: ['organizations'],
    names: ['Organization', 'Organizations'],
    auth: { read: DIRECTORY_READ, write: DIRECTORY_WRITE },
    item: Organization,
    create: {
      summary: 'Create an organization',
      body: CreateOrganization,
      run: (body) => service.createOrganization(deps, body),
    },
    list: {
      summary: 'List organizations',
      query: ListOrganizationsQuery,
      response: OrganizationList,
      run: (query) => service.listOrganizations(deps, query),
    },
    get: {
      summary: 'Get an organization',
      run: (id) => service.getOrganization(deps, id),
    },
    update: {
      summary: 'Update an organization',
      body: UpdateOrganization,
      run: (id, version, body) => service.updateOrganization(deps, id, version, body),
    },
    remove: {
      kind: 'deactivate',
      summary: 'Deactivate an organization (it is kept for history; PATCH active=true restores it)',
      run: (id, version) => service.deactivateOrganization(deps, id, version),
    },
  })
}
