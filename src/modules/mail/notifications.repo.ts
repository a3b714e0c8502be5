import { and, asc, eq, isNotNull, or, type SQL, type SQLWrapper, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { Binder, preparedQuery } from '../../db/prepared.ts'
import { agents, contactEmails, contacts, contracts, organizations, plans, queues, teamMembers, ticketMessages, tickets } from '../../db/schema/index.ts'

/**
 * Everything a notification about one ticket needs, in one query: the ticket, its requester,
 * organization, queue and contract. Only the ticket fields the mail uses: the description and the
 * search document are most of a mailed-in ticket's bytes and no notification reads them.
 */
export async function loadTicketContext(db: Db, ticketId: string) {
  // Compiled once per database (db/prepared.ts): the dispatcher runs this for every notification.
  const b = new Binder()
  const id = b.value(ticketId)
  const [row] = await preparedQuery(db, 'notify:context', b, (h) => ticketContextQuery(h, id))
  return row
}

function ticketContextQuery(db: Db, ticketId: SQLWrapper) {
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
    .where(sql`${tickets.id} = ${ticketId}`)
}
export type TicketContext = NonNullable<Awaited<ReturnType<typeof loadTicketContext>>>

/**
 * The ticket's messages that matter to one notification: the one it is about (with its text and
 * author) and every message carrying a mail Message-ID (the thread), oldest first. `messageId`
 * undefined means the ticket's first message (a new ticket's description).
 */
export async function loadThread(db: Db, ticketId: string, messageId: string | undefined) {
  const b = new Binder()
  const ticket = b.value(ticketId)
  const message = messageId ? b.value(messageId) : undefined
  return preparedQuery(db, message ? 'notify:thread:message' : 'notify:thread:first', b, (h) => threadQuery(h, ticket, message))
}

function threadQuery(db: Db, ticketId: SQLWrapper, messageId: SQLWrapper | undefined) {
  const target: SQL = messageId
    ? sql`${ticketMessages.id} = ${messageId}`
    : sql`${ticketMessages.id} = (select m.id from ${ticketMessages} m where m.ticket_id = ${ticketId} order by m.id limit 1)`
  return db
    .select({
      id: ticketMessages.id,
      visibility: ticketMessages.visibility,
      authorKind: ticketMessages.authorKind,
      authorName: agents.name,
      mailMessageId: ticketMessages.mailMessageId,
      isTarget: sql<boolean>`${target}`,
      bodyText: sql<string | null>`case when ${target} then ${ticketMessages.bodyText} end`,
    })
    .from(ticketMessages)
    .leftJoin(agents, eq(agents.id, ticketMessages.authorAgentId))
    .where(and(sql`${ticketMessages.ticketId} = ${ticketId}`, or(isNotNull(ticketMessages.mailMessageId), target)))
    .orderBy(asc(ticketMessages.id))
}
export type ThreadMessage = Awaited<ReturnType<typeof loadThread>>[number]

/** Active agents named directly or through their teams, in one query. */
export async function loadActiveAgents(db: Db, agentIds: string[], teamIds: string[]) {
  if (!agentIds.length && !teamIds.length) return []
  // The ids as two array parameters: one statement whatever their number, compiled once.
  const b = new Binder()
  const direct = b.value(agentIds)
  const teams = b.value(teamIds)
  return preparedQuery(db, 'notify:agents', b, (h) =>
    h
      .select({ id: agents.id, email: agents.email, locale: agents.locale, timeZone: agents.timeZone })
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
