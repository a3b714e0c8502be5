import { type Static, Type } from 'typebox'
import { STATE_CATEGORIES } from '../../db/schema/ticket-config.ts'
import { Body, DateTime, ListOf, Name, PageQuery, PatchBody, StringEnum, Uuid } from '../../lib/schemas.ts'

const StateKey = (o: object = {}) => Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', maxLength: 64, ...o })
const Category = StringEnum(STATE_CATEGORIES, {
  description: 'new, open, pending (waiting on the customer: SLA clocks pause), resolved or closed',
})
const AllowedTransitions = Type.Array(StateKey(), {
  uniqueItems: true,
  maxItems: 50,
  description: 'keys of the states a ticket in this state may move to',
})

export const TicketState = Type.Object({
  id: Uuid(),
  key: Type.String(),
  name: Type.String(),
  category: Category,
  isDefault: Type.Boolean(),
  position: Type.Integer(),
  allowedTransitions: Type.Array(Type.String()),
  active: Type.Boolean(),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type TicketState = Static<typeof TicketState>

const writable = {
  name: Name(),
  category: Category,
  isDefault: Type.Optional(Type.Boolean({ description: 'new tickets start in this state (category new only); replaces the current default. While there is no default, the first state of category new becomes it' })),
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: 'display order, ascending' })),
  allowedTransitions: Type.Optional(AllowedTransitions),
}

export const CreateTicketState = Body({
  key: StateKey({ description: 'stable slug tickets refer to, e.g. waiting-customer; cannot be changed later' }),
  ...writable,
})
export type CreateTicketState = Static<typeof CreateTicketState>
/** `key` is deliberately absent: tickets, events and rules refer to states by key. */
export const UpdateTicketState = PatchBody(Type.Object({ ...writable, active: Type.Boolean() }))
export type UpdateTicketState = Static<typeof UpdateTicketState>

export const ListTicketStatesQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of the key or name' })),
    category: Type.Optional(Category),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type ListTicketStatesQuery = Static<typeof ListTicketStatesQuery>
export const TicketStateList = ListOf(TicketState)
