import { type Static, Type } from 'typebox'
import { CHANNELS } from '../../db/schema/directory.ts'
import { FIRST_RESPONSE_UNITS } from '../../db/schema/contracts.ts'
import { Body, DateTime, ListOf, LongText, Name, Nullable, PageQuery, PatchBody, ShortText, StringEnum, Uuid } from '../../lib/schemas.ts'

export const Channel = StringEnum(CHANNELS)
export const Channels = Type.Array(Channel, { maxItems: CHANNELS.length, uniqueItems: true })
export const CurrencyCode = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR' })
export const MinorUnits = (o: object = {}) => Type.Integer({ minimum: 0, maximum: 2_147_483_647, ...o })

export const FirstResponseTarget = Type.Object(
  { value: Type.Integer({ minimum: 1, maximum: 100_000 }), unit: StringEnum(FIRST_RESPONSE_UNITS) },
  { additionalProperties: false },
)

export const Plan = Type.Object({
  id: Uuid(),
  name: Type.String(),
  description: Nullable(Type.String()),
  firstResponseTarget: Nullable(FirstResponseTarget),
  serviceScope: Nullable(Type.String()),
  pricePerSlotMinor: Nullable(Type.Integer()),
  currency: Nullable(Type.String()),
  slotsPerMonth: Nullable(Type.Integer()),
  minimumTermMonths: Type.Integer(),
  allowedChannels: Type.Array(Type.String()),
  active: Type.Boolean(),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type Plan = Static<typeof Plan>

const writable = {
  name: Name(),
  description: Type.Optional(Nullable(LongText({ maxLength: 4000 }))),
  firstResponseTarget: Type.Optional(Nullable(FirstResponseTarget)),
  serviceScope: Type.Optional(Nullable(ShortText({ minLength: 1 }))),
  pricePerSlotMinor: Type.Optional(Nullable(MinorUnits())),
  currency: Type.Optional(Nullable(CurrencyCode)),
  slotsPerMonth: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 10_000 }))),
  minimumTermMonths: Type.Optional(Type.Integer({ minimum: 0, maximum: 600 })),
  allowedChannels: Type.Optional(Channels),
}
export const CreatePlan = Body(writable)
export type CreatePlan = Static<typeof CreatePlan>
export const UpdatePlan = PatchBody(Type.Object({ ...writable, active: Type.Boolean() }))
export type UpdatePlan = Static<typeof UpdatePlan>

export const ListPlansQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of the name' })),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type ListPlansQuery = Static<typeof ListPlansQuery>
export const PlanList = ListOf(Plan)
