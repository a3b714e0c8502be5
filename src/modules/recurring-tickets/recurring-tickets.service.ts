import type { Db } from '../../db/client.ts'
import type { Deps } from '../../deps.ts'
import { AppError, notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import { dueOccurrences, nextOccurrences, type Schedule, validateSchedule } from '../../lib/recurrence.ts'
import { describeConstraint } from '../../plugins/problem-details.ts'
import type { Actor } from '../tickets/events.ts'
import { intakeTicket } from '../tickets/intake.service.ts'
import { applyTicketPatch } from '../tickets/tickets.service.ts'
import * as repo from './recurring-tickets.repo.ts'
import type { CreateRecurringTicket, ListRecurringTicketsQuery, RecurringTicket, UpdateRecurringTicket } from './recurring-tickets.schemas.ts'

for (const [col, table, what] of [
  ['organization_id', 'organizations', 'organization'],
  ['contact_id', 'contacts', 'contact'],
  ['queue_id', 'queues', 'queue'],
  ['ticket_type_id', 'ticket_types', 'ticket type'],
  ['assignee_id', 'agents', 'agent'],
  ['team_id', 'teams', 'team'],
] as const) {
  const field = col.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())
  describeConstraint(`recurring_tickets_${col}_${table}_id_fk`, field, `no such ${what}`)
}

export const RECURRING_ACTOR: Actor = { kind: 'system', id: 'recurring-tickets' }
/** Occurrences one template may create per run; the rest follow on the next runs, oldest first. */
export const RECURRING_CAP = 50

const iso = (d: Date | null) => (d === null ? null : d.toISOString())

export const toTemplate = (r: repo.TemplateRow): RecurringTicket => ({
  id: r.id,
  organizationId: r.organizationId,
  contactId: r.contactId,
  queueId: r.queueId,
  ticketTypeId: r.ticketTypeId,
  priority: r.priority,
  subject: r.subject,
  description: r.description,
  assigneeId: r.assigneeId,
  teamId: r.teamId,
  schedule: { kind: r.schedule.kind, expression: r.schedule.expression, timeZone: r.schedule.timeZone, startsAt: r.schedule.startsAt ?? null, endsAt: r.schedule.endsAt ?? null },
  catchUp: r.catchUp,
  active: r.active,
  lastProcessedAt: iso(r.lastProcessedAt),
  version: r.version,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
})

/** Schedule problems as 400 field errors `schedule.<field>`; the requester must belong to the organization. */
async function check(db: Db, t: Pick<repo.TemplateRow, 'schedule' | 'contactId' | 'organizationId'>): Promise<void> {
  const errors = validateSchedule(t.schedule).map((i) => ({ in: 'body' as const, field: `schedule.${i.field}`, message: i.message }))
  if (errors.length) throw new AppError('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors })
  const org = await repo.contactOrganization(db, t.contactId)
  if (org !== undefined && org !== t.organizationId) {
    throw new AppError('UNPROCESSABLE', 'contactId: not a contact of the organization', { errors: [{ in: 'body', field: 'contactId', message: 'not a contact of the organization' }] })
  }
}

export async function createTemplate(deps: Deps, input: CreateRecurringTicket): Promise<RecurringTicket> {
  const now = deps.clock.now()
  const { ticketTypeId, description, assigneeId, teamId, schedule, ...rest } = input
  const row = {
    ...rest,
    subject: input.subject.trim(),
    ticketTypeId: ticketTypeId ?? null,
    description: description ?? null,
    assigneeId: assigneeId ?? null,
    teamId: teamId ?? null,
    // Without startsAt a cron schedule would lose an occurrence between creation and the first run.
    schedule: { ...schedule, startsAt: schedule.startsAt ?? now.toISOString(), endsAt: schedule.endsAt ?? null },
    createdAt: now,
    updatedAt: now,
  }
  await check(deps.db, row)
  return toTemplate(await repo.insertTemplate(deps.db, row))
}

async function found(db: Db, id: string): Promise<repo.TemplateRow> {
  const r = await repo.findTemplate(db, id)
  if (!r) throw notFound('recurring ticket', id)
  return r
}

export const getTemplate = async (deps: Deps, id: string): Promise<RecurringTicket> => toTemplate(await found(deps.db, id))

export const listTemplates = (deps: Deps, q: ListRecurringTicketsQuery): Promise<Page<RecurringTicket>> =>
  repo.listTemplates(deps.db, { ...q, limit: q.limit ?? 50 }, toTemplate)

export async function updateTemplate(deps: Deps, id: string, version: number | undefined, patch: UpdateRecurringTicket): Promise<RecurringTicket> {
  return deps.db.transaction(async (tx) => {
    const current = await found(tx, id)
    const changes = { ...patch, ...(patch.subject ? { subject: patch.subject.trim() } : {}) } as Partial<repo.TemplateRow>
    if (patch.schedule) changes.schedule = { ...patch.schedule, startsAt: patch.schedule.startsAt ?? current.schedule.startsAt ?? null, endsAt: patch.schedule.endsAt ?? null }
    await check(tx, { ...current, ...changes })
    return toTemplate(await repo.updateTemplate(tx, id, version, changes, deps.clock.now()))
  })
}

export const deactivateTemplate = (deps: Deps, id: string, version: number | undefined) => updateTemplate(deps, id, version, { active: false })

/** The next `count` occurrences after now (or after the last one processed, when that is later). */
export async function occurrences(deps: Deps, id: string, count: number): Promise<{ occurrences: string[] }> {
  const t = await found(deps.db, id)
  const now = deps.clock.now()
  const after = t.lastProcessedAt && t.lastProcessedAt > now ? t.lastProcessedAt : now
  return { occurrences: nextOccurrences(t.schedule as Schedule, after, count).map((d) => d.toISOString()) }
}

export interface RecurringSummary {
  templates: number
  created: number
  refused: number
  skipped: number
  [k: string]: number
}

/**
 * The `recurring-tickets` job: for each active template, the occurrences due by `now`
 * (`dueOccurrences`, oldest `RECURRING_CAP` first under 'each', the latest under 'latest') each
 * become a ticket through the intake path. Each occurrence is one transaction: the claimed
 * (template, occurrence) run row, the ticket, and the move of `lastProcessedAt` commit together,
 * so a crash repeats nothing and a second instance's claim finds the row (skipped). A refusal by
 * the intake (gate, deactivated queue …) is recorded on the run, without a ticket, and never retried.
 */
export async function runRecurringTickets(deps: Deps, now: Date): Promise<RecurringSummary> {
  const summary: RecurringSummary = { templates: 0, created: 0, refused: 0, skipped: 0 }
  for (const t of await repo.activeTemplates(deps.db)) {
    summary.templates++
    for (const occurrence of dueOccurrences(t.schedule as Schedule, t.lastProcessedAt, now, t.catchUp, RECURRING_CAP)) {
      summary[await createOccurrence(deps, t, occurrence)]++
    }
  }
  return summary
}

async function createOccurrence(deps: Deps, t: repo.TemplateRow, occurrence: Date): Promise<'created' | 'refused' | 'skipped'> {
  try {
    return await deps.db.transaction(async (tx) => {
      if (!(await repo.claimRun(tx, { templateId: t.id, occurrence, createdAt: occurrence }))) return 'skipped'
      let ticket = await intakeTicket(deps, tx, {
        channel: 'api',
        requester: { contactId: t.contactId },
        subject: t.subject,
        description: t.description ? { text: t.description } : undefined,
        queueId: t.queueId,
        ticketTypeId: t.ticketTypeId ?? undefined,
        priority: t.priority,
        tags: ['recurring'],
        createdBy: RECURRING_ACTOR,
        at: occurrence,
      })
      const assign = { ...(t.assigneeId ? { assigneeId: t.assigneeId } : {}), ...(t.teamId ? { teamId: t.teamId } : {}) }
      // The assignment completes the creation, so its events carry the ticket's channel like the creation's.
      if (Object.keys(assign).length) ticket = await applyTicketPatch(tx, ticket, RECURRING_ACTOR, ticket.channel, assign, occurrence)
      await repo.setRunTicket(tx, t.id, occurrence, ticket.id)
      await repo.markProcessed(tx, t.id, occurrence)
      return 'created'
    })
  } catch (err) {
    if (!(err instanceof AppError)) throw err
    // The intake said no: record why, once, and move on (its transaction rolled back).
    const reason = typeof err.extra.reason === 'string' ? `${err.extra.reason}: ${err.detail ?? err.message}` : (err.detail ?? err.message)
    return deps.db.transaction(async (tx) => {
      const claimed = await repo.claimRun(tx, { templateId: t.id, occurrence, refusal: reason.slice(0, 2000), createdAt: occurrence })
      await repo.markProcessed(tx, t.id, occurrence)
      return claimed ? 'refused' : 'skipped'
    })
  }
}
