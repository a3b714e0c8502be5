import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, withEtag } from '../../plugins/conventions.ts'
import { crudRoutes } from '../../plugins/crud-routes.ts'
import { CONTRACTS_READ, CONTRACTS_WRITE } from '../access.ts'
import {
  AddHoliday,
  BusinessTime,
  BusinessTimeQuery,
  Calendar,
  CalendarList,
  CreateCalendar,
  DateParams,
  Due,
  DueQuery,
  ListCalendarsQuery,
  PutOverride,
  UpdateCalendar,
} from './calendars.schemas.ts'
import * as service from './calendars.service.ts'

const IfMatchAndIdempotency = Type.Object({ ...IfMatchHeader.properties, ...IdempotencyHeader.properties })

export async function calendarRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['calendars']
  const one = { 200: Calendar, ...errorResponses }

  crudRoutes(fastify, {
    path: '/v1/calendars',
    tags: ['calendars'],
    names: ['Calendar', 'Calendars'],
    auth: { read: CONTRACTS_READ, write: CONTRACTS_WRITE },
    item: Calendar,
    create: {
      summary: 'Create a business calendar',
      body: CreateCalendar,
      run: (body) => service.createCalendar(deps, body),
    },
    list: {
      summary: 'List business calendars',
      query: ListCalendarsQuery,
      response: CalendarList,
      run: (query) => service.listCalendars(deps, query),
    },
    get: {
      summary: 'Get a business calendar',
      run: (id) => service.getCalendar(deps, id),
    },
    update: {
      summary: 'Update a business calendar (lists given replace the stored ones)',
      body: UpdateCalendar,
      run: (id, version, body) => service.updateCalendar(deps, id, version, body),
    },
    remove: {
      kind: 'deactivate',
      summary: 'Deactivate a business calendar (kept for history; PATCH active=true restores it)',
      run: (id, version) => service.deactivateCalendar(deps, id, version),
    },
  })

  app.post(
    '/v1/calendars/:id/holidays',
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'addCalendarHoliday',
        summary: 'Add a dated holiday; answers the calendar at its new version',
        params: IdParams,
        headers: IfMatchAndIdempotency,
        body: AddHoliday,
        response: one,
      },
    },
    async (request, reply) => withEtag(reply, await service.addHoliday(deps, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/calendars/:id/holidays/:date',
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'removeCalendarHoliday',
        summary: 'Remove the dated holiday of a date; answers the calendar at its new version',
        params: DateParams,
        headers: IfMatchHeader,
        response: one,
      },
    },
    async (request, reply) =>
      withEtag(reply, await service.removeHoliday(deps, request.params.id, ifMatchVersion(request), request.params.date)),
  )

  app.put(
    '/v1/calendars/:id/overrides/:date',
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'putCalendarOverride',
        summary: 'Set the working intervals of one date (a short day; [] closes it); answers the calendar',
        params: DateParams,
        headers: IfMatchHeader,
        body: PutOverride,
        response: one,
      },
    },
    async (request, reply) =>
      withEtag(reply, await service.putOverride(deps, request.params.id, ifMatchVersion(request), request.params.date, request.body)),
  )

  app.delete(
    '/v1/calendars/:id/overrides/:date',
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'removeCalendarOverride',
        summary: 'Remove the override of a date; answers the calendar at its new version',
        params: DateParams,
        headers: IfMatchHeader,
        response: one,
      },
    },
    async (request, reply) =>
      withEtag(reply, await service.removeOverride(deps, request.params.id, ifMatchVersion(request), request.params.date)),
  )

  app.get(
    '/v1/calendars/:id/business-time',
    {
      config: { auth: CONTRACTS_READ },
      schema: {
        tags,
        operationId: 'getCalendarBusinessTime',
        summary: 'Business seconds between two instants on this calendar',
        params: IdParams,
        querystring: BusinessTimeQuery,
        response: { 200: BusinessTime, ...errorResponses },
      },
    },
    async (request) => service.businessTime(deps, request.params.id, request.query),
  )

  app.get(
    '/v1/calendars/:id/due',
    {
      config: { auth: CONTRACTS_READ },
      schema: {
        tags,
        operationId: 'getCalendarDueTime',
        summary: 'The instant a number of business seconds or business days after `from`',
        params: IdParams,
        querystring: DueQuery,
        response: { 200: Due, ...errorResponses },
      },
    },
    async (request) => service.dueAt(deps, request.params.id, request.query),
  )
}
