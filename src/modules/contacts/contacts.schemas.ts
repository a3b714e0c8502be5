import { type Static, Type } from 'typebox'
import { CHANNELS } from '../../db/schema/directory.ts'
import { Body, DateTime, Email, ListOf, Locale, Name, Nullable, PageQuery, PatchBody, StringEnum, TimeZone, Uuid } from '../../lib/schemas.ts'

export const Channel = StringEnum(CHANNELS)
export const Phone = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164, e.g. +35928123456' })

export const Contact = Type.Object({
  id: Uuid(),
  organizationId: Uuid(),
  name: Type.String(),
  emails: Type.Array(Type.String(), { description: 'lower-cased; the first is the primary address' }),
  phones: Type.Array(Type.String()),
  locale: Nullable(Type.String()),
  timeZone: Nullable(Type.String()),
  authorized: Type.Boolean(),
  channels: Type.Array(Channel),
  receivesStatements: Type.Boolean(),
  active: Type.Boolean(),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type Contact = Static<typeof Contact>

const writable = {
  name: Name(),
  emails: Type.Array(Email(), {
    minItems: 1,
    maxItems: 10,
    description: 'an address belongs to at most one contact across all organizations; PATCH replaces the whole set',
  }),
  phones: Type.Optional(Type.Array(Phone, { maxItems: 10, uniqueItems: true })),
  locale: Type.Optional(Nullable(Locale())),
  timeZone: Type.Optional(Nullable(TimeZone())),
  authorized: Type.Optional(Type.Boolean({ description: 'authorized contacts may open tickets' })),
  channels: Type.Optional(Type.Array(Channel, { uniqueItems: true, maxItems: CHANNELS.length, description: 'channels this contact may use' })),
  receivesStatements: Type.Optional(Type.Boolean()),
}

/** `organizationId` is set once: a person who changes employer is a new contact. */
export const CreateContact = Body({ organizationId: Uuid(), ...writable })
export type CreateContact = Static<typeof CreateContact>
export const UpdateContact = PatchBody(Type.Object({ ...writable, active: Type.Boolean() }))
export type UpdateContact = Static<typeof UpdateContact>

export const ListContactsQuery = Type.Object(
  {
    ...PageQuery,
    organizationId: Type.Optional(Uuid()),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of the name or of an email address' })),
    email: Type.Optional(Email({ description: 'exact address, case-insensitive (the sender lookup of mail intake)' })),
    authorized: Type.Optional(Type.Boolean()),
    channel: Type.Optional(Channel),
    receivesStatements: Type.Optional(Type.Boolean()),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type ListContactsQuery = Static<typeof ListContactsQuery>
export const ContactList = ListOf(Contact)
