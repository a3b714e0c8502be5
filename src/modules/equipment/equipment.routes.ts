import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, NoContent, withEtag } from '../../plugins/conventions.ts'
import { DIRECTORY_READ, DIRECTORY_WRITE } from '../access.ts'
import { CreateEquipment, Equipment, EquipmentList, ListEquipmentQuery, UpdateEquipment } from './equipment.schemas.ts'
import * as service from './equipment.service.ts'

export async function equipmentRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['equipment']

  app.post(
    '/v1/equipment',
    {
      config: { auth: DIRECTORY_WRITE },
      schema: {
        tags,
        operationId: 'createEquipment',
        summary: 'Register an asset of an organization',
        headers: IdempotencyHeader,
        body: CreateEquipment,
        response: { 201: Equipment, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/equipment', await service.createEquipment(deps, request.body)),
  )

  app.get(
    '/v1/equipment',
    {
      config: { auth: DIRECTORY_READ },
      schema: {
        tags,
        operationId: 'listEquipment',
        summary: 'List equipment',
        querystring: ListEquipmentQuery,
        response: { 200: EquipmentList, ...errorResponses },
      },
    },
    async (request) => service.listEquipment(deps, request.query),
  )

  app.get(
    '/v1/equipment/:id',
    {
      config: { auth: DIRECTORY_READ },
      schema: { tags, operationId: 'getEquipment', summary: 'Get an asset', params: IdParams, response: { 200: Equipment, ...errorResponses } },
    },
    async (request, reply) => withEtag(reply, await service.getEquipment(deps, request.params.id)),
  )

  app.patch(
    '/v1/equipment/:id',
    {
      config: { auth: DIRECTORY_WRITE },
      schema: {
        tags,
        operationId: 'updateEquipment',
        summary: 'Update an asset (its organization cannot change)',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdateEquipment,
        response: { 200: Equipment, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.updateEquipment(deps, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/equipment/:id',
    {
      config: { auth: DIRECTORY_WRITE },
      schema: {
        tags,
        operationId: 'deleteEquipment',
        summary: 'Delete an asset nothing references (409 IN_USE otherwise: deactivate it with PATCH active=false)',
        params: IdParams,
        headers: IfMatchHeader,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await service.deleteEquipment(deps, request.params.id, ifMatchVersion(request))
      return reply.code(204).send(null)
    },
  )
}
