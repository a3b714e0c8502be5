import { type Static, Type } from 'typebox'
import { DESCRIPTION_FIELDS } from '../../db/schema/ticket-config.ts'
import { Body, DateTime, ListOf, Name, Nullable, PageQuery, PatchBody, ShortText, StringEnum, Uuid } from '../../lib/schemas.ts'

const RequiredFields = Type.Array(StringEnum(DESCRIPTION_FIELDS), {
  uniqueItems: true,
  maxItems: DESCRIPTION_FIELDS.length,
  description: 'description fields a request of this type must carry; `screenshot` means an attached image',
})

export const TicketType = Type.Object({
  id: Uuid(),
  name: Type.String(),
  description: Nullable(Type.String()),
  billable: Type.Boolean(),
  requiredFields: RequiredFields,
  active: Type.Boolean(),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type TicketType = Static<typeof TicketType>

const writable = {
  name: Name(),
  description: Type.Optional(Nullable(ShortText({ maxLength: 2000 }))),
  billable: Type.Optional(Type.Boolean({ description: 'work on this kind of problem is charged (default false)' })),
  requiredFields: Type.Optional(RequiredFields),
}

export const CreateTicketType = Body(writable)
export type CreateTicketType = Static<typeof CreateTicketType>
export const UpdateTicketType = PatchBody(Type.Object({ ...writable, active: Type.Boolean() }))
export type UpdateTicketType = Static<typeof UpdateTicketType>

export const ListTicketTypesQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of the name or description' })),
    billable: Type.Optional(Type.Boolean()),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type ListTicketTypesQuery = Static<typeof ListTicketTypesQuery>
export const TicketTypeList = ListOf(TicketType)
