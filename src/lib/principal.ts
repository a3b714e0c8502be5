import type { AgentRole } from '../db/schema/agents.ts'
import { AppError } from './errors.ts'

/**
 * Who is calling. Every route's access rule is checked against one of these three; the
 * customer-facing API (contacts) fits without rework because the check already knows them.
 */
export type Principal =
  | { kind: 'agent'; id: string; role: AgentRole; name: string }
  | { kind: 'apiKey'; id: string; scopes: readonly Scope[]; name: string }
  | { kind: 'contact'; id: string; organizationId: string; name: string }

export const SCOPES = [
  'directory:read',
  'directory:write',
  'contracts:read',
  'contracts:write',
  'tickets:read',
  'tickets:write',
  'billing:read',
  'billing:write',
  'mail:read',
  'mail:write',
  'jobs:read',
] as const
export type Scope = (typeof SCOPES)[number]

/**
 * A route's access rule. Agents pass when their role is listed (all roles when omitted);
 * API keys pass only when they hold every listed scope (never when `scopes` is omitted);
 * contacts pass only where `contacts` is true, and then see only their organization.
 */
export interface AccessRule {
  roles?: readonly AgentRole[]
  scopes?: readonly Scope[]
  /** API keys pass when they hold at least one of these (and every one of `scopes`, if given). */
  anyScope?: readonly Scope[]
  contacts?: boolean
}

export function checkAccess(p: Principal, rule: AccessRule): void {
  switch (p.kind) {
    case 'agent':
      if (rule.roles && !rule.roles.includes(p.role)) {
        throw new AppError('FORBIDDEN', `this operation needs the role ${rule.roles.join(' or ')}; you are ${p.role}`)
      }
      return
    case 'apiKey': {
      if (!rule.scopes && !rule.anyScope) throw new AppError('FORBIDDEN', 'this operation is not available to API keys')
      const missing = (rule.scopes ?? []).filter((s) => !p.scopes.includes(s))
      if (missing.length) throw new AppError('FORBIDDEN', `the API key lacks the scope ${missing.join(', ')}`, { missingScopes: missing })
      if (rule.anyScope && !rule.anyScope.some((s) => p.scopes.includes(s))) {
        throw new AppError('FORBIDDEN', `the API key needs one of the scopes ${rule.anyScope.join(', ')}`, { missingScopes: rule.anyScope })
      }
      return
    }
    case 'contact':
      if (!rule.contacts) throw new AppError('FORBIDDEN', 'this operation is not available to customer contacts')
      return
  }
}

/** The organization a contact is confined to; undefined for agents and API keys (they see all). */
export const organizationScope = (p: Principal): string | undefined => (p.kind === 'contact' ? p.organizationId : undefined)

/** A stable string naming the caller, for idempotency scoping and audit columns. */
export const principalKey = (p: Principal | null | undefined, ip: string): string => (p ? `${p.kind}:${p.id}` : `anon:${ip}`)
