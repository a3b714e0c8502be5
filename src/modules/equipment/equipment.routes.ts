import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { crudRoutes } from '../../plugins/crud-routes.ts'
import { DIRECTORY_READ, DIRECTORY_WRITE } from '../access.ts'
import { CreateEquipment, Equipment, EquipmentList, ListEquipmentQuery, UpdateEquipment } from './equipment.schemas.ts'
import * as service from './equipment.service.ts'

export async function equipmentRoutes(app: FastifyInstance, { deps }: { deps: Deps }) {
  crudRoutes(app, {
    path: '/v1/equipment',
    tags: ['equipment'],
    names: ['Equipment', 'Equipment'],
    auth: { read: DIRECTORY_READ, write: DIRECTORY_WRITE },
    item: Equipment,
    create: {
      summary: 'Register an asset of an organization',
      body: CreateEquipment,
      run: (body) => service.createEquipment(deps, body),
    },
    list: {
      summary: 'List equipment',
      query: ListEquipmentQuery,
      response: EquipmentList,
      run: (query) => service.listEquipment(deps, query),
    },
    get: {
      summary: 'Get an asset',
      run: (id) => service.getEquipment(deps, id),
    },
    update: {
      summary: 'Update an asset (its organization cannot change)',
      body: UpdateEquipment,
      run: (id, version, body) => service.updateEquipment(deps, id, version, body),
    },
    remove: {
      kind: 'delete',
      summary: 'Delete an asset nothing references (409 IN_USE otherwise: deactivate it with PATCH active=false)',
      run: (id, version) => service.deleteEquipment(deps, id, version),
    },
  })
}
