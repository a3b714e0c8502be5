import { eq, sql } from 'drizzle-orm'
import type { Deps } from '../deps.ts'
import type { Db } from './client.ts'
import { contactEmails, contacts, organizations, plans } from './schema/index.ts'

/**
 * Demo data: the four support tiers of seed 004 (a CRM integrator) as plans, and one
 * customer with an authorized contact, so a fresh installation has something to try.
 * Idempotent by name: rows that exist are left as they are (an operator may have edited them).
 */
const TIERS: Array<typeof plans.$inferInsert> = [
  {
    name: 'Stream',
    description: 'Shared queue, no guaranteed engagement',
    firstResponseTarget: { value: 7, unit: 'business_days' },
    serviceScope: 'recommendations only',
    pricePerSlotMinor: null,
    currency: null,
    slotsPerMonth: null,
    minimumTermMonths: 0,
    allowedChannels: ['email', 'web', 'api'],
  },
  {
    name: 'Basic',
    firstResponseTarget: { value: 2, unit: 'business_days' },
    serviceScope: 'find and fix',
    pricePerSlotMinor: 2000,
    currency: 'USD',
    slotsPerMonth: 5,
    minimumTermMonths: 3,
    allowedChannels: ['email', 'web', 'api'],
  },
  {
    name: 'Premium',
    firstResponseTarget: { value: 4, unit: 'business_hours' },
    serviceScope: 'find and fix',
    pricePerSlotMinor: 7000,
    currency: 'USD',
    slotsPerMonth: 5,
    minimumTermMonths: 3,
    allowedChannels: ['email', 'web', 'api', 'messenger'],
  },
  {
    name: 'VIP',
    // "До 2х часов" — two hours, not business hours.
    firstResponseTarget: { value: 120, unit: 'calendar_minutes' },
    serviceScope: 'find and fix',
    pricePerSlotMinor: 20_000,
    currency: 'USD',
    slotsPerMonth: 5,
    minimumTermMonths: 3,
    allowedChannels: ['email', 'web', 'api', 'messenger'],
  },
]

export const DEMO_ORGANIZATION = 'Demo Customer Ltd'
export const DEMO_CONTACT_EMAIL = 'support.lead@demo-customer.example'

async function ensureContact(tx: Db, organizationId: string, now: Date) {
  const existing = await tx.select().from(contactEmails).where(eq(contactEmails.email, DEMO_CONTACT_EMAIL)).limit(1)
  if (existing[0]) return existing[0].contactId
  const [contact] = await tx
    .insert(contacts)
    .values({ organizationId, name: 'Maria Ivanova', phones: ['+359 2 000 0000'], authorized: true, channels: [], createdAt: now, updatedAt: now })
    .returning()
  await tx.insert(contactEmails).values({ email: DEMO_CONTACT_EMAIL, contactId: contact!.id })
  return contact!.id
}

export async function seedDemo(deps: Pick<Deps, 'db' | 'clock'>): Promise<{ planIds: string[]; organizationId: string; contactId: string }> {
  const now = deps.clock.now()
  return deps.db.transaction(async (tx) => {
    await tx
      .insert(plans)
      .values(TIERS.map((p) => ({ ...p, createdAt: now, updatedAt: now })))
      .onConflictDoNothing()
    const planIds: string[] = []
    for (const p of TIERS) {
      const [row] = await tx.select({ id: plans.id }).from(plans).where(sql`lower(${plans.name}) = lower(${p.name})`)
      planIds.push(row!.id)
    }
    await tx
      .insert(organizations)
      .values({ name: DEMO_ORGANIZATION, emailDomains: ['demo-customer.example'], defaultLocale: 'en', timeZone: 'Europe/Sofia', createdAt: now, updatedAt: now })
      .onConflictDoNothing()
    const [org] = await tx.select({ id: organizations.id }).from(organizations).where(sql`lower(${organizations.name}) = lower(${DEMO_ORGANIZATION})`)
    const contactId = await ensureContact(tx, org!.id, now)
    return { planIds, organizationId: org!.id, contactId }
  })
}
