import { and, eq, inArray } from 'drizzle-orm'
import { DIRECTORY_CHANNEL, FeedCache } from '../../db/change-feed.ts'
import type { Db } from '../../db/client.ts'
import { Binder, preparedQuery } from '../../db/prepared.ts'
import { contactEmails, contacts, contracts, organizations } from '../../db/schema/index.ts'
import type { Channel } from '../../db/schema/directory.ts'
import { dateIn } from '../../lib/civil-date.ts'

/**
 * The intake gate: may a request from this sender, on this channel, at this moment, become a
 * ticket? Seed 000: support only under a signed contract, only from registered employees,
 * only through the agreed channel; anything else is not answered (it is quarantined).
 *
 * Order of the checks, each giving its own reason: the contact (known, active, authorized,
 * personally allowed on the channel), its organization (active), then the organization's
 * contracts. Contracts are narrowed step by step — active and covering the date, covering the
 * contact, allowing the channel — and the reason names the step that left none. Among the
 * contracts that pass, the one with the latest `startsOn` wins, then the lowest `number`, so a
 * renewal overlapping its predecessor takes over deterministically.
 *
 * - Dates: `at` is turned into a calendar date in the organization's time zone; a contract
 *   covers it when startsOn ≤ date ≤ endsOn (endsOn null: open-ended).
 * - A contact's `channels` restrict that person further; an empty list means no personal
 *   restriction (the contract's channels still apply). A contract always lists its channels.
 *
 * Cost: one indexed query whatever the data (contact_emails primary key or contacts primary
 * key, joined to contacts, organizations and the contracts by (organization_id, status)).
 */
export type IntakeRefusal =
  | 'unknown_contact'
  | 'contact_inactive'
  | 'contact_not_authorized'
  | 'channel_not_allowed_for_contact'
  | 'no_active_contract'
  | 'contract_suspended'
  | 'outside_term'
  | 'contact_not_covered'
  | 'channel_not_allowed'
  | 'organization_inactive'

export interface IntakeContact {
  id: string
  organizationId: string
  name: string
  authorized: boolean
  channels: string[]
}
export interface IntakeOrganization {
  id: string
  name: string
  timeZone: string
}
/** What the gate reads of a contract: enough to decide, and what a ticket takes from it. */
export interface GateContract {
  id: string
  number: string
  status: string
  startsOn: string
  endsOn: string | null
  coversAllContacts: boolean
  authorizedContactIds: string[]
  allowedChannels: string[]
  planId: string | null
  slaPolicyId: string | null
}
export type IntakeDecision =
  | { ok: true; contract: GateContract; contact: IntakeContact; organization: IntakeOrganization }
  | { ok: false; reason: IntakeRefusal; detail: string; contact?: IntakeContact; organization?: IntakeOrganization }

export interface IntakeRequest {
  contactId?: string
  email?: string
  /** The organization the requester must belong to (a contact principal's own); a contact elsewhere is refused as unknown. */
  organizationId?: string
  channel: Channel
  at: Date
}

const gateColumns = {
  contact: { id: contacts.id, organizationId: contacts.organizationId, name: contacts.name, authorized: contacts.authorized, channels: contacts.channels, active: contacts.active },
  organization: { id: organizations.id, name: organizations.name, timeZone: organizations.timeZone, active: organizations.active },
  // Not the whole contract: every intake pays for each column read and decoded.
  contract: {
    id: contracts.id,
    number: contracts.number,
    status: contracts.status,
    startsOn: contracts.startsOn,
    endsOn: contracts.endsOn,
    coversAllContacts: contracts.coversAllContacts,
    authorizedContactIds: contracts.authorizedContactIds,
    allowedChannels: contracts.allowedChannels,
    planId: contracts.planId,
    slaPolicyId: contracts.slaPolicyId,
  },
}

/**
 * The contact, its organization and that organization's active or suspended contracts, in one
 * round trip (a row per contract; one row with `contract` null when there is none): intake is the
 * hottest write path and every round trip is paid by each request.
 */
function gateRows(db: Db, req: IntakeRequest) {
  const contractJoin = and(eq(contracts.organizationId, contacts.organizationId), inArray(contracts.status, ['active', 'suspended']))
  const b = new Binder()
  if (req.contactId) {
    const id = b.value(req.contactId)
    return preparedQuery(db, 'gate:contact', b, (h) =>
      h.select(gateColumns).from(contacts).innerJoin(organizations, eq(organizations.id, contacts.organizationId)).leftJoin(contracts, contractJoin).where(eq(contacts.id, id)),
    )
  }
  const email = b.value((req.email ?? '').trim().toLowerCase())
  return preparedQuery(db, 'gate:email', b, (h) =>
    h
      .select(gateColumns)
      .from(contactEmails)
      .innerJoin(contacts, eq(contacts.id, contactEmails.contactId))
      .innerJoin(organizations, eq(organizations.id, contacts.organizationId))
      .leftJoin(contracts, contractJoin)
      .where(eq(contactEmails.email, email)),
  )
}

type GateRow = Awaited<ReturnType<typeof gateRows>>[number]

/**
 * The gate's rows per contact id or sender address, kept while the directory is unchanged: every
 * write to contacts, their addresses, organizations or contracts notifies (migration 0001) and the
 * database's change feed drops the lot. So a repeat requester costs no query, and a deactivated
 * contact or ended contract is refused from the moment the writer commits (plus the notification's
 * delivery), on every instance. Dates are judged per request from the cached rows.
 *
 * Only acceptances are served from memory: a refusal is read again, so a cache can never turn a
 * requester away who was just registered. Without a live feed (not yet listening, connection
 * lost, a handle without feeds) every call reads.
 */
export const GATE_CACHE_MAX = 10_000
const gateCache = new FeedCache<GateRow[]>(DIRECTORY_CHANNEL, { max: GATE_CACHE_MAX, fallbackTtlMs: 0 })

async function gateRowsCached(db: Db, req: IntakeRequest, fresh: boolean): Promise<{ rows: GateRow[]; cached: boolean }> {
  const key = req.contactId ? `c${req.contactId}` : `e${(req.email ?? '').trim().toLowerCase()}`
  const hit = fresh ? undefined : gateCache.peek(db, key)
  if (hit) return { rows: hit, cached: true }
  // Stamped with the generation from before the read: a change notified meanwhile invalidates it.
  const generation = gateCache.stamp(db)
  const rows = await gateRows(db, req)
  gateCache.store(db, key, rows, generation)
  return { rows, cached: false }
}

export async function checkIntake(db: Db, req: IntakeRequest): Promise<IntakeDecision> {
  if (!req.contactId && !req.email) return decide([], req)
  const { rows, cached } = await gateRowsCached(db, req, false)
  const decision = decide(rows, req)
  return decision.ok || !cached ? decision : decide((await gateRowsCached(db, req, true)).rows, req)
}

function decide(found: GateRow[], req: IntakeRequest): IntakeDecision {
  const who = req.contactId ? `contact ${req.contactId}` : `sender ${req.email ?? '(none)'}`
  // A contact of another organization gets the very refusal of an unknown one (same reason, same
  // detail, no contact): a caller confined to its organization learns nothing about other tenants.
  if (!found.length || (req.organizationId && req.organizationId !== found[0]!.organization.id)) {
    return { ok: false, reason: 'unknown_contact', detail: `${who} is not a registered contact${req.organizationId ? ` of organization ${req.organizationId}` : ''}` }
  }
  const { active: contactActive, ...contact } = found[0]!.contact
  const { active: orgActive, ...organization } = found[0]!.organization
  const refuse = (reason: IntakeRefusal, detail: string): IntakeDecision => ({ ok: false, reason, detail, contact, organization })
  if (!contactActive) return refuse('contact_inactive', `contact ${contact.name} is deactivated`)
  if (!orgActive) return refuse('organization_inactive', `organization ${organization.name} is deactivated`)
  if (!contact.authorized) return refuse('contact_not_authorized', `contact ${contact.name} is not registered as authorized to request support`)
  if (contact.channels.length && !contact.channels.includes(req.channel)) {
    return refuse('channel_not_allowed_for_contact', `contact ${contact.name} may use ${contact.channels.join(', ')}, not ${req.channel}`)
  }

  const rows = found.flatMap((r) => (r.contract ? [r.contract] : []))
  const day = dateIn(req.at, organization.timeZone)
  if (!rows.length) return refuse('no_active_contract', `organization ${organization.name} has no active contract`)
  const covering = rows.filter((c) => c.startsOn <= day && (c.endsOn === null || c.endsOn >= day))
  const active = covering.filter((c) => c.status === 'active')
  if (!active.length) {
    const suspended = covering.find((c) => c.status === 'suspended')
    if (suspended) return refuse('contract_suspended', `contract ${suspended.number} is suspended`)
    const terms = rows.map((c) => `${c.number} ${c.startsOn} – ${c.endsOn ?? 'open-ended'}`).join('; ')
    return refuse('outside_term', `no contract of ${organization.name} covers ${day} (${organization.timeZone}): ${terms}`)
  }
  const forContact = active.filter((c) => c.coversAllContacts || c.authorizedContactIds.includes(contact.id))
  if (!forContact.length) {
    return refuse('contact_not_covered', `contact ${contact.name} is not listed on ${active.map((c) => c.number).join(', ')}`)
  }
  const usable = forContact.filter((c) => c.allowedChannels.includes(req.channel))
  if (!usable.length) {
    const allowed = [...new Set(forContact.flatMap((c) => c.allowedChannels))].join(', ')
    return refuse('channel_not_allowed', `the contract allows ${allowed}, not ${req.channel}`)
  }
  usable.sort((a, b) => (a.startsOn !== b.startsOn ? (a.startsOn < b.startsOn ? 1 : -1) : a.number < b.number ? -1 : a.number > b.number ? 1 : 0))
  return { ok: true, contract: usable[0]!, contact, organization }
}
