import { forgetConfig } from '../../src/lib/config-cache.ts'
import { eq } from 'drizzle-orm'
import {
  businessCalendars,
  contracts,
  outbox,
  queues,
  slaPolicies,
  teamMembers,
  teams,
  ticketEvents,
  ticketStates,
} from '../../src/db/schema/index.ts'
import type { Priority } from '../../src/db/schema/ticket-config.ts'
import { seedTicketStates } from '../../src/db/seed-defaults.ts'
import type { PolicyTargets, WarningThreshold } from '../../src/lib/sla-due-times.ts'
import { intakeTicket } from '../../src/modules/tickets/intake.service.ts'
import { updateTicket } from '../../src/modules/tickets/tickets.service.ts'
import type { UpdateTicket } from '../../src/modules/tickets/tickets.schemas.ts'
import type { TestContext } from './build-test-app.ts'
import { makeAgent, makeContact, makeOrganization } from './factories.ts'

type Ctx = Pick<TestContext, 'deps'>
let seq = 0
const unique = (prefix: string) => `${prefix} ${process.pid}-${Date.now()}-${++seq}`

/** Sofia office hours, Monday to Friday 09:00–18:00, with 3 March (Liberation Day) off. */
export async function makeSofiaCalendar(ctx: Ctx) {
  const now = ctx.deps.clock.now()
  const [cal] = await ctx.deps.db
    .insert(businessCalendars)
    .values({
      name: unique('Sofia office'),
      timeZone: 'Europe/Sofia',
      weekly: ([1, 2, 3, 4, 5] as const).map((day) => ({ day, start: '09:00', end: '18:00' })),
      holidays: [{ date: '2026-03-03', name: 'Liberation Day' }],
      createdAt: now,
      updatedAt: now,
    })
    .returning()
  return cal!
}

/**
 * A service desk to run jobs against: default states, a team of two agents (skills given), a
 * queue routed to it, one organization with a requester and an active contract with a
 * responsible manager, and an SLA policy for that organization on the Sofia calendar.
 */
export async function makeDesk(
  ctx: Ctx,
  clock: { set(at: Date | string): void },
  opts: { targets?: PolicyTargets; warning?: WarningThreshold | null; notifyCustomer?: boolean; queue?: Partial<typeof queues.$inferInsert> } = {},
) {
  const { db } = ctx.deps
  const now = ctx.deps.clock.now()
  await seedTicketStates(db)
  const cal = await makeSofiaCalendar(ctx)
  const targets: PolicyTargets = opts.targets ?? {
    normal: { firstResponse: { value: 1, unit: 'business_hours' }, resolution: { value: 16, unit: 'business_hours' } },
    high: { firstResponse: { value: 4, unit: 'business_hours' } },
    urgent: { firstResponse: { value: 30, unit: 'business_minutes' } },
  }
  const [team] = await db.insert(teams).values({ name: unique('Team'), createdAt: now, updatedAt: now }).returning()
  const ana = await makeAgent(ctx, { skills: ['sql', 'payroll'] })
  const boris = await makeAgent(ctx, { skills: ['sql'] })
  await db.insert(teamMembers).values([ana, boris].map((a) => ({ teamId: team!.id, agentId: a.id })))
  const manager = await makeAgent(ctx, { role: 'manager' })
  const [queue] = await db
    .insert(queues)
    .values({ name: unique('Queue'), defaultTeamId: team!.id, createdAt: now, updatedAt: now, ...opts.queue })
    .returning()
  const org = await makeOrganization(ctx)
  const requester = await makeContact(ctx, org.id)
  // Scoped to the organization, so several desks in one database each get their own policy.
  const [policy] = await db
    .insert(slaPolicies)
    .values({
      name: unique('Policy'),
      calendarId: cal.id,
      targets,
      warning: opts.warning === undefined ? { percent: 50 } : opts.warning,
      conditions: { organizationIds: [org.id] },
      rank: seq,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
  // Inserted behind the API's back: tell the tickets module's policy cache, as the API would.
  forgetConfig()
  const [contract] = await db
    .insert(contracts)
    .values({
      organizationId: org.id,
      number: unique('C').replace(/\s/g, '-'),
      status: 'active',
      startsOn: '2020-01-01',
      serviceMode: 'remote',
      currency: 'EUR',
      hourlyRates: [{ rateMinor: 5000 }],
      allowedChannels: ['email', 'api', 'phone', 'web'],
      responsibleManagerId: manager.id,
      notifyCustomerOnSlaBreach: opts.notifyCustomer ?? false,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
  const states = await db.select().from(ticketStates)
  const stateKey = (key: string) => states.find((s) => s.key === key)!.key

  /** A ticket through the one intake path, created at `at`. */
  const ticket = async (at: string | Date, extra: { priority?: Priority; subject?: string; queueId?: string } = {}) => {
    clock.set(at)
    return intakeTicket(ctx.deps, undefined, {
      channel: 'api',
      requester: { contactId: requester.id },
      subject: extra.subject ?? 'Payroll export fails',
      queueId: extra.queueId ?? queue!.id,
      priority: extra.priority,
      createdBy: { kind: 'system', id: 'test' },
      at: new Date(at),
    })
  }
  const adminPrincipal = { kind: 'agent' as const, id: manager.id, role: 'admin' as const, name: 'Test admin' }
  /** A PATCH as an admin at `at`. */
  const patch = async (id: string, at: string | Date, body: UpdateTicket) => {
    clock.set(at)
    return updateTicket(ctx.deps, adminPrincipal, id, undefined, body)
  }
  const events = (ticketId: string, prefix = '') =>
    db
      .select()
      .from(ticketEvents)
      .where(eq(ticketEvents.ticketId, ticketId))
      .orderBy(ticketEvents.id)
      .then((rows) => rows.filter((r) => r.type.startsWith(prefix)))
  const notifications = (ticketId: string, prefix = '') =>
    db
      .select()
      .from(outbox)
      .where(eq(outbox.subject, `ticket:${ticketId}`))
      .orderBy(outbox.id)
      .then((rows) => rows.map((r) => r.payload).filter((p) => String(p.event).startsWith(prefix)))
  return { cal, policy: policy!, team: team!, ana, boris, manager, queue: queue!, org, requester, contract: contract!, stateKey, ticket, patch, events, notifications }
}
