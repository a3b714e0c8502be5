import { sql } from 'drizzle-orm'
import { boolean, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id, timestamps, version } from './_columns.ts'

export interface BillingContact {
  name: string
  email: string
}

export const organizations = pgTable(
  'organizations',
  {
    id: id(),
    name: text().notNull(),
    taxId: text(),
    emailDomains: text().array().notNull().default(sql`'{}'::text[]`),
    defaultLocale: text().notNull(),
    timeZone: text().notNull(),
    billingContacts: jsonb().$type<BillingContact[]>().notNull().default(sql`'[]'::jsonb`),
    notes: text(),
    active: boolean().notNull().default(true),
    version: version(),
    ...timestamps,
  },
  (t) => [
    // Duplicate customers are a data-entry error; names compare case-insensitively.
    uniqueIndex('organizations_name_key').on(sql`lower(${t.name})`),
    uniqueIndex('organizations_tax_id_key').on(t.taxId),
    // Lookup of an organization by a sender's mail domain (mail intake, contact suggestions).
    index('organizations_email_domains_idx').using('gin', t.emailDomains),
  ],
)

export const sites = pgTable(
  'sites',
  {
    id: id(),
    organizationId: uuid()
      .notNull()
      .references(() => organizations.id),
    name: text().notNull(),
    address: text(),
    city: text(),
    country: text(),
    timeZone: text(),
    active: boolean().notNull().default(true),
    version: version(),
    ...timestamps,
  },
  (t) => [
    // One name per location within an organization, compared case-insensitively.
    uniqueIndex('sites_organization_name_key').on(t.organizationId, sql`lower(${t.name})`),
    // Listing an organization's sites in keyset order.
    index('sites_organization_idx').on(t.organizationId, t.id),
  ],
)

export const equipment = pgTable(
  'equipment',
  {
    id: id(),
    organizationId: uuid()
      .notNull()
      .references(() => organizations.id),
    siteId: uuid().references(() => sites.id),
    name: text().notNull(),
    kind: text().notNull(),
    serialNumber: text(),
    notes: text(),
    active: boolean().notNull().default(true),
    version: version(),
    ...timestamps,
  },
  (t) => [
    // A serial number identifies one asset of an organization.
    uniqueIndex('equipment_organization_serial_key').on(t.organizationId, t.serialNumber),
    // Listing an organization's assets in keyset order.
    index('equipment_organization_idx').on(t.organizationId, t.id),
    // Listing a site's assets in keyset order; also the foreign-key check when a site is deleted.
    index('equipment_site_idx').on(t.siteId, t.id),
  ],
)

export const CHANNELS = ['email', 'web', 'api', 'phone', 'chat', 'messenger', 'on-site'] as const
export type Channel = (typeof CHANNELS)[number]

export const contacts = pgTable(
  'contacts',
  {
    id: id(),
    organizationId: uuid()
      .notNull()
      .references(() => organizations.id),
    name: text().notNull(),
    phones: text().array().notNull().default(sql`'{}'::text[]`),
    locale: text(),
    timeZone: text(),
    authorized: boolean().notNull().default(false),
    channels: text().array().$type<Channel[]>().notNull().default(sql`'{}'::text[]`),
    receivesStatements: boolean().notNull().default(false),
    active: boolean().notNull().default(true),
    version: version(),
    ...timestamps,
  },
  (t) => [
    // Listing an organization's contacts in keyset order.
    index('contacts_organization_idx').on(t.organizationId, t.id),
    check('contacts_channels_check', sql`${t.channels} <@ array[${sql.raw(CHANNELS.map((c) => `'${c}'`).join(', '))}]::text[]`),
  ],
)

/**
 * A contact's addresses, one row each, so that "an address belongs to at most one contact"
 * is a unique index, and mail intake resolves a sender with one index lookup.
 * Stored lower-cased (the local part is case-insensitive in practice everywhere we meet it).
 */
export const contactEmails = pgTable(
  'contact_emails',
  {
    email: text().notNull(),
    contactId: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    position: integer().notNull().default(0),
    /** Set when mail to the address failed permanently (a bounce of our mail, a 5xx from the relay); kept while the address stays on the contact (PATCH emails updates it in place), gone when it is removed. */
    undeliverableAt: timestamp({ withTimezone: true, mode: 'date' }),
    undeliverableReason: text(),
  },
  (t) => [
    primaryKey({ columns: [t.email] }),
    index('contact_emails_contact_idx').on(t.contactId),
    check('contact_emails_lower', sql`${t.email} = lower(${t.email})`),
  ],
)
