import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, withEtag } from '../../plugins/conventions.ts'
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

  app.post(
    '/v1/calendars',
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'createCalendar',
        summary: 'Create a business calendar',
        headers: IdempotencyHeader,
        body: CreateCalendar,
        response: { 201: Calendar, ...errorResponses },
      },
    },
    async (request, reply) => created(reply, '/v1/calendars', await service.createCalendar(deps, request.body)),
  )

  app.get(
    '/v1/calendars',
    {
      config: { auth: CONTRACTS_READ },
      schema: {
        tags,
        operationId: 'listCalendars',
        summary: 'List business calendars',
        querystring: ListCalendarsQuery,
        response: { 200: CalendarList, ...errorResponses },
      },
    },
    async (request) => service.listCalendars(deps, request.query),
  )

  app.get(
    '/v1/calendars/:id',
    {
      config: { auth: CONTRACTS_READ },
      schema: { tags, operationId: 'getCalendar', summary: 'Get a business calendar', params: IdParams, response: one },
    },
    async (request, reply) => withEtag(reply, await service.getCalendar(deps, request.params.id)),
  )

  app.patch(
    '/v1/calendars/:id',
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'updateCalendar',
        summary: 'Update a business calendar (lists given replace the stored ones)',
        params: IdParams,
        headers: IfMatchHeader,
        body: UpdateCalendar,
        response: one,
      },
    },
    async (request, reply) => withEtag(reply, await service.updateCalendar(deps, request.params.id, ifMatchVersion(request), request.body)),
  )

  app.delete(
    '/v1/calendars/:id',
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'deactivateCalendar',
        summary: 'Deactivate a business calendar (kept for history; PATCH active=true restores it)',
        params: IdParams,
        headers: IfMatchHeader,
        response: one,
      },
    },
    async (request, reply) => withEtag(reply, await service.deactivateCalendar(deps, request.params.id, ifMatchVersion(request))),
  )

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
