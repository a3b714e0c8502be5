import type { Deps } from '../../deps.ts'
import { invalidatingConfig } from '../../lib/config-cache.ts'
import { AppError, notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import { describeConstraint } from '../../plugins/problem-details.ts'
import * as repo from './queues.repo.ts'
import type { CreateQueue, ListQueuesQuery, Queue, UpdateQueue } from './queues.schemas.ts'

describeConstraint('queues_name_key', 'name', 'a queue with this name already exists')
describeConstraint('queues_inbound_email_key', 'inboundEmail', 'another queue already receives mail at this address')
describeConstraint('queues_default_team_fkey', 'defaultTeamId', 'the default team does not exist')

export function toQueue(r: repo.QueueRow): Queue {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    defaultTeamId: r.defaultTeamId,
    inboundEmail: r.inboundEmail,
    billableByDefault: r.billableByDefault,
    reopenOnCustomerReply: r.reopenOnCustomerReply,
    autoCloseResolvedAfterDays: r.autoCloseResolvedAfterDays,
    unassignedAlertMinutes: r.unassignedAlertMinutes,
    unassignedRepeatMinutes: r.unassignedRepeatMinutes,
    active: r.active,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

/** A precise 422 before the insert; the foreign key still guards a team deleted in between. */
async function checkTeam(deps: Deps, teamId: string | null | undefined) {
  if (teamId && !(await repo.teamExists(deps.db, teamId))) {
    throw new AppError('REFERENCE_NOT_FOUND', `team ${teamId} does not exist`, {
      errors: [{ in: 'body', field: 'defaultTeamId', message: `team ${teamId} does not exist` }],
    })
  }
}

const lower = (email: string | null | undefined) => (email == null ? email : email.toLowerCase())

export async function createQueue(deps: Deps, input: CreateQueue): Promise<Queue> {
  await checkTeam(deps, input.defaultTeamId)
  const now = deps.clock.now()
  const row = await invalidatingConfig(repo.insertQueue(deps.db, {
    name: input.name.trim(),
    description: input.description ?? null,
    defaultTeamId: input.defaultTeamId ?? null,
    inboundEmail: lower(input.inboundEmail) ?? null,
    billableByDefault: input.billableByDefault ?? false,
    reopenOnCustomerReply: input.reopenOnCustomerReply ?? true,
    autoCloseResolvedAfterDays: input.autoCloseResolvedAfterDays ?? null,
    unassignedAlertMinutes: input.unassignedAlertMinutes ?? null,
    unassignedRepeatMinutes: input.unassignedRepeatMinutes ?? null,
    createdAt: now,
    updatedAt: now,
  }))
  return toQueue(row)
}

export async function getQueue(deps: Deps, id: string): Promise<Queue> {
  const row = await repo.findQueue(deps.db, id)
  if (!row) throw notFound('queue', id)
  return toQueue(row)
}

export const listQueues = (deps: Deps, q: ListQueuesQuery): Promise<Page<Queue>> =>
  repo.listQueues(deps.db, { ...q, limit: q.limit ?? 50 }, toQueue)

export async function updateQueue(deps: Deps, id: string, version: number | undefined, patch: UpdateQueue): Promise<Queue> {
  await checkTeam(deps, patch.defaultTeamId)
  const { name, inboundEmail, ...rest } = patch
  const row = await invalidatingConfig(repo.updateQueue(
    deps.db,
    id,
    version,
    {
      ...rest,
      ...(name !== undefined ? { name: name.trim() } : {}),
      ...(inboundEmail !== undefined ? { inboundEmail: lower(inboundEmail) } : {}),
    },
    deps.clock.now(),
  ))
  return toQueue(row)
}

/** Queues are deactivated, never deleted: tickets keep pointing at the department they were routed to. */
export const deactivateQueue = (deps: Deps, id: string, version: number | undefined) => updateQueue(deps, id, version, { active: false })
