import { eq } from 'drizzle-orm'
import { type Clock, systemClock } from '../lib/clock.ts'
import type { Db } from './client.ts'
import { queues, settings, ticketStates, ticketTypes } from './schema/index.ts'
import type { DescriptionField, StateCategory } from './schema/ticket-config.ts'

interface SeedState {
  key: string
  name: string
  category: StateCategory
  allowedTransitions: string[]
}

/** The states every installation starts with; admins rename, extend or replace them afterwards. */
export const DEFAULT_STATES: SeedState[] = [
  { key: 'new', name: 'New', category: 'new', allowedTransitions: ['open', 'pending', 'resolved', 'closed'] },
  { key: 'open', name: 'Open', category: 'open', allowedTransitions: ['pending', 'resolved', 'closed'] },
  { key: 'pending', name: 'Waiting on customer', category: 'pending', allowedTransitions: ['open', 'resolved', 'closed'] },
  { key: 'resolved', name: 'Resolved', category: 'resolved', allowedTransitions: ['open', 'closed'] },
  { key: 'closed', name: 'Closed', category: 'closed', allowedTransitions: ['open'] },
]

/** The departments of a typical software vendor's support service (Perfectum's, seed 002). */
export const DEMO_QUEUES = [
  { name: 'Product support', description: 'Consultations on the product', inboundEmail: 'support@desk.example', billableByDefault: true },
  { name: 'Sales', description: 'Connections, payments and quotes', inboundEmail: 'sales@desk.example', billableByDefault: false },
  { name: 'Projects', description: 'Requests about projects in progress', inboundEmail: 'projects@desk.example', billableByDefault: true },
  { name: 'Partners', description: 'Partner requests and how to become a partner', inboundEmail: 'partners@desk.example', billableByDefault: false },
  { name: 'Wishes and ideas', description: 'What customers would like added or improved', inboundEmail: 'ideas@desk.example', billableByDefault: false },
  { name: 'Complaints', description: 'Customer complaints', inboundEmail: 'complaints@desk.example', billableByDefault: false },
]

/** Free kinds of problem (seed 002's list) and the paid "how do I" question with its required description. */
export const DEMO_TICKET_TYPES: Array<{ name: string; description: string; billable: boolean; requiredFields: DescriptionField[] }> = [
  { name: 'Program does not start', description: 'The program does not open at all (not partly)', billable: false, requiredFields: [] },
  { name: 'Licence re-issue', description: 'Re-issue of a licence bought earlier', billable: false, requiredFields: [] },
  { name: 'Update installation', description: 'Buying or installing updates', billable: false, requiredFields: [] },
  {
    name: 'How do I …',
    description: 'A question about functionality or use: billable',
    billable: true,
    requiredFields: ['steps', 'expectedResult', 'section'],
  },
]

/** Marks that the default states were seeded once, so a state an admin deleted is not re-created at the next start. */
const STATES_SEEDED = 'seed.ticketStates'

/**
 * Inserts the default states the first time it runs on a database; later runs (every server
 * start, every instance) change nothing. The marker row and the states commit together, so a
 * concurrent start either sees both or waits on the marker's key and then skips.
 */
export async function seedTicketStates(db: Db, clock: Clock = systemClock): Promise<void> {
  const now = clock.now()
  await db.transaction(async (tx) => {
    const claimed = await tx.insert(settings).values({ key: STATES_SEEDED, value: true, updatedAt: now }).onConflictDoNothing().returning()
    if (!claimed.length) return
    const hasDefault = (await tx.select({ id: ticketStates.id }).from(ticketStates).where(eq(ticketStates.isDefault, true)).limit(1)).length > 0
    await tx
      .insert(ticketStates)
      .values(
        DEFAULT_STATES.map((s, i) => ({
          ...s,
          isDefault: s.key === 'new' && !hasDefault,
          position: (i + 1) * 10,
          createdAt: now,
          updatedAt: now,
        })),
      )
      .onConflictDoNothing()
  })
}

/** Demo departments and ticket types, inserted by name unless a row of that name (or address) exists. */
export async function seedDemoTicketConfig(db: Db, clock: Clock = systemClock): Promise<void> {
  const now = clock.now()
  await db.transaction(async (tx) => {
    await tx
      .insert(queues)
      .values(DEMO_QUEUES.map((q) => ({ ...q, createdAt: now, updatedAt: now })))
      .onConflictDoNothing()
    await tx
      .insert(ticketTypes)
      .values(DEMO_TICKET_TYPES.map((t) => ({ ...t, createdAt: now, updatedAt: now })))
      .onConflictDoNothing()
  })
}

/** Everything: the default states and the demo queues and types. */
export async function seedTicketConfig(db: Db, clock: Clock = systemClock): Promise<void> {
  await seedTicketStates(db, clock)
  await seedDemoTicketConfig(db, clock)
}
