import { type AnyColumn, and, asc, eq, getTableColumns, isNull, type SQL, sql } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type { Db } from '../../db/client.ts'
import { literalLimit } from '../../db/crud.ts'
import { Binder, preparedSql } from '../../db/prepared.ts'
import { ticketEvents, ticketMessages, ticketSlaClocks, tickets, ticketStates } from '../../db/schema/index.ts'
import { AppError } from '../../lib/errors.ts'
import { decodeCursor, type Page, toPage } from '../../lib/pagination.ts'
import { isoFromPg } from '../../lib/pg-timestamp.ts'
import { foldSearchText } from '../../lib/search-text.ts'
import { type ListTicketsQuery, Ticket } from './tickets.schemas.ts'

/**
 * A ticket as the service works with it: every column but the search document, which only the
 * database reads (a tsvector of the subject and public messages, often larger than the rest).
 */
const { search: _search, ...TICKET_COLUMNS } = getTableColumns(tickets)
export { TICKET_COLUMNS }
export type TicketRow = Omit<typeof tickets.$inferSelect, 'search'>

export async function findTicket(db: Db, id: string, lock = false): Promise<TicketRow | undefined> {
  const q = db.select(TICKET_COLUMNS).from(tickets).where(eq(tickets.id, id)).limit(1)
  return (await (lock ? q.for('update') : q))[0]
}

export const allStates = (db: Db) => db.select().from(ticketStates)

/** Exact timestamps as text for cursors (microseconds kept; STACK.md 24). */
const exact = (c: AnyColumn) => sql<string | null>`to_char(${c} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

const SORTS = {
  created: { column: tickets.createdAt, dir: 'desc' },
  updated: { column: tickets.updatedAt, dir: 'desc' },
  due: { column: tickets.nextDueAt, dir: 'asc' },
} as const

const COLUMNS = getTableColumns(tickets)
type TicketField = keyof typeof Ticket.properties
const LIST_FIELDS = Object.keys(Ticket.properties) as TicketField[]
const TIMESTAMP_FIELDS = LIST_FIELDS.filter((k) => COLUMNS[k].columnType === 'PgTimestamp')

/**
 * What a list selects: the Ticket fields under their JSON names (never the search document),
 * rendered to text once. Building a 38-column select with the query builder and mapping its
 * rows cost more than the query itself on every list request (bench/tickets-list.ts).
 */
const LIST_COLUMNS = sql.raw(
  new PgDialect({ casing: 'snake_case' }).sqlToQuery(sql.join(
    LIST_FIELDS.map((k) => sql`${COLUMNS[k]} as ${sql.identifier(k)}`),
    sql`, `,
  )).sql,
)

/**
 * Keyset pagination per sort: (created_at, id) and (updated_at, id) descending, (next_due_at, id)
 * ascending with tickets without a due instant last. The cursor carries the sort key as exact
 * text and the id.
 */
export async function listTickets(
  db: Db,
  q: ListTicketsQuery & { limit: number },
  scope: { organizationId?: string; stateIds?: string[] | null },
  now: Date,
): Promise<Page<Ticket>> {
  const sort = SORTS[q.sort ?? 'updated']
  const list = `tickets:${q.sort ?? 'updated'}`
  // Every value is a placeholder and the statement is compiled once per combination of filters
  // (db/prepared.ts): building this select with drizzle and hashing its text for a statement name
  // were a tenth of a list request's CPU. Values go to the driver as they are (strings, arrays).
  const b = new Binder()
  const v = (x: unknown) => b.value(x)
  const conds: Array<SQL | undefined> = [
    scope.organizationId ? sql`${tickets.organizationId} = ${v(scope.organizationId)}` : undefined,
    q.organizationId ? sql`${tickets.organizationId} = ${v(q.organizationId)}` : undefined,
    scope.stateIds ? sql`${tickets.stateId} = any(${v(scope.stateIds)}::uuid[])` : undefined,
    q.stateCategory?.length ? sql`${tickets.stateCategory} = any(${v(q.stateCategory)}::text[])` : undefined,
    q.queueId ? sql`${tickets.queueId} = ${v(q.queueId)}` : undefined,
    q.ticketTypeId ? sql`${tickets.ticketTypeId} = ${v(q.ticketTypeId)}` : undefined,
    q.priority?.length ? sql`${tickets.priority} = any(${v(q.priority)}::text[])` : undefined,
    q.requesterId ? sql`${tickets.requesterId} = ${v(q.requesterId)}` : undefined,
    q.assigneeId === 'unassigned' ? isNull(tickets.assigneeId) : q.assigneeId ? sql`${tickets.assigneeId} = ${v(q.assigneeId)}` : undefined,
    q.teamId ? sql`${tickets.teamId} = ${v(q.teamId)}` : undefined,
    q.contractId ? sql`${tickets.contractId} = ${v(q.contractId)}` : undefined,
    q.tag ? sql`${tickets.tags} @> array[${v(q.tag)}::text]` : undefined,
    q.channel ? sql`${tickets.channel} = ${v(q.channel)}` : undefined,
    q.createdFrom ? sql`${tickets.createdAt} >= ${v(q.createdFrom)}::timestamptz` : undefined,
    q.createdTo ? sql`${tickets.createdAt} <= ${v(q.createdTo)}::timestamptz` : undefined,
    q.updatedFrom ? sql`${tickets.updatedAt} >= ${v(q.updatedFrom)}::timestamptz` : undefined,
    q.updatedTo ? sql`${tickets.updatedAt} <= ${v(q.updatedTo)}::timestamptz` : undefined,
    q.dueBefore ? sql`${tickets.nextDueAt} <= ${v(q.dueBefore)}::timestamptz` : undefined,
    q.q ? sql`${tickets.search} @@ websearch_to_tsquery('simple', ${v(foldSearchText(q.q))}::text)` : undefined,
    q.breached === undefined
      ? undefined
      : sql`${q.breached ? sql`` : sql`not `}exists (select 1 from ${ticketSlaClocks} c where c.ticket_id = ${tickets.id} and ((c.status = 'running' and c.due_at < ${v(now.toISOString())}::timestamptz) or (c.status = 'met' and c.met_at > c.due_at)))`,
  ]
  let cursor = ''
  const after = decodeCursor(list, q.cursor, 2)
  if (after) {
    const [key, id] = after
    if (typeof id !== 'string' || (key !== null && typeof key !== 'string') || Number.isNaN(Date.parse(String(key ?? 0)))) {
      throw new AppError('INVALID_CURSOR', 'the cursor is malformed')
    }
    const col = sort.column
    cursor = key === null ? 'null' : 'key'
    if (sort.dir === 'desc') conds.push(sql`(${col}, ${tickets.id}) < (${v(key)}::timestamptz, ${v(id)}::uuid)`)
    else if (key === null) conds.push(sql`(${col} is null and ${tickets.id} > ${v(id)}::uuid)`)
    else conds.push(sql`((${col}, ${tickets.id}) > (${v(key)}::timestamptz, ${v(id)}::uuid) or ${col} is null)`)
  }
  const order = sort.dir === 'desc' ? sql`${sort.column} desc, ${tickets.id} desc` : sql`${sort.column} asc nulls last, ${tickets.id} asc`
  const limit = Math.trunc(q.limit) + 1
  // Which filters are present (and whether unassigned or breached is asked) is the statement's shape.
  const shape = conds.map((c, i) => (c ? i : '')).join(',')
  const variant = `${q.assigneeId === 'unassigned' ? 'u' : ''}${q.breached === false ? 'n' : ''}`
  const { rows } = await preparedSql<Ticket & { key: string | null }>(
    db,
    `tickets:list:${q.sort ?? 'updated'}:${limit}:${shape}:${variant}:${cursor}`,
    b,
    // The limit is written into the text, not bound: the statement is prepared, and a generic plan
    // that does not know the limit may sort the whole match instead of walking the index.
    () => sql`select ${LIST_COLUMNS}, ${exact(sort.column)} as key from ${tickets} where ${and(...conds) ?? sql`true`} order by ${order} limit ${sql.raw(String(limit))}`,
  )
  // Rows are fixed up in place: copying 39 fields per row to drop `key` cost a tenth of a list
  // request's CPU, and the response serializer writes only the Ticket schema's properties anyway.
  return toPage(list, rows, q.limit, (r) => [r.key, r.id], (r) => {
    const row = r as unknown as Record<string, unknown>
    for (const k of TIMESTAMP_FIELDS) row[k] = isoFromPg(row[k] as string | null)
    return r as Ticket
  })
}

/** The next tickets in id order, locked: a reindex batch, so no reply lands between reading a document's text and writing it. */
export async function lockTicketsAfter(db: Db, after: string, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: tickets.id })
    .from(tickets)
    .where(sql`${tickets.id} > ${after}::uuid`)
    .orderBy(asc(tickets.id))
    .limit(literalLimit(limit))
    .for('update')
  return rows.map((r) => r.id)
}

export type SearchSource = {
  id: string
  subject: string
  /** Subjects of the tickets merged into this one, at any depth, one a line ('' for none). */
  merged: string
  /** The public messages in order, each cut at `max` characters, one after another ('' for none). */
  messages: string
}

/**
 * What these tickets' search documents are made of, read with the tickets locked by the caller:
 * intake wrote the subject and the first message, each public reply was appended, and a merge
 * appended the merged ticket's document (its messages moved here; its subject stayed behind).
 */
export async function searchSources(db: Db, ids: string[], max: number): Promise<SearchSource[]> {
  const { rows } = await db.execute<SearchSource>(sql`
    with recursive merged (root, id, subject) as (
      select ${tickets.mergedIntoId}, ${tickets.id}, ${tickets.subject} from ${tickets} where ${tickets.mergedIntoId} = any(${sql.param(ids)}::uuid[])
      union all
      select merged.root, t.id, t.subject from ${tickets} t join merged on t.merged_into_id = merged.id
    )
    select t.id, t.subject,
      coalesce((select string_agg(merged.subject, E'\n' order by merged.id) from merged where merged.root = t.id), '') as merged,
      coalesce((select string_agg(left(m.body_text, ${max}::int), E'\n' order by m.id) from ${ticketMessages} m
        where m.ticket_id = t.id and m.visibility = 'public'), '') as messages
    from ${tickets} t where t.id = any(${sql.param(ids)}::uuid[])`)
  return rows
}

/** Writes search documents from their folded text; only those that change. Returns how many did. */
export async function writeSearchDocuments(db: Db, docs: Array<{ id: string; text: string }>): Promise<number> {
  const rows = await db.execute(sql`
    update ${tickets} t set search = to_tsvector('simple', d.text)
    from unnest(${sql.param(docs.map((d) => d.id))}::uuid[], ${sql.param(docs.map((d) => d.text))}::text[]) d (id, text)
    where t.id = d.id and t.search <> to_tsvector('simple', d.text)
    returning t.id`)
  return rows.rows.length
}

/** `publicOnly`: without the events of internal notes (what a contact may see). */
export const listEvents = (db: Db, ticketId: string, after: string | undefined, limit: number, publicOnly = false) =>
  db
    .select()
    .from(ticketEvents)
    .where(
      and(
        eq(ticketEvents.ticketId, ticketId),
        after ? sql`${ticketEvents.id} > ${after}::uuid` : undefined,
        publicOnly ? sql`not (${ticketEvents.type} = 'message.added' and ${ticketEvents.new}->>'visibility' = 'internal')` : undefined,
      ),
    )
    .orderBy(asc(ticketEvents.id))
    .limit(literalLimit(limit + 1))
