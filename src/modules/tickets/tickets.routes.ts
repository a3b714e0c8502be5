import multipart from '@fastify/multipart'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { CHANNELS } from '../../db/schema/directory.ts'
import { MESSAGE_VISIBILITIES } from '../../db/schema/tickets.ts'
import type { Deps } from '../../deps.ts'
import { AppError, invalidField } from '../../lib/errors.ts'
import { contentDisposition } from '../../lib/files.ts'
import { IdParams, PageQuery } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, problem, withEtag } from '../../plugins/conventions.ts'
import { TICKETS_READ, TICKETS_WRITE } from '../access.ts'
import { type IncomingFile, refuseUnsafeInput, tooLarge, tooMany, tooMuch } from './attachments.ts'
import * as messages from './messages.service.ts'
import {
  CreateMessage,
  CreateTicket,
  EventList,
  EventsQuery,
  ListTicketsQuery,
  MergeTicket,
  Message,
  MessageList,
  Ticket,
  TicketList,
  TicketSla,
  UpdateTicket,
} from './tickets.schemas.ts'
import * as service from './tickets.service.ts'

const MESSAGE_FIELDS = new Set(['visibility', 'bodyText', 'bodyHtml', 'channel'])
const TICKET_FIELDS = new Set(['ticket'])

/** The responses of a route that takes files: the upload limits, and the refusals of unsafe names and HTML. */
const uploadResponses = {
  ...errorResponses,
  413: problem(
    'A file is over ATTACHMENT_MAX_BYTES, the files together are over MESSAGE_ATTACHMENTS_MAX_BYTES, or a JSON body is over BODY_LIMIT_BYTES; `errors` names the file',
  ),
  422: problem(
    'A rule refused the request: e.g. an empty file, more than MESSAGE_ATTACHMENTS_MAX_COUNT files, a filename with a path separator or a control character (`files.N.filename`), HTML with scripts, frames, objects, event handlers or javascript: URLs (`bodyHtml`), or a reused Idempotency-Key',
  ),
}

/** Reads a multipart body: its text fields (only `allowed` ones) and files, refusing early once a limit is passed. */
async function readParts(request: FastifyRequest, deps: Deps, allowed: Set<string>): Promise<{ fields: Record<string, string>; files: IncomingFile[] }> {
  const fields: Record<string, string> = {}
  const files: IncomingFile[] = []
  let total = 0
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (files.length >= deps.config.MESSAGE_ATTACHMENTS_MAX_COUNT) throw tooMany(deps.config.MESSAGE_ATTACHMENTS_MAX_COUNT)
        const bytes = await part.toBuffer().catch((e: { code?: string }) => {
          if (e.code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(files.length, part.filename, deps.config.ATTACHMENT_MAX_BYTES)
          throw e
        })
        total += bytes.length
        if (total > deps.config.MESSAGE_ATTACHMENTS_MAX_BYTES) throw tooMuch(deps.config.MESSAGE_ATTACHMENTS_MAX_BYTES)
        files.push({ filename: part.filename, bytes })
      } else {
        if (!allowed.has(part.fieldname)) throw invalidField(part.fieldname, 'is not a known field')
        fields[part.fieldname] = String(part.value)
      }
    }
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === 'FST_FILES_LIMIT') throw tooMany(deps.config.MESSAGE_ATTACHMENTS_MAX_COUNT)
    if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') throw new AppError('UNPROCESSABLE', 'too many form fields')
    throw e
  }
  return { fields, files }
}

/** Reads a multipart message: its fields and files. */
async function readMultipart(request: FastifyRequest, deps: Deps): Promise<messages.NewMessage> {
  const { fields, files } = await readParts(request, deps, MESSAGE_FIELDS)
  const visibility = fields.visibility as (typeof MESSAGE_VISIBILITIES)[number]
  if (!MESSAGE_VISIBILITIES.includes(visibility)) throw invalidField('visibility', `must be one of ${MESSAGE_VISIBILITIES.join(', ')}`)
  const channel = fields.channel as (typeof CHANNELS)[number] | undefined
  if (channel !== undefined && !CHANNELS.includes(channel)) throw invalidField('channel', `must be one of ${CHANNELS.join(', ')}`)
  if ((fields.bodyText?.length ?? 0) > 100_000) throw invalidField('bodyText', 'must NOT have more than 100000 characters')
  if ((fields.bodyHtml?.length ?? 0) > 500_000) throw invalidField('bodyHtml', 'must NOT have more than 500000 characters')
  return { visibility, bodyText: fields.bodyText || undefined, bodyHtml: fields.bodyHtml || undefined, channel, files }
}

/**
 * Reads a multipart ticket: the `ticket` field is the JSON body a JSON request would send,
 * validated by the same schema (so the same 400s), and the files are its first message's
 * attachments (a type requiring a screenshot can be met this way).
 */
async function readTicketMultipart(request: FastifyRequest, deps: Deps): Promise<{ input: CreateTicket; files: IncomingFile[] }> {
  const { fields, files } = await readParts(request, deps, TICKET_FIELDS)
  if (fields.ticket === undefined) throw invalidField('ticket', 'is required: the ticket as JSON')
  let input: unknown
  try {
    input = JSON.parse(fields.ticket)
  } catch {
    throw invalidField('ticket', 'is not valid JSON')
  }
  const validate = request.compileValidationSchema(CreateTicket, 'body')
  if (!validate(input)) throw Object.assign(new Error('the ticket field is not valid'), { validation: validate.errors, validationContext: 'body' })
  return { input: input as CreateTicket, files }
}

export async function ticketRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  // Multipart is for message uploads only, so it is registered in this plugin's scope.
  await fastify.register(multipart, {
    // The name as the client sent it, directory and all: a path in it is refused (refuseUnsafeInput), not cut off unseen.
    preservePath: true,
    limits: {
      fileSize: deps.config.ATTACHMENT_MAX_BYTES,
      files: deps.config.MESSAGE_ATTACHMENTS_MAX_COUNT + 1,
      fields: 10,
      fieldSize: 600_000,
    },
  })
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['tickets']

  app.post(
    '/v1/tickets',
    {
      config: { auth: TICKETS_WRITE },
      schema: {
        tags,
        operationId: 'createTicket',
        summary: 'Open a ticket through the intake gate (agents logging a call may override the gate with a reason)',
        headers: IdempotencyHeader,
        body: {
          content: {
            'application/json': { schema: CreateTicket },
            // No `type`: the handler reads the parts as they stream in and validates `ticket` with CreateTicket.
            'multipart/form-data': {
              schema: Type.Unsafe<unknown>({
                properties: {
                  ticket: { type: 'string', description: 'the ticket as JSON (the application/json body)' },
                  files: { type: 'array', items: { type: 'string', format: 'binary' } },
                },
                required: ['ticket'],
              }),
            },
          },
        },
        response: { 201: Ticket, ...uploadResponses },
      },
    },
    async (request, reply) => {
      const { input, files } = request.isMultipart() ? await readTicketMultipart(request, deps) : { input: request.body as CreateTicket, files: [] }
      refuseUnsafeInput(input.bodyHtml, files)
      return created(reply, '/v1/tickets', await service.createTicket(deps, request.principal!, input, files))
    },
  )

  app.get(
    '/v1/tickets',
    {
      config: { auth: TICKETS_READ },
      schema: { tags, operationId: 'listTickets', summary: 'List and search tickets', querystring: ListTicketsQuery, response: { 200: TicketList, ...errorResponses } },
    },
    async (request) => service.listTickets(deps, request.principal!, request.query),
  )

  app.get(
    '/v1/tickets/:id',
    {
      config: { auth: TICKETS_READ },
      schema: { tags, operationId: 'getTicket', summary: 'Get a ticket', params: IdParams, response: { 200: Ticket, ...errorResponses } },
    },
    async (request, reply) => withEtag(reply, await service.getTicket(deps, request.principal!, request.params.id)),
  )

  app.patch(
    '/v1/tickets/:id',
    {
      config: { auth: TICKETS_WRITE },
      schema: {
        tags,
        operationId: 'updateTicket',
        summary: 'Assign, route, re-prioritise, change state, tags or the billable flag (each change is an event)',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdateTicket,
        response: { 200: Ticket, ...errorResponses },
      },
    },
    async (request, reply) =>
      withEtag(reply, await service.updateTicket(deps, request.principal!, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.post(
    '/v1/tickets/:id/merge',
    {
      config: { auth: TICKETS_WRITE },
      schema: {
        tags,
        operationId: 'mergeTicket',
        summary: 'Merge this ticket into another of the same organization (messages, attachments and events move)',
        params: IdParams,
        headers: IdempotencyHeader,
        body: MergeTicket,
        response: { 200: Ticket, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await service.mergeTicket(deps, request.principal!, request.params.id, request.body)),
  )

  app.get(
    '/v1/tickets/:id/events',
    {
      config: { auth: TICKETS_READ },
      schema: { tags, operationId: 'listTicketEvents', summary: "A ticket's audit trail, oldest first", params: IdParams, querystring: EventsQuery, response: { 200: EventList, ...errorResponses } },
    },
    async (request) => service.listTicketEvents(deps, request.principal!, request.params.id, request.query),
  )

  app.get(
    '/v1/tickets/:id/sla',
    {
      config: { auth: TICKETS_READ },
      schema: { tags, operationId: 'getTicketSla', summary: "A ticket's SLA clocks, their timelines and why the policy applies", params: IdParams, response: { 200: TicketSla, ...errorResponses } },
    },
    async (request) => service.getTicketSla(deps, request.principal!, request.params.id),
  )

  app.post(
    '/v1/tickets/:id/messages',
    {
      config: { auth: TICKETS_WRITE },
      schema: {
        tags,
        operationId: 'addTicketMessage',
        summary: 'Reply or add an internal note (JSON, or multipart/form-data with files)',
        params: IdParams,
        headers: IdempotencyHeader,
        body: {
          content: {
            'application/json': { schema: CreateMessage },
            // No `type`: the handler reads and checks the parts as they stream in (the body is not parsed up front).
            'multipart/form-data': {
              schema: Type.Unsafe<unknown>({
                properties: {
                  visibility: { type: 'string', enum: [...MESSAGE_VISIBILITIES] },
                  bodyText: { type: 'string' },
                  bodyHtml: { type: 'string' },
                  channel: { type: 'string', enum: [...CHANNELS] },
                  files: { type: 'array', items: { type: 'string', format: 'binary' } },
                },
                required: ['visibility'],
              }),
            },
          },
        },
        response: { 201: Message, ...uploadResponses },
      },
    },
    async (request, reply) => {
      const input: messages.NewMessage = request.isMultipart() ? await readMultipart(request, deps) : (request.body as CreateMessage)
      refuseUnsafeInput(input.bodyHtml, input.files ?? [])
      const m = await messages.addMessage(deps, request.principal!, request.params.id, input)
      reply.code(201).header('location', `/v1/tickets/${m.ticketId}/messages/${m.id}`)
      return m
    },
  )

  app.get(
    '/v1/tickets/:id/messages',
    {
      config: { auth: TICKETS_READ },
      schema: { tags, operationId: 'listTicketMessages', summary: "A ticket's conversation, oldest first", params: IdParams, querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }), response: { 200: MessageList, ...errorResponses } },
    },
    async (request) => messages.listMessages(deps, request.principal!, request.params.id, request.query),
  )

  app.get(
    '/v1/attachments/:id',
    {
      config: { auth: TICKETS_READ },
      schema: {
        tags,
        operationId: 'downloadAttachment',
        summary: 'Download an attachment (always as a download, with the type detected from its content)',
        params: IdParams,
        response: {
          200: {
            // OpenAPI ignores a declared Content-Type header, so the type is described here.
            description: 'The file, as a download, with the Content-Type detected from its content when it was stored (application/octet-stream when unknown)',
            headers: {
              'content-disposition': { type: 'string', description: "Always `attachment`, with the stored (sanitised) name as filename and filename* (UTF-8)" },
              'x-content-type-options': { type: 'string', const: 'nosniff', description: 'Browsers may not guess another type from the content' },
            },
            content: { '*/*': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) } },
          },
          ...errorResponses,
          404: problem("No such attachment, or the caller cannot see its ticket (for a contact: or it belongs to an internal note); the same answer either way, so its existence is not revealed"),
        },
      },
    },
    async (request, reply) => {
      const file = await messages.downloadAttachment(deps, request.principal!, request.params.id)
      reply.header('content-type', file.contentType).header('content-disposition', contentDisposition(file.filename)).header('x-content-type-options', 'nosniff')
      return reply.send(file.bytes)
    },
  )
}
