import { and, count, eq, inArray } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { deleteVersioned, getById, ilikeAny, listById, updateVersioned } from '../../db/crud.ts'
import { teamMembers, teams } from '../../db/schema/index.ts'
import type { ListTeamsQuery } from './teams.schemas.ts'

export type TeamRow = typeof teams.$inferSelect

export const insertTeam = async (db: Db, row: typeof teams.$inferInsert) => (await db.insert(teams).values(row).returning())[0]!

export const findTeam = (db: Db, id: string) => getById(db, teams, id)

export const listTeams = (db: Db, q: ListTeamsQuery & { limit: number }) => listById(db, teams, 'teams', [ilikeAny([teams.name], q.q)], q, (r) => r)

export const updateTeam = (db: Db, id: string, version: number | undefined, patch: Partial<TeamRow>, now: Date) =>
  updateVersioned(db, teams, 'team', id, version, patch, now)

/** Memberships go with the team (ON DELETE CASCADE). */
export const deleteTeam = (db: Db, id: string, version: number | undefined) => deleteVersioned(db, teams, 'team', id, version)

/** Member counts of a page of teams in one grouped query. */
export async function memberCounts(db: Db, teamIds: string[]): Promise<Map<string, number>> {
  if (!teamIds.length) return new Map()
  const rows = await db
    .select({ teamId: teamMembers.teamId, n: count() })
    .from(teamMembers)
    .where(inArray(teamMembers.teamId, teamIds))
    .groupBy(teamMembers.teamId)
  return new Map(rows.map((r) => [r.teamId, Number(r.n)]))
}

/** True when the agent was not a member yet. */
export const addMember = async (db: Db, teamId: string, agentId: string, now: Date) =>
  (
    await db
      .insert(teamMembers)
      .values({ teamId, agentId, createdAt: now })
      .onConflictDoNothing()
      .returning({ agentId: teamMembers.agentId })
  ).length === 1

export const removeMember = async (db: Db, teamId: string, agentId: string) =>
  (
    await db
      .delete(teamMembers)
      .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.agentId, agentId)))
      .returning({ agentId: teamMembers.agentId })
  ).length === 1
