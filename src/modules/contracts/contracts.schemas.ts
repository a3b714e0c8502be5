import { type Static, Type } from 'typebox'
import { AGENT_ROLES } from '../../db/schema/agents.ts'
import { CONTRACT_STATUSES, HOUR_BANK_KINDS, OVERDRAFT_POLICIES, PREPAYMENT_PERIODS, SERVICE_MODES } from '../../db/schema/contracts.ts'
import { Body, DateTime, ListOf, Name, Nullable, PageQuery, PatchBody, ShortText, StringEnum, Uuid } from '../../lib/schemas.ts'
import { Channels, CurrencyCode, MinorUnits } from '../plans/plans.schemas.ts'

export const CivilDate = (o: object = {}) => Type.String({ format: 'date', description: 'a calendar date, YYYY-MM-DD', ...o })
export const Month = (o: object = {}) => Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: 'a calendar month, YYYY-MM', ...o })

export const HourlyRate = Type.Object(
  {
    role: Type.Optional(StringEnum(AGENT_ROLES)),
    ticketTypeId: Type.Optional(Uuid()),
    rateMinor: MinorUnits(),
  },
  { additionalProperties: false, description: 'the entry with neither role nor ticketTypeId is the default rate' },
)
export const AuthorizedContacts = Type.Union([Type.Literal('all'), Type.Array(Uuid(), { maxItems: 500, uniqueItems: true })], {
  description: "'all': every authorized contact of the organization; or the ids of the contacts this contract covers",
})
const Percent = Type.Integer({ minimum: 1, maximum: 200 })

export const Contract = Type.Object({
  id: Uuid(),
  organizationId: Uuid(),
  planId: Nullable(Uuid()),
  number: Type.String(),
  status: StringEnum(CONTRACT_STATUSES),
  startsOn: Type.String(),
  endsOn: Nullable(Type.String()),
  minimumTermMonths: Type.Integer(),
  serviceMode: StringEnum(SERVICE_MODES),
  currency: Type.String(),
  hourlyRates: Type.Array(HourlyRate),
  afterHoursMultiplierPercent: Type.Integer(),
  billingIncrementMinutes: Type.Integer(),
  hourBankEnabled: Type.Boolean(),
  overdraftPolicy: StringEnum(OVERDRAFT_POLICIES),
  slotsPerMonth: Nullable(Type.Integer()),
  slotCarryOver: Type.Boolean(),
  allowedChannels: Type.Array(Type.String()),
  slaPolicyId: Nullable(Uuid()),
  responsibleManagerId: Nullable(Uuid()),
  notifyCustomerOnSlaBreach: Type.Boolean(),
  authorizedContacts: AuthorizedContacts,
  budgetAlertThresholds: Type.Array(Type.Integer()),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type Contract = Static<typeof Contract>

const writable = {
  planId: Type.Optional(Nullable(Uuid())),
  number: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$', description: 'e.g. C-2026-001' }),
  startsOn: CivilDate(),
  endsOn: Type.Optional(Nullable(CivilDate({ description: 'the last day of service (inclusive); null: open-ended' }))),
  minimumTermMonths: Type.Optional(Type.Integer({ minimum: 0, maximum: 600, description: "defaults to the plan's" })),
  serviceMode: Type.Optional(StringEnum(SERVICE_MODES, { default: 'remote' })),
  currency: Type.Optional(CurrencyCode),
  hourlyRates: Type.Array(HourlyRate, { minItems: 1, maxItems: 100 }),
  afterHoursMultiplierPercent: Type.Optional(Type.Integer({ minimum: 100, maximum: 1000, description: '150 = +50 % after hours' })),
  billingIncrementMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })),
  hourBankEnabled: Type.Optional(Type.Boolean()),
  overdraftPolicy: Type.Optional(StringEnum(OVERDRAFT_POLICIES)),
  slotsPerMonth: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 10_000, description: "defaults to the plan's" }))),
  slotCarryOver: Type.Optional(Type.Boolean()),
  allowedChannels: Type.Optional(Channels),
  slaPolicyId: Type.Optional(Nullable(Uuid())),
  responsibleManagerId: Type.Optional(Nullable(Uuid())),
  notifyCustomerOnSlaBreach: Type.Optional(Type.Boolean({ description: 'tell the requester when an SLA target is breached (default false)' })),
  authorizedContacts: Type.Optional(AuthorizedContacts),
  budgetAlertThresholds: Type.Optional(Type.Array(Percent, { maxItems: 10, uniqueItems: true })),
}
export const CreateContract = Body({
  organizationId: Uuid(),
  status: Type.Optional(StringEnum(['draft', 'active'] as const, { description: 'a contract starts as a draft unless signed already' })),
  ...writable,
})
export type CreateContract = Static<typeof CreateContract>
export const UpdateContract = PatchBody(Type.Object({ ...writable, status: StringEnum(CONTRACT_STATUSES) }))
export type UpdateContract = Static<typeof UpdateContract>

export const ListContractsQuery = Type.Object(
  {
    ...PageQuery,
    organizationId: Type.Optional(Uuid()),
    status: Type.Optional(StringEnum(CONTRACT_STATUSES)),
    planId: Type.Optional(Uuid()),
    activeOn: Type.Optional(CivilDate({ description: 'contracts whose term covers this date' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'substring of the number' })),
  },
  { additionalProperties: false },
)
export type ListContractsQuery = Static<typeof ListContractsQuery>
export const ContractList = ListOf(Contract)

export const SubParams = Type.Object({ id: Uuid(), sid: Uuid() }, { additionalProperties: false })

// Hour bank ---------------------------------------------------------------------------------

export const HourBankEntry = Type.Object({
  id: Uuid(),
  contractId: Uuid(),
  kind: StringEnum(HOUR_BANK_KINDS),
  seconds: Type.Integer(),
  priceMinor: Nullable(Type.Integer()),
  discountPercent: Nullable(Type.Integer()),
  netMinor: Nullable(Type.Integer()),
  currency: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  ticketId: Nullable(Uuid()),
  timeEntryId: Nullable(Uuid()),
  createdBy: Type.String(),
  createdAt: DateTime(),
})
export type HourBankEntry = Static<typeof HourBankEntry>
export const CreateHourBankEntry = Body({
  kind: StringEnum(HOUR_BANK_KINDS),
  seconds: Type.Integer({ minimum: -100_000_000, maximum: 100_000_000, description: 'credit (> 0) or debit (< 0) in seconds' }),
  priceMinor: Type.Optional(MinorUnits({ description: 'purchases: list price before the discount' })),
  discountPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'purchases only' })),
  currency: Type.Optional(CurrencyCode),
  reason: Type.Optional(ShortText({ minLength: 1, maxLength: 500 })),
  ticketId: Type.Optional(Uuid()),
  timeEntryId: Type.Optional(Uuid()),
})
export type CreateHourBankEntry = Static<typeof CreateHourBankEntry>
export const LedgerQuery = Type.Object({ ...PageQuery }, { additionalProperties: false })
export type LedgerQuery = Static<typeof LedgerQuery>
export const HourBankEntryList = ListOf(HourBankEntry)

// Slots -------------------------------------------------------------------------------------

export const SlotEntry = Type.Object({
  id: Uuid(),
  contractId: Uuid(),
  month: Type.String(),
  count: Type.Integer(),
  ticketId: Nullable(Uuid()),
  reason: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: DateTime(),
})
export type SlotEntry = Static<typeof SlotEntry>
export const CreateSlotEntry = Body({
  month: Month(),
  count: Type.Integer({ minimum: 1, maximum: 1000 }),
  ticketId: Type.Optional(Uuid()),
  reason: Type.Optional(ShortText({ minLength: 1, maxLength: 500 })),
})
export type CreateSlotEntry = Static<typeof CreateSlotEntry>
export const SlotLedgerQuery = Type.Object({ ...PageQuery, month: Type.Optional(Month()) }, { additionalProperties: false })
export type SlotLedgerQuery = Static<typeof SlotLedgerQuery>
export const SlotEntryList = ListOf(SlotEntry)

// Recurring services ------------------------------------------------------------------------

export const RecurringService = Type.Object({
  id: Uuid(),
  contractId: Uuid(),
  name: Type.String(),
  monthlyAmountMinor: Type.Integer(),
  currency: Type.String(),
  prepaymentPeriod: StringEnum(PREPAYMENT_PERIODS),
  startsOn: Type.String(),
  endsOn: Nullable(Type.String()),
  version: Type.Integer(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
})
export type RecurringService = Static<typeof RecurringService>
const serviceWritable = {
  name: Name(),
  monthlyAmountMinor: MinorUnits(),
  currency: Type.Optional(CurrencyCode),
  prepaymentPeriod: StringEnum(PREPAYMENT_PERIODS),
  startsOn: CivilDate(),
  endsOn: Type.Optional(Nullable(CivilDate())),
}
export const CreateRecurringService = Body(serviceWritable)
export type CreateRecurringService = Static<typeof CreateRecurringService>
export const UpdateRecurringService = PatchBody(Type.Object(serviceWritable))
export type UpdateRecurringService = Static<typeof UpdateRecurringService>
export const RecurringServiceList = ListOf(RecurringService)

export const MonthQuery = Type.Object({ month: Month() }, { additionalProperties: false })
export const DateQuery = Type.Object({ on: CivilDate({ description: 'the termination date: the last day served' }) }, { additionalProperties: false })

export const MonthDue = Type.Object({
  serviceId: Uuid(),
  currency: Type.String(),
  month: Type.String(),
  dueMinor: Type.Integer({ description: 'invoiced in this month: a whole prepayment period when the month opens one' }),
  prepaidMinor: Type.Integer({ description: "this month's value when it was invoiced in an earlier month" }),
  monthValueMinor: Type.Integer(),
  periodStart: Nullable(Type.String()),
  periodEnd: Nullable(Type.String()),
  invoiceMonth: Type.Boolean(),
  serviceDays: Type.Integer(),
  daysInMonth: Type.Integer(),
  proRated: Type.Boolean(),
})

export const TerminationQuote = Type.Object({
  contractId: Uuid(),
  on: Type.String(),
  allowed: Type.Boolean(),
  minimumTermEndsOn: Type.String(),
  detail: Type.String(),
  currency: Type.String(),
  lines: Type.Array(
    Type.Object({
      serviceId: Uuid(),
      name: Type.String(),
      periodStart: Nullable(Type.String()),
      periodEnd: Nullable(Type.String()),
      unservedFrom: Nullable(Type.String()),
      unservedTo: Nullable(Type.String()),
      refundMinor: Type.Integer(),
    }),
  ),
  totalRefundMinor: Type.Integer(),
})
export type TerminationQuote = Static<typeof TerminationQuote>

export const Balance = Type.Object({
  contractId: Uuid(),
  month: Type.String(),
  hours: Type.Object({ enabled: Type.Boolean(), balanceSeconds: Type.Integer(), entries: Type.Array(HourBankEntry) }),
  slots: Type.Object({
    month: Type.String(),
    allowance: Type.Integer(),
    carriedOver: Type.Integer(),
    used: Type.Integer(),
    available: Type.Integer(),
    overage: Type.Integer(),
    entries: Type.Array(SlotEntry),
  }),
  money: Type.Object({
    currency: Type.String(),
    recurringDueMinor: Type.Integer(),
    prepaidMinor: Type.Integer(),
    hourBankPurchasedMinor: Type.Integer({ description: 'net price of hour-bank purchases recorded in the month' }),
    recurring: Type.Array(MonthDue),
  }),
})
export type Balance = Static<typeof Balance>
