import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import type { AccessRule } from '../../lib/principal.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, withEtag } from '../../plugins/conventions.ts'
import { DIRECTORY_READ, DIRECTORY_WRITE } from '../access.ts'
import { Contact, ContactList, CreateContact, ListContactsQuery, UpdateContact } from './contacts.schemas.ts'
import * as service from './contacts.service.ts'

/** Customer contacts may read their colleagues; the service confines them to their organization. */
const CONTACTS_READ: AccessRule = { ...DIRECTORY_READ, contacts: true }

export async function contactRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['contacts']

  app.post(
    '/v1/contacts',
    {
      config: { auth: DIRECTORY_WRITE },
      schema: {
        tags,
        operationId: 'createContact',
        summary: 'Create a contact of an organization',
        headers: IdempotencyHeader,
        body: CreateContact,
        response: { 201: Contact, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/contacts', await service.createContact(deps, request.body)),
  )

  app.get(
    '/v1/contacts',
    {
      config: { auth: CONTACTS_READ },
      schema: {
        tags,
        operationId: 'listContacts',
        summary: 'List contacts (a customer contact sees its own organization only)',
        querystring: ListContactsQuery,
        response: { 200: ContactList, ...errorResponses },
      },
    },
    async (request) => service.listContacts(deps, request.principal!, request.query),
  )

  app.get(
    '/v1/contacts/:id',
    {
      config: { auth: CONTACTS_READ },
      schema: { tags, operationId: 'getContact', summary: 'Get a contact', params: IdParams, response: { 200: Contact, ...errorResponses } },
    },
    async (request, reply) => withEtag(reply, await service.getContact(deps, request.principal!, request.params.id)),
  )

  app.patch(
    '/v1/contacts/:id',
    {
      config: { auth: DIRECTORY_WRITE },
      schema: {
        tags,
        operationId: 'updateContact',
        summary: 'Update a contact (`emails` replaces the whole set; the organization cannot change)',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdateContact,
        response: { 200: Contact, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.updateContact(deps, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/contacts/:id',
    {
      config: { auth: DIRECTORY_WRITE },
      schema: {
        tags,
        operationId: 'deactivateContact',
        summary: 'Deactivate a contact (tickets keep pointing at it; PATCH active=true restores it)',
        params: IdParams,
        headers: IfMatchHeader,
        response: { 200: Contact, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.deactivateContact(deps, request.params.id, ifMatchVersion(request))),
  )
}
