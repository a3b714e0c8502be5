import type { FastifyInstance, FastifyRequest, FastifySchema, HTTPMethods, RouteHandlerMethod } from 'fastify'
import type { Static, TSchema } from 'typebox'
import type { AccessRule, Principal } from '../lib/principal.ts'
import { IdParams } from '../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, NoContent, withEtag } from './conventions.ts'

/** What every resource behind these routes carries: Location needs the id, ETag the version. */
type Versioned = { id: string; version: number }

interface Operation {
  summary: string
  description?: string
}

/**
 * Removing a row: `deactivate` keeps it for history (200, the row, its new ETag), `delete`
 * removes it (204). The kind also names the operation, so clients see which one they get.
 */
type Remove<Item extends TSchema> =
  | (Operation & { kind: 'deactivate'; run: (id: string, version: number | undefined, principal: Principal) => Promise<Static<Item> & Versioned> })
  | (Operation & { kind: 'delete'; run: (id: string, version: number | undefined, principal: Principal) => Promise<unknown> })

export interface CrudRoutes<Item extends TSchema, List extends TSchema, Query extends TSchema, Create extends TSchema, Update extends TSchema> {
  /** The collection, e.g. `/v1/sites`; items live at `${path}/:id`. */
  path: string
  tags: string[]
  /** Singular and plural, e.g. `['Site', 'Sites']`: operationIds are `createSite`, `listSites`, `getSite` … */
  names: [one: string, many: string]
  auth: { read: AccessRule; write: AccessRule }
  item: Item
  create: Operation & { body: Create; run: (body: Static<Create>, principal: Principal) => Promise<Static<Item> & Versioned> }
  list: Operation & { query: Query; response: List; run: (query: Static<Query>, principal: Principal) => Promise<Static<List>> }
  get: Operation & { run: (id: string, principal: Principal) => Promise<Static<Item> & Versioned> }
  update: Operation & {
    body: Update
    run: (id: string, version: number | undefined, body: Static<Update>, principal: Principal) => Promise<Static<Item> & Versioned>
  }
  /** Absent where a resource is never removed. */
  remove?: Remove<Item>
}

// Every route here names an access rule, so the auth hook has refused the request before the
// handler runs unless it set a principal.
const principalOf = (request: FastifyRequest) => request.principal as Principal
const idOf = (request: FastifyRequest) => (request.params as Static<typeof IdParams>).id

/**
 * The create / list / get / update / remove routes of a directory-like resource, with the
 * house conventions in one place: Idempotency-Key on create, 201 + Location + ETag, ETag on
 * reads and writes, If-Match on update and remove. Registered in that order, which is the
 * order the OpenAPI document lists them in; a module adds its other routes after the call.
 */
export function crudRoutes<Item extends TSchema, List extends TSchema, Query extends TSchema, Create extends TSchema, Update extends TSchema>(
  app: FastifyInstance,
  spec: CrudRoutes<Item, List, Query, Create, Update>,
) {
  const { path, tags, auth, item, names } = spec
  const [one, many] = names
  const single = { 200: item, ...errorResponses }
  const route = (method: HTTPMethods, url: string, rule: AccessRule, operationId: string, op: Operation, schema: FastifySchema, handler: RouteHandlerMethod) => {
    const text = op.description === undefined ? { summary: op.summary } : { summary: op.summary, description: op.description }
    app.route({ method, url, config: { auth: rule }, schema: { tags, operationId, ...text, ...schema }, handler })
  }
  const itemPath = `${path}/:id`

  route('POST', path, auth.write, `create${one}`, spec.create, { headers: IdempotencyHeader, body: spec.create.body, response: { 201: item, ...errorResponses } }, async (request, reply) =>
    created(reply, path, await spec.create.run(request.body as Static<Create>, principalOf(request))),
  )
  route('GET', path, auth.read, `list${many}`, spec.list, { querystring: spec.list.query, response: { 200: spec.list.response, ...errorResponses } }, async (request) =>
    spec.list.run(request.query as Static<Query>, principalOf(request)),
  )
  route('GET', itemPath, auth.read, `get${one}`, spec.get, { params: IdParams, response: single }, async (request, reply) =>
    withEtag(reply, await spec.get.run(idOf(request), principalOf(request))),
  )
  route('PATCH', itemPath, auth.write, `update${one}`, spec.update, { params: IdParams, headers: IfMatchHeader, body: spec.update.body, response: single }, async (request, reply) =>
    withEtag(reply, await spec.update.run(idOf(request), ifMatchVersion(request), request.body as Static<Update>, principalOf(request))),
  )

  const remove = spec.remove
  if (remove === undefined) return
  const removed = remove.kind === 'delete' ? { 204: NoContent, ...errorResponses } : single
  route('DELETE', itemPath, auth.write, `${remove.kind}${one}`, remove, { params: IdParams, headers: IfMatchHeader, response: removed }, async (request, reply) => {
    const id = idOf(request)
    const version = ifMatchVersion(request)
    if (remove.kind === 'deactivate') return withEtag(reply, await remove.run(id, version, principalOf(request)))
    await remove.run(id, version, principalOf(request))
    return reply.code(204).send(null)
  })
}
