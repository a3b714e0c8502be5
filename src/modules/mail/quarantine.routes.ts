import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { errorResponses, IdempotencyHeader } from '../../plugins/conventions.ts'
import { MAIL_READ, MAIL_WRITE } from '../access.ts'
import { createMailIntake } from './inbound.service.ts'
import {
  ListQuarantineQuery,
  QuarantinedMail,
  QuarantinedMailDetail,
  QuarantineList,
  RawMail,
  ReleaseQuarantined,
  ReleaseResult,
} from './quarantine.schemas.ts'
import * as service from './quarantine.service.ts'
import { routerFor } from './router.ts'

export async function quarantineRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['mail']
  const intake = createMailIntake(deps, routerFor(deps))

  app.get(
    '/v1/quarantine',
    {
      config: { auth: MAIL_READ },
      schema: {
        tags,
        operationId: 'listQuarantine',
        summary: 'List quarantined inbound mail, newest first',
        querystring: ListQuarantineQuery,
        response: { 200: QuarantineList, ...errorResponses },
      },
    },
    async (request) => service.listQuarantine(deps, request.query),
  )

  app.get(
    '/v1/quarantine/:id',
    {
      config: { auth: MAIL_READ },
      schema: {
        tags,
        operationId: 'getQuarantinedMail',
        summary: 'Get a quarantined message: sender, recipients, subject, date, text excerpt, attachments',
        params: IdParams,
        response: { 200: QuarantinedMailDetail, ...errorResponses },
      },
    },
    async (request) => service.getQuarantined(intake, request.params.id),
  )

  app.get(
    '/v1/quarantine/:id/raw',
    {
      config: { auth: MAIL_READ },
      schema: {
        tags,
        operationId: 'getQuarantinedMailRaw',
        summary: 'Download a quarantined message exactly as received (message/rfc822)',
        params: IdParams,
        response: { 200: { description: 'the raw message', content: { 'message/rfc822': { schema: RawMail } } }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const raw = await service.rawQuarantined(intake, request.params.id)
      return reply
        .type('message/rfc822')
        .header('content-disposition', `attachment; filename="${request.params.id}.eml"`)
        .header('x-content-type-options', 'nosniff')
        .send(raw)
    },
  )

  app.post(
    '/v1/quarantine/:id/discard',
    {
      config: { auth: MAIL_WRITE },
      schema: {
        tags,
        operationId: 'discardQuarantinedMail',
        summary: 'Discard a quarantined message (it is kept for the record, never routed)',
        params: IdParams,
        headers: IdempotencyHeader,
        response: { 200: QuarantinedMail, ...errorResponses },
      },
    },
    async (request) => service.discardQuarantined(deps, request.principal!, request.params.id),
  )

  app.post(
    '/v1/quarantine/:id/release',
    {
      config: { auth: MAIL_WRITE },
      schema: {
        tags,
        operationId: 'releaseQuarantinedMail',
        summary: 'Route a quarantined message again, optionally registering its sender as a contact first',
        params: IdParams,
        headers: IdempotencyHeader,
        body: ReleaseQuarantined,
        response: { 200: ReleaseResult, ...errorResponses },
      },
      // A bare POST (no body) is a plain release.
      preValidation: async (request) => {
        request.body ??= {}
      },
    },
    async (request) => service.releaseQuarantined(intake, request.principal!, request.params.id, request.body),
  )
}
