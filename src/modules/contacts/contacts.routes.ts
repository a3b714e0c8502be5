import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import type { AccessRule } from '../../lib/principal.ts'
import { crudRoutes } from '../../plugins/crud-routes.ts'
import { DIRECTORY_READ, DIRECTORY_WRITE } from '../access.ts'
import { Contact, ContactList, CreateContact, ListContactsQuery, UpdateContact } from './contacts.schemas.ts'
import * as service from './contacts.service.ts'

/** Customer contacts may read their colleagues; the service confines them to their organization. */
const CONTACTS_READ: AccessRule = { ...DIRECTORY_READ, contacts: true }

export async function contactRoutes(app: FastifyInstance, { deps }: { deps: Deps }) {
  crudRoutes(app, {
    path: '/v1/contacts',
    tags: ['contacts'],
    names: ['Contact', 'Contacts'],
    auth: { read: CONTACTS_READ, write: DIRECTORY_WRITE },
    item: Contact,
    create: {
      summary: 'Create a contact of an organization',
      body: CreateContact,
      run: (body) => service.createContact(deps, body),
    },
    list: {
      summary: 'List contacts (a customer contact sees its own organization only)',
      query: ListContactsQuery,
      response: ContactList,
      run: (query, principal) => service.listContacts(deps, principal, query),
    },
    get: {
      summary: 'Get a contact',
      run: (id, principal) => service.getContact(deps, principal, id),
    },
    update: {
      summary: 'Update a contact (`emails` replaces the whole set; the organization cannot change)',
      body: UpdateContact,
      run: (id, version, body) => service.updateContact(deps, id, version, body),
    },
    remove: {
      kind: 'deactivate',
      summary: 'Deactivate a contact (tickets keep pointing at it; PATCH active=true restores it)',
      run: (id, version) => service.deactivateContact(deps, id, version),
    },
  })
}
