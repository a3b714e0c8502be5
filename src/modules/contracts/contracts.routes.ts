import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.ts'
import { IdParams } from '../../lib/schemas.ts'
import { created, errorResponses, IdempotencyHeader, IfMatchHeader, ifMatchVersion, withEtag } from '../../plugins/conventions.ts'
import { crudRoutes } from '../../plugins/crud-routes.ts'
import { CONTRACTS_READ, CONTRACTS_WRITE } from '../access.ts'
import {
  Balance,
  Contract,
  ContractList,
  CreateContract,
  CreateHourBankEntry,
  CreateRecurringService,
  CreateSlotEntry,
  DateQuery,
  HourBankEntry,
  HourBankEntryList,
  LedgerQuery,
  ListContractsQuery,
  MonthDue,
  MonthQuery,
  RecurringService,
  RecurringServiceList,
  SlotEntry,
  SlotEntryList,
  SlotLedgerQuery,
  SubParams,
  TerminationQuote,
  UpdateContract,
  UpdateRecurringService,
} from './contracts.schemas.ts'
import * as service from './contracts.service.ts'
import * as ledgers from './ledgers.service.ts'

export async function contractRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['contracts']
  const base = '/v1/contracts'

  // No remove: a contract ends through its status, and its ledgers keep referring to it.
  crudRoutes(fastify, {
    path: base,
    tags: ['contracts'],
    names: ['Contract', 'Contracts'],
    auth: { read: CONTRACTS_READ, write: CONTRACTS_WRITE },
    item: Contract,
    create: {
      summary: 'Create a contract',
      body: CreateContract,
      run: (body) => service.createContract(deps, body),
    },
    list: {
      summary: 'List contracts',
      query: ListContractsQuery,
      response: ContractList,
      run: (query) => service.listContracts(deps, query),
    },
    get: {
      summary: 'Get a contract',
      run: (id) => service.getContract(deps, id),
    },
    update: {
      summary: 'Update a contract or change its status (draft → active ↔ suspended → ended)',
      body: UpdateContract,
      run: (id, version, body) => service.updateContract(deps, id, version, body),
    },
  })

  app.post(
    `${base}/:id/hour-bank/entries`,
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'createHourBankEntry',
        summary: 'Append to the hour bank ledger (purchase, adjustment, expiry; consumption by admins only)',
        params: IdParams,
        headers: IdempotencyHeader,
        body: CreateHourBankEntry,
        response: { 201: HourBankEntry, ...errorResponses },
      },
    },
    async (request, reply) =>
      created(reply, `${base}/${request.params.id}/hour-bank/entries`, await ledgers.appendHourBankEntry(deps, request.principal!, request.params.id, request.body)),
  )

  app.get(
    `${base}/:id/hour-bank/entries`,
    {
      config: { auth: CONTRACTS_READ },
      schema: { tags, operationId: 'listHourBankEntries', summary: 'List the hour bank ledger', params: IdParams, querystring: LedgerQuery, response: { 200: HourBankEntryList, ...errorResponses } },
    },
    async (request) => ledgers.listHourBankEntries(deps, request.params.id, request.query),
  )

  app.post(
    `${base}/:id/slots/entries`,
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'createSlotEntry',
        summary: 'Record slots used in a month',
        params: IdParams,
        headers: IdempotencyHeader,
        body: CreateSlotEntry,
        response: { 201: SlotEntry, ...errorResponses },
      },
    },
    async (request, reply) =>
      created(reply, `${base}/${request.params.id}/slots/entries`, await ledgers.appendSlotEntry(deps, request.principal!, request.params.id, request.body)),
  )

  app.get(
    `${base}/:id/slots/entries`,
    {
      config: { auth: CONTRACTS_READ },
      schema: { tags, operationId: 'listSlotEntries', summary: 'List slot use', params: IdParams, querystring: SlotLedgerQuery, response: { 200: SlotEntryList, ...errorResponses } },
    },
    async (request) => ledgers.listSlotEntries(deps, request.params.id, request.query),
  )

  const services = `${base}/:id/recurring-services`
  app.post(
    services,
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'createRecurringService',
        summary: 'Add a flat-rate recurring service to a contract',
        params: IdParams,
        headers: IdempotencyHeader,
        body: CreateRecurringService,
        response: { 201: RecurringService, ...errorResponses },
      },
    },
    async (request, reply) =>
      created(reply, `${base}/${request.params.id}/recurring-services`, await ledgers.createRecurringService(deps, request.params.id, request.body)),
  )

  app.get(
    services,
    {
      config: { auth: CONTRACTS_READ },
      schema: { tags, operationId: 'listRecurringServices', summary: "List a contract's recurring services", params: IdParams, querystring: LedgerQuery, response: { 200: RecurringServiceList, ...errorResponses } },
    },
    async (request) => ledgers.listRecurringServices(deps, request.params.id, request.query),
  )

  app.get(
    `${services}/:sid`,
    {
      config: { auth: CONTRACTS_READ },
      schema: { tags, operationId: 'getRecurringService', summary: 'Get a recurring service', params: SubParams, response: { 200: RecurringService, ...errorResponses } },
    },
    async (request, reply) => withEtag(reply, await ledgers.getRecurringService(deps, request.params.id, request.params.sid)),
  )

  app.patch(
    `${services}/:sid`,
    {
      config: { auth: CONTRACTS_WRITE },
      schema: {
        tags,
        operationId: 'updateRecurringService',
        summary: 'Update a recurring service (e.g. set its end date)',
        params: SubParams,
        headers: IfMatchHeader,
        body: UpdateRecurringService,
        response: { 200: RecurringService, ...errorResponses },
      },
    },
    async (request, reply) =>
      withEtag(reply, await ledgers.updateRecurringService(deps, request.params.id, request.params.sid, ifMatchVersion(request), request.body)),
  )

  app.get(
    `${services}/:sid/due`,
    {
      config: { auth: CONTRACTS_READ },
      schema: {
        tags,
        operationId: 'getRecurringServiceDue',
        summary: 'What a recurring service invoices in a month (whole prepayment periods at their start, pro-rated by days)',
        params: SubParams,
        querystring: MonthQuery,
        response: { 200: MonthDue, ...errorResponses },
      },
    },
    async (request) => ledgers.serviceDue(deps, request.params.id, request.params.sid, request.query.month),
  )

  app.get(
    `${base}/:id/termination-quote`,
    {
      config: { auth: CONTRACTS_READ },
      schema: {
        tags,
        operationId: 'getTerminationQuote',
        summary: 'Whether the contract may end on a date, and the refund of prepaid but unserved periods',
        params: IdParams,
        querystring: DateQuery,
        response: { 200: TerminationQuote, ...errorResponses },
      },
    },
    async (request) => ledgers.terminationQuote(deps, request.params.id, request.query.on),
  )

  app.get(
    `${base}/:id/balance`,
    {
      config: { auth: CONTRACTS_READ },
      schema: {
        tags,
        operationId: 'getContractBalance',
        summary: 'Hours, slots and money of a contract for a month, with the ledger lines behind them',
        params: IdParams,
        querystring: MonthQuery,
        response: { 200: Balance, ...errorResponses },
      },
    },
    async (request) => ledgers.balance(deps, request.params.id, request.query.month),
  )
}
