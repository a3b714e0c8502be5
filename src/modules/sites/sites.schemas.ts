import { type Static, Type } from 'typebox'
import { Body, DateTime, ListOf, Name, Nullable, PageQuery, PatchBody, ShortText, TimeZone, Uuid } from '../../lib/schemas.ts'

export const Country = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 code, e.g. BG' })

export const Site = Type.Object({
  id: Uuid(),
  organizationId: Uuid(),
  name: Type.String(),
  address: Nullable(Type.String()),
  city: Nullable(Type.String()),
  country: Nullable(Type.String()),
  timeZone: Nullable(Type.String({ description: "the site's own time zone; null means the organization's" })),
  effectiveTimeZone: Type.String({ description: 'timeZone, or the organization time zone when it is null' }),
  active: Type.Boolean(),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type Site = Static<typeof Site>

const writable = {
  name: Name(),
  address: Type.Optional(Nullable(ShortText({ maxLength: 500 }))),
  city: Type.Optional(Nullable(Name())),
  country: Type.Optional(Nullable(Country)),
  timeZone: Type.Optional(Nullable(TimeZone())),
}

/** `organizationId` is set once: a site never moves to another customer. */
export const CreateSite = Body({ organizationId: Uuid(), ...writable })
export type CreateSite = Static<typeof CreateSite>
export const UpdateSite = PatchBody(Type.Object({ ...writable, active: Type.Boolean() }))
export type UpdateSite = Static<typeof UpdateSite>

export const ListSitesQuery = Type.Object(
  {
    ...PageQuery,
    organizationId: Type.Optional(Uuid()),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of the name, address or city' })),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type ListSitesQuery = Static<typeof ListSitesQuery>
export const SiteList = ListOf(Site)
