import { and, asc, eq, or, type SQLWrapper, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { Binder, preparedQuery, preparedSql } from '../../db/prepared.ts'
import { agents, contactEmails, contacts, contracts, organizations, plans, queues, teamMembers, ticketMessages, tickets } from '../../db/schema/index.ts'

/**
 * Everything a notification about one ticket needs, for a dispatcher round's tickets in one query:
 * the ticket, its requester, organization, queue and contract. Only the ticket fields the mail uses:
 * the description and the search document are most of a mailed-in ticket's bytes and no
 * notification reads them.
 */
export async function loadTicketContexts(db: Db, ticketIds: readonly string[]): Promise<Map<string, TicketContext>> {
  // Compiled once per database (db/prepared.ts), the ids one array parameter whatever their number.
  const b = new Binder()
  const ids = b.value([...new Set(ticketIds)])
  const rows = await preparedQuery(db, 'notify:contexts', b, (h) => ticketContextQuery(h, ids))
  return new Map(rows.map((r) => [r.ticket.id, r]))
}

function ticketContextQuery(db: Db, ticketIds: SQLWrapper) {
  return db
    .select({
      ticket: {
        id: tickets.id,
        number: tickets.number,
        subject: tickets.subject,
        requesterId: tickets.requesterId,
        assigneeId: tickets.assigneeId,
        teamId: tickets.teamId,
        createdBy: tickets.createdBy,
        firstResponseAt: tickets.firstResponseAt,
        firstResponseDueAt: tickets.firstResponseDueAt,
      },
      organization: { name: organizations.name, locale: organizations.defaultLocale, timeZone: organizations.timeZone },
      contact: { id: contacts.id, name: contacts.name, locale: contacts.locale, timeZone: contacts.timeZone, active: contacts.active },
      queue: { name: queues.name, inboundEmail: queues.inboundEmail },
      contractNumber: contracts.number,
      planName: plans.name,
      // The requester's first address that has not bounced for good.
      contactEmail: sql<string | null>`(select ${contactEmails.email} from ${contactEmails} where ${contactEmails.contactId} = ${tickets.requesterId} and ${contactEmails.undeliverableAt} is null order by ${contactEmails.position} limit 1)`,
    })
    .from(tickets)
    .innerJoin(organizations, eq(organizations.id, tickets.organizationId))
    .innerJoin(contacts, eq(contacts.id, tickets.requesterId))
    .innerJoin(queues, eq(queues.id, tickets.queueId))
    .leftJoin(contracts, eq(contracts.id, tickets.contractId))
    .leftJoin(plans, eq(plans.id, contracts.planId))
    .where(sql`${tickets.id} = any(${ticketIds}::uuid[])`)
}
export type TicketContext = Awaited<ReturnType<typeof ticketContextQuery>>[number]

export interface ThreadMessage {
  id: string
  visibility: 'public' | 'internal'
  authorKind: string
  authorName: string | null
  mailMessageId: string | null
  /** The message the notification is about. */
  isTarget: boolean
  /** Only the target's text is read. */
  bodyText: string | null
}

/**
 * For each notification, the ticket's messages that matter to it: the one it is about (with its
 * text and author) and every message carrying a mail Message-ID (the thread), oldest first.
 * `messageId` undefined means the ticket's first message (a new ticket's description). One query
 * for a dispatcher round's notifications, their (ticket, message) pairs as two array parameters.
 */
export async function loadThreads(db: Db, wants: ReadonlyArray<{ ticketId: string; messageId: string | undefined }>): Promise<ThreadMessage[][]> {
  const b = new Binder()
  const ticketIds = b.value(wants.map((w) => w.ticketId))
  const messageIds = b.value(wants.map((w) => w.messageId ?? ''))
  const m = ticketMessages
  const { rows } = await preparedSql<ThreadMessage & { i: number }>(
    db,
    'notify:threads',
    b,
    () => sql`
      with n as (
        select u.i::int as i, u.ticket_id::uuid as ticket_id,
          coalesce(nullif(u.message_id, '')::uuid, (select f.id from ${m} f where f.ticket_id = u.ticket_id::uuid order by f.id limit 1)) as target
        from unnest(${ticketIds}::text[], ${messageIds}::text[]) with ordinality as u(ticket_id, message_id, i))
      select n.i, ${m.id} as "id", ${m.visibility} as "visibility", ${m.authorKind} as "authorKind", ${agents.name} as "authorName",
        ${m.mailMessageId} as "mailMessageId", ${m.id} = n.target as "isTarget", case when ${m.id} = n.target then ${m.bodyText} end as "bodyText"
      from n
      join ${m} on ${m.ticketId} = n.ticket_id and (${m.mailMessageId} is not null or ${m.id} = n.target)
      left join ${agents} on ${agents.id} = ${m.authorAgentId}
      order by n.i, ${m.id}`,
  )
  const out: ThreadMessage[][] = wants.map(() => [])
  for (const { i, ...row } of rows) out[i - 1]!.push(row)
  return out
}

/**
 * Active agents named directly or through their teams, with the teams they belong to (so the
 * agents of several notifications come from one query and are told apart here), by id.
 */
export async function loadActiveAgents(db: Db, agentIds: readonly string[], teamIds: readonly string[]) {
  if (!agentIds.length && !teamIds.length) return []
  // The ids as two array parameters: one statement whatever their number, compiled once.
  const b = new Binder()
  const direct = b.value([...new Set(agentIds)])
  const teams = b.value([...new Set(teamIds)])
  return preparedQuery(db, 'notify:agents', b, (h) =>
    h
      .select({
        id: agents.id,
        email: agents.email,
        locale: agents.locale,
        timeZone: agents.timeZone,
        teamIds: sql<string[]>`array(select ${teamMembers.teamId}::text from ${teamMembers} where ${teamMembers.agentId} = ${agents.id})`,
      })
      .from(agents)
      .where(
        and(
          eq(agents.active, true),
          or(
            sql`${agents.id} = any(${direct}::uuid[])`,
            sql`${agents.id} in (select ${teamMembers.agentId} from ${teamMembers} where ${teamMembers.teamId} = any(${teams}::uuid[]))`,
          ),
        ),
      )
      .orderBy(asc(agents.id)),
  )
}
export type ActiveAgent = Awaited<ReturnType<typeof loadActiveAgents>>[number]
