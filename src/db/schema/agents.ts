import { sql } from 'drizzle-orm'
import { boolean, check, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id, timestamps, version } from './_columns.ts'

export const AGENT_ROLES = ['admin', 'manager', 'agent'] as const
export type AgentRole = (typeof AGENT_ROLES)[number]

export const agents = pgTable(
  'agents',
  {
    id: id(),
    name: text().notNull(),
    email: text().notNull(),
    passwordHash: text(),
    role: text().$type<AgentRole>().notNull(),
    skills: text().array().notNull().default(sql`'{}'::text[]`),
    locale: text(),
    timeZone: text(),
    active: boolean().notNull().default(true),
    /** Raised when the password changes or the agent is disabled: older access tokens stop working. */
    tokenVersion: integer().notNull().default(1),
    passwordChangedAt: timestamp({ withTimezone: true }),
    version: version(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('agents_email_key').on(sql`lower(${t.email})`),
    check('agents_role_check', sql`${t.role} in ('admin', 'manager', 'agent')`),
    // Escalation by skill: agents having a skill.
    index('agents_skills_idx').using('gin', t.skills),
  ],
)

export const teams = pgTable(
  'teams',
  {
    id: id(),
    name: text().notNull(),
    description: text(),
    email: text(),
    version: version(),
    ...timestamps,
  },
  (t) => [uniqueIndex('teams_name_key').on(sql`lower(${t.name})`)],
)

export const teamMembers = pgTable(
  'team_members',
  {
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    agentId: uuid()
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.agentId] }), index('team_members_agent_idx').on(t.agentId)],
)
