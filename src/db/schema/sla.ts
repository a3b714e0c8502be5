import { sql } from 'drizzle-orm'
import { boolean, check, foreignKey, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import type { DatedHoliday, DateOverride, RecurringHoliday, WeeklyInterval } from '../../lib/business-time/index.ts'
import type { PolicyTargets, WarningThreshold } from '../../lib/sla-due-times.ts'
import type { PolicyConditions } from '../../lib/sla-selection.ts'
import { id, timestamps, version } from './_columns.ts'

/**
 * A business calendar. The spec fields are stored as the client sent them (jsonb keeps each
 * object's fields and the lists' order), so a spec round-trips exactly; `validateCalendarSpec`
 * is the gate, the columns do not repeat its rules.
 */
export const businessCalendars = pgTable(
  'business_calendars',
  {
    id: id(),
    name: text().notNull(),
    timeZone: text().notNull(),
    weekly: jsonb().$type<WeeklyInterval[]>().notNull(),
    holidays: jsonb().$type<DatedHoliday[]>().notNull().default(sql`'[]'::jsonb`),
    recurringHolidays: jsonb().$type<RecurringHoliday[]>().notNull().default(sql`'[]'::jsonb`),
    overrides: jsonb().$type<DateOverride[]>().notNull().default(sql`'[]'::jsonb`),
    active: boolean().notNull().default(true),
    version: version(),
    ...timestamps,
  },
  // Names are what people pick calendars by; they compare case-insensitively.
  (t) => [uniqueIndex('business_calendars_name_key').on(sql`lower(${t.name})`)],
)

export const slaPolicies = pgTable(
  'sla_policies',
  {
    id: id(),
    name: text().notNull(),
    /** Null only when every target is in calendar minutes (checked by the service). */
    calendarId: uuid(),
    targets: jsonb().$type<PolicyTargets>().notNull(),
    warning: jsonb().$type<WarningThreshold>(),
    /**
     * Selection conditions. Plan, contract, ticket type and queue ids are not foreign keys: those
     * tables are built separately; ids are checked for uuid format only.
     */
    conditions: jsonb().$type<PolicyConditions>().notNull().default(sql`'{}'::jsonb`),
    rank: integer().notNull(),
    active: boolean().notNull().default(true),
    version: version(),
    ...timestamps,
  },
  (t) => [
    // Policy names are unique, case-insensitively (lookup by name in the admin UI).
    uniqueIndex('sla_policies_name_key').on(sql`lower(${t.name})`),
    // Rank is the explicit tie-breaker of selection, so two active policies may not share one.
    uniqueIndex('sla_policies_active_rank_key').on(t.rank).where(sql`${t.active}`),
    foreignKey({ name: 'sla_policies_calendar_fk', columns: [t.calendarId], foreignColumns: [businessCalendars.id] }),
    check('sla_policies_rank_check', sql`${t.rank} >= 0`),
  ],
)
