import { sql } from 'drizzle-orm'
import type { Deps } from '../../deps.ts'
import { agents } from '../../db/schema/index.ts'
import { AppError, notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import type { Principal } from '../../lib/principal.ts'
import { describeConstraint } from '../../plugins/problem-details.ts'
import { forgetAgent, hashPassword } from '../auth/auth.service.ts'
import { revokeAgentTokens } from '../auth/auth.repo.ts'
import * as repo from './agents.repo.ts'
import type { Agent, CreateAgent, ListAgentsQuery, UpdateAgent } from './agents.schemas.ts'

describeConstraint('agents_email_key', 'email', 'an agent with this email already exists')

export function toAgent(r: repo.AgentRow, teamIds: string[] = []): Agent {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    role: r.role,
    skills: r.skills,
    locale: r.locale,
    timeZone: r.timeZone,
    active: r.active,
    teamIds,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

export async function createAgent(deps: Pick<Deps, 'db' | 'clock'>, input: CreateAgent): Promise<Agent> {
  const now = deps.clock.now()
  const row = await repo.insertAgent(deps.db, {
    name: input.name.trim(),
    email: input.email.trim().toLowerCase(),
    role: input.role,
    skills: input.skills ?? [],
    locale: input.locale ?? null,
    timeZone: input.timeZone ?? null,
    passwordHash: input.password ? await hashPassword(input.password) : null,
    passwordChangedAt: input.password ? now : null,
    createdAt: now,
    updatedAt: now,
  })
  return toAgent(row)
}

export async function getAgent(deps: Deps, id: string): Promise<Agent> {
  const row = await repo.findAgent(deps.db, id)
  if (!row) throw notFound('agent', id)
  return toAgent(row, (await repo.teamIdsOf(deps.db, [id])).get(id))
}

export async function listAgents(deps: Deps, q: ListAgentsQuery): Promise<Page<Agent>> {
  const page = await repo.listAgents(deps.db, { ...q, limit: q.limit ?? 50 }, (r) => r)
  const teams = await repo.teamIdsOf(
    deps.db,
    page.data.map((r) => r.id),
  )
  return { data: page.data.map((r) => toAgent(r, teams.get(r.id))), nextCursor: page.nextCursor }
}

/**
 * Changing the password, the role or disabling an agent raises its token version: access
 * tokens issued before stop working at once, and its refresh tokens are revoked.
 */
export async function updateAgent(deps: Deps, actor: Principal, id: string, version: number | undefined, patch: UpdateAgent): Promise<Agent> {
  if (actor.kind === 'agent' && actor.id === id && (patch.active === false || (patch.role && patch.role !== 'admin'))) {
    throw new AppError('CONFLICT', 'an admin cannot disable or demote themselves; ask another admin')
  }
  const now = deps.clock.now()
  const { password, email, name, ...rest } = patch
  const revokes = password !== undefined || patch.active === false || patch.role !== undefined
  const row = await deps.db.transaction(async (tx) => {
    const updated = await repo.updateAgent(
      tx,
      id,
      version,
      {
        ...rest,
        ...(name !== undefined ? { name: name.trim() } : {}),
        ...(email !== undefined ? { email: email.trim().toLowerCase() } : {}),
        ...(password !== undefined ? { passwordHash: await hashPassword(password), passwordChangedAt: now } : {}),
        ...(revokes ? { tokenVersion: sql`${agents.tokenVersion} + 1` as unknown as number } : {}),
      },
      now,
    )
    if (revokes) await revokeAgentTokens(tx, id, now)
    return updated
  })
  forgetAgent(deps.db, id)
  return toAgent(row, (await repo.teamIdsOf(deps.db, [id])).get(id))
}

/** Agents are disabled, not deleted: their tickets, time entries and approvals stay attributed. */
export const deactivateAgent = (deps: Deps, actor: Principal, id: string, version: number | undefined) =>
  updateAgent(deps, actor, id, version, { active: false })
