import { type Static, Type } from 'typebox'
import { Body, DateTime, ListOf, Name, Nullable, PageQuery, PatchBody, ShortText, Uuid } from '../../lib/schemas.ts'

const Kind = Type.String({ minLength: 1, maxLength: 64, description: 'what sort of asset, e.g. server, printer, pos-terminal' })
const SerialNumber = Type.String({ minLength: 1, maxLength: 100, pattern: '^\\S(.*\\S)?$', description: 'unique within the organization' })

export const Equipment = Type.Object({
  id: Uuid(),
  organizationId: Uuid(),
  siteId: Nullable(Uuid()),
  name: Type.String(),
  kind: Type.String(),
  serialNumber: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  active: Type.Boolean(),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type Equipment = Static<typeof Equipment>

const writable = {
  siteId: Type.Optional(Nullable(Uuid({ description: 'a site of the same organization' }))),
  name: Name(),
  kind: Kind,
  serialNumber: Type.Optional(Nullable(SerialNumber)),
  notes: Type.Optional(Nullable(ShortText({ maxLength: 4000 }))),
}

/** `organizationId` is set once: an asset changes sites, not owners. */
export const CreateEquipment = Body({ organizationId: Uuid(), ...writable })
export type CreateEquipment = Static<typeof CreateEquipment>
export const UpdateEquipment = PatchBody(Type.Object({ ...writable, active: Type.Boolean() }))
export type UpdateEquipment = Static<typeof UpdateEquipment>

export const ListEquipmentQuery = Type.Object(
  {
    ...PageQuery,
    organizationId: Type.Optional(Uuid()),
    siteId: Type.Optional(Uuid()),
    kind: Type.Optional(Kind),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of the name or serial number' })),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type ListEquipmentQuery = Static<typeof ListEquipmentQuery>
export const EquipmentList = ListOf(Equipment)
