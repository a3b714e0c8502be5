import type { AccessRule } from '../lib/principal.ts'

/**
 * Access rules shared by modules, so a policy is stated once. Writes to the directory are
 * for managers and admins (agents read it); API keys act by scope.
 */
export const DIRECTORY_READ: AccessRule = { scopes: ['directory:read'] }
export const DIRECTORY_WRITE: AccessRule = { roles: ['admin', 'manager'], scopes: ['directory:write'] }
export const ADMIN_ONLY: AccessRule = { roles: ['admin'] }
export const ANY_PRINCIPAL: AccessRule = { scopes: [], contacts: true }

/** Commercial data (plans, contracts, ledgers): every agent reads it, managers and admins write it. */
export const CONTRACTS_READ: AccessRule = { scopes: ['contracts:read'] }
export const CONTRACTS_WRITE: AccessRule = { roles: ['admin', 'manager'], scopes: ['contracts:write'] }
/** The intake decision serves ticket intake integrations as well as contract tooling. */
export const INTAKE_CHECK: AccessRule = { anyScope: ['tickets:read', 'contracts:read'] }
/** Ticket configuration (queues, types, states, priorities): every agent and `tickets:read` keys read it; admins change it. */
export const TICKETS_READ: AccessRule = { scopes: ['tickets:read'] }
export const CONFIG_WRITE: AccessRule = { roles: ['admin'] }
export const JOBS_READ: AccessRule = { roles: ['admin'], scopes: ['jobs:read'] }
/** Working on tickets is every agent's job; API keys need `tickets:write`. */
export const TICKETS_WRITE: AccessRule = { scopes: ['tickets:write'] }
/** Escalation rules and decisions on proposed escalations: managers and admins (never API keys: a person decides). */
export const ESCALATIONS_WRITE: AccessRule = { roles: ['admin', 'manager'] }
/** Inbound mail and its quarantine: admins, and API keys with the mail scopes. */
export const MAIL_READ: AccessRule = { roles: ['admin'], scopes: ['mail:read'] }
export const MAIL_WRITE: AccessRule = { roles: ['admin'], scopes: ['mail:write'] }
/** Recurring ticket templates: managers and admins write them (a key could otherwise schedule tickets for any customer). */
export const RECURRING_TICKETS_WRITE: AccessRule = { roles: ['admin', 'manager'] }
