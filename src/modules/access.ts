import type { AccessRule } from '../lib/principal.ts'

/**
 * Access rules shared by modules, so a policy is stated once. Writes to the directory are
 * for managers and admins (agents read it); API keys act by scope.
 */
export const DIRECTORY_READ: AccessRule = { scopes: ['directory:read'] }
export const DIRECTORY_WRITE: AccessRule = { roles: ['admin', 'manager'], scopes: ['directory:write'] }
export const ADMIN_ONLY: AccessRule = { roles: ['admin'] }
export const ANY_PRINCIPAL: AccessRule = { scopes: [], contacts: true }
export const JOBS_READ: AccessRule = { roles: ['admin'], scopes: ['jobs:read'] }
