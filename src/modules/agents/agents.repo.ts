import { eq, inArray, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { getById, ilikeAny, listById, updateVersioned } from '../../db/crud.ts'
import { agents, teamMembers } from '../../db/schema/index.ts'
import type { ListAgentsQuery } from './agents.schemas.ts'

export type AgentRow = typeof agents.$inferSelect

export const insertAgent = async (db: Db, row: typeof agents.$inferInsert) => (await db.insert(agents).values(row).returning())[0]!
export const findAgent = (db: Db, id: string) => getById(db, agents, id)

export const listAgents = <R>(db: Db, q: ListAgentsQuery & { limit: number }, map: (r: AgentRow) => R) =>
  listById(
    db,
    agents,
    'agents',
    [
      ilikeAny([agents.name, agents.email], q.q),
      q.role ? eq(agents.role, q.role) : undefined,
      q.active === undefined ? undefined : eq(agents.active, q.active),
      q.skill ? sql`${agents.skills} @> array[${q.skill}]::text[]` : undefined,
      q.teamId
        ? sql`exists (select 1 from ${teamMembers} where ${teamMembers.agentId} = ${agents.id} and ${teamMembers.teamId} = ${q.teamId})`
        : undefined,
    ],
    q,
    map,
  )

export const updateAgent = (db: Db, id: string, version: number | undefined, patch: Partial<AgentRow>, now: Date) =>
  updateVersioned(db, agents, 'agent', id, version, patch, now)

/** Team ids of many agents in one query (no N+1 on lists). */
export async function teamIdsOf(db: Db, agentIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(agentIds.map((id) => [id, []]))
  if (!agentIds.length) return out
  const rows = await db
    .select({ agentId: teamMembers.agentId, teamId: teamMembers.teamId })
    .from(teamMembers)
    .where(inArray(teamMembers.agentId, agentIds))
    .orderBy(teamMembers.teamId)
  for (const r of rows) out.get(r.agentId)?.push(r.teamId)
  return out
}
