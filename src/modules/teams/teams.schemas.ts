import { type Static, Type } from 'typebox'
import { Body, DateTime, Email, ListOf, Name, Nullable, PageQuery, PatchBody, ShortText, Uuid } from '../../lib/schemas.ts'

export const Team = Type.Object({
  id: Uuid(),
  name: Type.String(),
  description: Nullable(Type.String()),
  email: Nullable(Type.String()),
  memberCount: Type.Integer(),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type Team = Static<typeof Team>

const writable = {
  name: Name({ description: 'unique, compared case-insensitively' }),
  description: Type.Optional(Nullable(ShortText({ maxLength: 2000 }))),
  email: Type.Optional(Nullable(Email({ description: 'where team alerts go besides the members' }))),
}
export const CreateTeam = Body(writable)
export type CreateTeam = Static<typeof CreateTeam>
export const UpdateTeam = PatchBody(Type.Object(writable))
export type UpdateTeam = Static<typeof UpdateTeam>

export const ListTeamsQuery = Type.Object(
  { ...PageQuery, q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of the name' })) },
  { additionalProperties: false },
)
export type ListTeamsQuery = Static<typeof ListTeamsQuery>
export const TeamList = ListOf(Team)

export const MemberParams = Type.Object({ id: Uuid(), agentId: Uuid() }, { additionalProperties: false })
export const MembersQuery = Type.Object(PageQuery, { additionalProperties: false })
