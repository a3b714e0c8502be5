import { type Static, Type } from 'typebox'
import { AGENT_ROLES } from '../../db/schema/agents.ts'
import { Body, DateTime, Email, ListOf, Locale, Name, Nullable, PageQuery, PatchBody, StringEnum, Tag, TimeZone, Uuid } from '../../lib/schemas.ts'
import { Password } from '../auth/auth.schemas.ts'

export const Role = StringEnum(AGENT_ROLES)

export const Agent = Type.Object({
  id: Uuid(),
  name: Type.String(),
  email: Type.String(),
  role: Role,
  skills: Type.Array(Type.String()),
  locale: Nullable(Type.String()),
  timeZone: Nullable(Type.String()),
  active: Type.Boolean(),
  teamIds: Type.Array(Uuid()),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type Agent = Static<typeof Agent>

const writable = {
  name: Name(),
  email: Email(),
  role: Role,
  skills: Type.Optional(Type.Array(Tag(), { maxItems: 50, uniqueItems: true })),
  locale: Type.Optional(Nullable(Locale())),
  timeZone: Type.Optional(Nullable(TimeZone())),
  password: Type.Optional(Password),
}
export const CreateAgent = Body(writable)
export type CreateAgent = Static<typeof CreateAgent>
export const UpdateAgent = PatchBody(Type.Object({ ...writable, active: Type.Boolean() }))
export type UpdateAgent = Static<typeof UpdateAgent>

export const ListAgentsQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of the name or email' })),
    role: Type.Optional(Role),
    active: Type.Optional(Type.Boolean()),
    skill: Type.Optional(Type.String({ maxLength: 64 })),
    teamId: Type.Optional(Uuid()),
  },
  { additionalProperties: false },
)
export type ListAgentsQuery = Static<typeof ListAgentsQuery>
export const AgentList = ListOf(Agent)
