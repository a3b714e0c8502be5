import { sql } from 'drizzle-orm'
import { boolean, char, check, date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { slaPolicies } from './sla.ts'
import { id, timestamps, version } from './_columns.ts'
import { type AgentRole, agents } from './agents.ts'
import { type Channel, organizations } from './directory.ts'

export const FIRST_RESPONSE_UNITS = ['business_minutes', 'business_hours', 'business_days', 'calendar_minutes'] as const
export type FirstResponseUnit = (typeof FIRST_RESPONSE_UNITS)[number]
export interface FirstResponseTarget {
  value: number
  unit: FirstResponseUnit
}

/** A reusable contract template (e.g. the tiers Stream / Basic / Premium / VIP); contracts copy from it. */
export const plans = pgTable(
  'plans',
  {
    id: id(),
    name: text().notNull(),
    description: text(),
    /** Informational on the template; the SLA policy of a contract is what clocks measure. */
    firstResponseTarget: jsonb().$type<FirstResponseTarget>(),
    serviceScope: text(),
    pricePerSlotMinor: integer(),
    currency: char({ length: 3 }),
    slotsPerMonth: integer(),
    minimumTermMonths: integer().notNull().default(0),
    allowedChannels: text().array().$type<Channel[]>().notNull().default(sql`'{}'::text[]`),
    active: boolean().notNull().default(true),
    version: version(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('plans_name_key').on(sql`lower(${t.name})`),
    check('plans_price_check', sql`${t.pricePerSlotMinor} is null or (${t.pricePerSlotMinor} >= 0 and ${t.currency} is not null)`),
    check('plans_slots_check', sql`${t.slotsPerMonth} is null or ${t.slotsPerMonth} >= 0`),
    check('plans_minimum_term_check', sql`${t.minimumTermMonths} >= 0`),
  ],
)

export const CONTRACT_STATUSES = ['draft', 'active', 'suspended', 'ended'] as const
export type ContractStatus = (typeof CONTRACT_STATUSES)[number]
export const SERVICE_MODES = ['remote', 'on-site', 'both'] as const
export type ServiceMode = (typeof SERVICE_MODES)[number]
export const OVERDRAFT_POLICIES = ['refuse', 'bill'] as const
export type OverdraftPolicy = (typeof OVERDRAFT_POLICIES)[number]

/** A rate for work; the entry with neither role nor ticket type is the default. */
export interface HourlyRate {
  role?: AgentRole
  ticketTypeId?: string
  rateMinor: number
}

export const contracts = pgTable(
  'contracts',
  {
    id: id(),
    organizationId: uuid()
      .notNull()
      .references(() => organizations.id),
    planId: uuid().references(() => plans.id),
    number: text().notNull(),
    status: text().$type<ContractStatus>().notNull().default('draft'),
    startsOn: date({ mode: 'string' }).notNull(),
    /** Null: open-ended. Inclusive: the last day of service. */
    endsOn: date({ mode: 'string' }),
    minimumTermMonths: integer().notNull().default(0),
    serviceMode: text().$type<ServiceMode>().notNull(),
    currency: char({ length: 3 }).notNull(),
    hourlyRates: jsonb().$type<HourlyRate[]>().notNull(),
    /** An integer percent (150 = +50 %), so surcharges stay exact integer arithmetic. */
    afterHoursMultiplierPercent: integer().notNull().default(150),
    billingIncrementMinutes: integer().notNull().default(15),
    hourBankEnabled: boolean().notNull().default(false),
    overdraftPolicy: text().$type<OverdraftPolicy>().notNull().default('refuse'),
    slotsPerMonth: integer(),
    slotCarryOver: boolean().notNull().default(false),
    allowedChannels: text().array().$type<Channel[]>().notNull(),
    slaPolicyId: uuid().references(() => slaPolicies.id),
    responsibleManagerId: uuid().references(() => agents.id),
    /** Whether the customer's requester is told when an SLA target of this contract is breached. */
    notifyCustomerOnSlaBreach: boolean().notNull().default(false),
    /** True: every authorized contact of the organization; false: only `authorizedContactIds`. */
    coversAllContacts: boolean().notNull().default(true),
    authorizedContactIds: uuid().array().notNull().default(sql`'{}'::uuid[]`),
    budgetAlertThresholds: integer().array().notNull().default(sql`'{}'::integer[]`),
    version: version(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('contracts_number_key').on(t.number),
    // Intake gate and organization listings: an organization's contracts by status.
    index('contracts_organization_status_idx').on(t.organizationId, t.status),
    // Listing contracts of a plan.
    index('contracts_plan_idx').on(t.planId),
    check('contracts_status_check', sql`${t.status} in ('draft', 'active', 'suspended', 'ended')`),
    check('contracts_service_mode_check', sql`${t.serviceMode} in ('remote', 'on-site', 'both')`),
    check('contracts_overdraft_policy_check', sql`${t.overdraftPolicy} in ('refuse', 'bill')`),
    check('contracts_term_check', sql`${t.endsOn} is null or ${t.endsOn} >= ${t.startsOn}`),
    check('contracts_billing_increment_check', sql`${t.billingIncrementMinutes} between 1 and 60`),
    check('contracts_multiplier_check', sql`${t.afterHoursMultiplierPercent} >= 100`),
    check('contracts_slots_check', sql`${t.slotsPerMonth} is null or ${t.slotsPerMonth} >= 0`),
    check('contracts_minimum_term_check', sql`${t.minimumTermMonths} >= 0`),
  ],
)

export const HOUR_BANK_KINDS = ['purchase', 'adjustment', 'expiry', 'consumption'] as const
export type HourBankKind = (typeof HOUR_BANK_KINDS)[number]

/**
 * Prepaid hours as an append-only ledger: the balance is the sum of `seconds`, never a
 * stored number, so every movement a statement shows can be traced to one row.
 */
export const hourBankEntries = pgTable(
  'hour_bank_entries',
  {
    id: id(),
    contractId: uuid()
      .notNull()
      .references(() => contracts.id),
    kind: text().$type<HourBankKind>().notNull(),
    seconds: integer().notNull(),
    /** Purchases only: list price, discount, and the net amount charged (rounded half up once). */
    priceMinor: integer(),
    discountPercent: integer(),
    netMinor: integer(),
    currency: char({ length: 3 }),
    reason: text(),
    // Tickets and time entries are built in parallel; foreign keys are added when they exist.
    ticketId: uuid(),
    timeEntryId: uuid(),
    createdBy: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Balance and listing of a contract's ledger in order.
    index('hour_bank_entries_contract_idx').on(t.contractId, t.id),
    check('hour_bank_entries_kind_check', sql`${t.kind} in ('purchase', 'adjustment', 'expiry', 'consumption')`),
    check(
      'hour_bank_entries_sign_check',
      sql`(${t.kind} = 'purchase' and ${t.seconds} > 0) or (${t.kind} = 'adjustment' and ${t.seconds} <> 0) or (${t.kind} in ('expiry', 'consumption') and ${t.seconds} < 0)`,
    ),
    check(
      'hour_bank_entries_purchase_check',
      sql`(${t.kind} = 'purchase') = (${t.priceMinor} is not null) and (${t.priceMinor} is null or (${t.priceMinor} >= 0 and ${t.netMinor} >= 0 and ${t.discountPercent} between 0 and 100 and ${t.currency} is not null))`,
    ),
  ],
)

/** Slots used (one request handled end to end), per calendar month; the allowance comes from the contract. */
export const slotEntries = pgTable(
  'slot_entries',
  {
    id: id(),
    contractId: uuid()
      .notNull()
      .references(() => contracts.id),
    month: char({ length: 7 }).notNull(),
    count: integer().notNull(),
    ticketId: uuid(),
    reason: text(),
    createdBy: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // A contract's slot use up to a month (allowance with carry-over walks the months in order).
    index('slot_entries_contract_month_idx').on(t.contractId, t.month),
    check('slot_entries_month_check', sql`${t.month} ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'`),
    check('slot_entries_count_check', sql`${t.count} > 0`),
  ],
)

export const PREPAYMENT_PERIODS = ['monthly', 'quarterly', 'half-yearly', 'yearly'] as const
export type PrepaymentPeriod = (typeof PREPAYMENT_PERIODS)[number]

/** A flat-rate item on a contract (rental, maintenance), invoiced at the start of each prepayment period. */
export const recurringServices = pgTable(
  'recurring_services',
  {
    id: id(),
    contractId: uuid()
      .notNull()
      .references(() => contracts.id),
    name: text().notNull(),
    monthlyAmountMinor: integer().notNull(),
    currency: char({ length: 3 }).notNull(),
    prepaymentPeriod: text().$type<PrepaymentPeriod>().notNull(),
    startsOn: date({ mode: 'string' }).notNull(),
    endsOn: date({ mode: 'string' }),
    version: version(),
    ...timestamps,
  },
  (t) => [
    // A contract's recurring services (balance, statements).
    index('recurring_services_contract_idx').on(t.contractId, t.id),
    check('recurring_services_amount_check', sql`${t.monthlyAmountMinor} >= 0`),
    check('recurring_services_period_check', sql`${t.prepaymentPeriod} in ('monthly', 'quarterly', 'half-yearly', 'yearly')`),
    check('recurring_services_term_check', sql`${t.endsOn} is null or ${t.endsOn} >= ${t.startsOn}`),
  ],
)
