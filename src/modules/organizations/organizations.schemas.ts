import { type Static, Type } from 'typebox'
import { Body, DateTime, Email, ListOf, Locale, Name, Nullable, PageQuery, PatchBody, ShortText, TimeZone, Uuid } from '../../lib/schemas.ts'

const Domain = Type.String({
  minLength: 3,
  maxLength: 253,
  pattern: '^(?=.{3,253}$)([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z]{2,63}$',
  description: 'a mail domain, e.g. acme.bg',
})

export const BillingContact = Type.Object({ name: Name(), email: Email() }, { additionalProperties: false })

export const Organization = Type.Object({
  id: Uuid(),
  name: Type.String(),
  taxId: Nullable(Type.String()),
  emailDomains: Type.Array(Type.String()),
  defaultLocale: Type.String(),
  timeZone: Type.String(),
  billingContacts: Type.Array(BillingContact),
  notes: Nullable(Type.String()),
  active: Type.Boolean(),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type Organization = Static<typeof Organization>

const writable = {
  name: Name(),
  taxId: Type.Optional(Nullable(Type.String({ minLength: 2, maxLength: 32, pattern: '^[A-Za-z0-9 ./-]+$' }))),
  emailDomains: Type.Optional(Type.Array(Domain, { maxItems: 50, uniqueItems: true })),
  defaultLocale: Type.Optional(Locale()),
  timeZone: Type.Optional(TimeZone()),
  billingContacts: Type.Optional(Type.Array(BillingContact, { maxItems: 20 })),
  notes: Type.Optional(Nullable(ShortText({ maxLength: 4000 }))),
}

export const CreateOrganization = Body(writable)
export type CreateOrganization = Static<typeof CreateOrganization>
export const UpdateOrganization = PatchBody(Type.Object({ ...writable, active: Type.Boolean() }))
export type UpdateOrganization = Static<typeof UpdateOrganization>

export const ListOrganizationsQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of the name or tax id' })),
    active: Type.Optional(Type.Boolean()),
    emailDomain: Type.Optional(Type.String({ maxLength: 253, description: 'organizations using this mail domain' })),
  },
  { additionalProperties: false },
)
export type ListOrganizationsQuery = Static<typeof ListOrganizationsQuery>
export const OrganizationList = ListOf(Organization)
