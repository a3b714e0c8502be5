import type { Deps } from '../../deps.ts'
import { AppError, notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import { describeConstraint } from '../../plugins/problem-details.ts'
import { findAgent } from '../agents/agents.repo.ts'
import type { Agent } from '../agents/agents.schemas.ts'
import { listAgents } from '../agents/agents.service.ts'
import * as repo from './teams.repo.ts'
import type { CreateTeam, ListTeamsQuery, Team, UpdateTeam } from './teams.schemas.ts'

describeConstraint('teams_name_key', 'name', 'a team with this name already exists')

export function toTeam(r: repo.TeamRow, memberCount: number): Team {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    email: r.email,
    memberCount,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

async function present(deps: Deps, rows: repo.TeamRow[]): Promise<Team[]> {
  const counts = await repo.memberCounts(
    deps.db,
    rows.map((r) => r.id),
  )
  return rows.map((r) => toTeam(r, counts.get(r.id) ?? 0))
}

export async function createTeam(deps: Deps, input: CreateTeam): Promise<Team> {
  const now = deps.clock.now()
  const row = await repo.insertTeam(deps.db, {
    name: input.name.trim(),
    description: input.description ?? null,
    email: input.email?.toLowerCase() ?? null,
    createdAt: now,
    updatedAt: now,
  })
  return toTeam(row, 0)
}

async function requireTeam(deps: Deps, id: string): Promise<repo.TeamRow> {
  const row = await repo.findTeam(deps.db, id)
  if (!row) throw notFound('team', id)
  return row
}

export const getTeam = async (deps: Deps, id: string): Promise<Team> => (await present(deps, [await requireTeam(deps, id)]))[0]!

export async function listTeams(deps: Deps, q: ListTeamsQuery): Promise<Page<Team>> {
  const page = await repo.listTeams(deps.db, { ...q, limit: q.limit ?? 50 })
  return { data: await present(deps, page.data), nextCursor: page.nextCursor }
}

export async function updateTeam(deps: Deps, id: string, version: number | undefined, patch: UpdateTeam): Promise<Team> {
  const { name, email, ...rest } = patch
  const row = await repo.updateTeam(
    deps.db,
    id,
    version,
    { ...rest, ...(name !== undefined ? { name: name.trim() } : {}), ...(email !== undefined ? { email: email?.toLowerCase() ?? null } : {}) },
    deps.clock.now(),
  )
  return (await present(deps, [row]))[0]!
}

export const deleteTeam = (deps: Deps, id: string, version: number | undefined) => repo.deleteTeam(deps.db, id, version)

/**
 * Membership is part of the team's representation (`memberCount`), so a change bumps the
 * team's version and ETag. Adding a member twice is harmless (PUT): the second call changes nothing.
 */
export async function addMember(deps: Deps, teamId: string, agentId: string): Promise<void> {
  await requireTeam(deps, teamId)
  if (!(await findAgent(deps.db, agentId))) throw notFound('agent', agentId)
  const now = deps.clock.now()
  await deps.db.transaction(async (tx) => {
    if (await repo.addMember(tx, teamId, agentId, now)) await repo.updateTeam(tx, teamId, undefined, {}, now)
  })
}

export async function removeMember(deps: Deps, teamId: string, agentId: string): Promise<void> {
  await requireTeam(deps, teamId)
  const now = deps.clock.now()
  await deps.db.transaction(async (tx) => {
    if (!(await repo.removeMember(tx, teamId, agentId))) throw new AppError('NOT_FOUND', `agent ${agentId} is not a member of team ${teamId}`)
    await repo.updateTeam(tx, teamId, undefined, {}, now)
  })
}

export async function listMembers(deps: Deps, teamId: string, page: { limit?: number; cursor?: string }): Promise<Page<Agent>> {
  await requireTeam(deps, teamId)
  return listAgents(deps, { ...page, teamId })
}
