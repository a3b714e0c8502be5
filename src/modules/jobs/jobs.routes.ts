import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { errorResponses } from '../../plugins/conventions.ts'
import { JOBS_READ } from '../access.ts'
import { JobRunList, ListJobRunsQuery } from './jobs.schemas.ts'
import * as service from './jobs.service.ts'

export async function jobRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.get(
    '/v1/jobs/runs',
    {
      config: { auth: JOBS_READ },
      schema: {
        tags: ['jobs'],
        operationId: 'listJobRuns',
        summary: 'List scheduled job runs, newest first',
        querystring: ListJobRunsQuery,
        response: { 200: JobRunList, ...errorResponses },
      },
    },
    async (request) => service.listJobRuns(deps, request.query),
  )
}
