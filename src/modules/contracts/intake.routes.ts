import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { Deps } from '../../deps.ts'
import { invalid } from '../../lib/errors.ts'
import { Body, DateTime, Email, Uuid } from '../../lib/schemas.ts'
import { errorResponses, IdempotencyHeader } from '../../plugins/conventions.ts'
import { INTAKE_CHECK } from '../access.ts'
import { Channel } from '../plans/plans.schemas.ts'
import { Contract } from './contracts.schemas.ts'
import { getContract } from './contracts.service.ts'
import { checkIntake } from './intake-gate.ts'

const IntakeCheck = Body({
  contactId: Type.Optional(Uuid()),
  email: Type.Optional(Email()),
  organizationId: Type.Optional(Uuid()),
  channel: Channel,
  at: Type.Optional(DateTime({ description: 'when the request arrived; now when omitted' })),
})

const IntakeDecision = Type.Object({
  ok: Type.Boolean(),
  reason: Type.Optional(Type.String({ description: 'why the request may not become a ticket' })),
  detail: Type.Optional(Type.String()),
  contract: Type.Optional(Contract),
  contact: Type.Optional(
    Type.Object({ id: Uuid(), organizationId: Uuid(), name: Type.String(), authorized: Type.Boolean(), channels: Type.Array(Type.String()) }),
  ),
  organization: Type.Optional(Type.Object({ id: Uuid(), name: Type.String(), timeZone: Type.String() })),
})

export async function intakeRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.post(
    '/v1/intake/check',
    {
      config: { auth: INTAKE_CHECK },
      schema: {
        tags: ['intake'],
        operationId: 'checkIntake',
        summary: 'Decide whether a request from a contact on a channel may become a ticket, with the precise reason when not',
        headers: IdempotencyHeader,
        body: IntakeCheck,
        response: { 200: IntakeDecision, ...errorResponses },
      },
    },
    async (request) => {
      const b = request.body
      if (!b.contactId && !b.email) throw invalid([{ in: 'body', field: 'email', message: 'give email or contactId' }])
      const decision = await checkIntake(deps.db, { ...b, at: b.at ? new Date(b.at) : deps.clock.now() })
      // The gate reads only what it decides on; this answer shows the whole contract.
      return decision.ok ? { ...decision, contract: await getContract(deps, decision.contract.id) } : decision
    },
  )
}
