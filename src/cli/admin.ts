import { parseArgs } from 'node:util'
import { ConfigError, loadConfig, loadDotEnv } from '../config.ts'
import { type Database, DataDirInUseError, openDatabase } from '../db/client.ts'
import { runMigrations } from '../db/migrate.ts'
import { AGENT_ROLES, type AgentRole } from '../db/schema/agents.ts'
import { systemClock } from '../lib/clock.ts'
import { sqlState } from '../lib/errors.ts'
import { listAgents } from '../modules/agents/agents.repo.ts'
import { createAgent } from '../modules/agents/agents.service.ts'
import { ensureBootstrapToken } from '../modules/auth/bootstrap.service.ts'
import { randomSecret } from '../modules/auth/tokens.ts'
import { reindexSearch } from '../modules/tickets/search.service.ts'

/**
 * Administration from a shell on the server: agents, for when no admin can log in, and the search index:
 *   npm run admin -- create --email E --name N [--role admin|manager|agent] [--password P]
 *   npm run admin -- bootstrap-token
 *   npm run admin -- list
 *   npm run admin -- reindex-search
 * Exit codes: 0 done, 1 failed, 2 usage error.
 */
const USAGE = `usage: npm run admin -- <command> [options]

commands:
  create --email E --name N [--role admin|manager|agent] [--password P]
      create an agent (role admin by default); without --password a strong one is generated and printed
  bootstrap-token
      while no agent exists, write a fresh one-time token for POST /v1/bootstrap and print its file
  list
      list agents
  reindex-search
      rebuild every ticket's search document from its subject and public messages, after an upgrade
      that changes how text is folded for search (tickets written before it may not be found until then);
      PostgreSQL: the service may keep running

The database is the service's: DATABASE_URL, or the embedded one in DATA_DIR (stop the service first).`

class UsageError extends Error {}

const MIN_PASSWORD = 12

async function withDatabase<T>(fn: (database: Database, config: ReturnType<typeof loadConfig>) => Promise<T>): Promise<T> {
  const config = loadConfig()
  const database = await openDatabase(config)
  try {
    await runMigrations(database)
    return await fn(database, config)
  } finally {
    await database.close()
  }
}

async function create(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', default: 'admin' }, password: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  })
  if (!values.email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email)) throw new UsageError('create: --email with a valid address is required')
  if (!values.name?.trim()) throw new UsageError('create: --name is required')
  if (!AGENT_ROLES.includes(values.role as AgentRole)) throw new UsageError(`create: --role must be one of ${AGENT_ROLES.join(', ')}`)
  if (values.password !== undefined && values.password.length < MIN_PASSWORD) {
    throw new UsageError(`create: --password must have at least ${MIN_PASSWORD} characters`)
  }
  const generated = values.password === undefined
  const password = values.password ?? randomSecret(18)
  const agent = await withDatabase((database) =>
    createAgent({ db: database.db, clock: systemClock }, { email: values.email!, name: values.name!, role: values.role as AgentRole, password }),
  )
  console.log(`created ${agent.role} ${agent.email} (id ${agent.id})`)
  if (generated) console.log(`password: ${password}\n(shown once; the agent should change it after logging in)`)
}

async function bootstrapToken(args: string[]): Promise<void> {
  parseArgs({ args, options: {}, strict: true, allowPositionals: false })
  const file = await withDatabase((database, config) => ensureBootstrapToken({ db: database.db, config }, { renew: true }))
  if (!file) throw new Error('agents exist already: a bootstrap token is only for the first admin; use `create` instead')
  console.log(`a fresh one-time bootstrap token is in ${file}`)
  console.log('send it to POST /v1/bootstrap with the first admin\'s email, name and password; any older token no longer works')
}

async function list(args: string[]): Promise<void> {
  parseArgs({ args, options: {}, strict: true, allowPositionals: false })
  const rows = await withDatabase(async (database) => {
    const out: Array<{ id: string; email: string; name: string; role: string; active: boolean }> = []
    let cursor: string | undefined
    do {
      const page = await listAgents(database.db, { limit: 200, ...(cursor ? { cursor } : {}) }, (r) => r)
      out.push(...page.data)
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    return out
  })
  if (!rows.length) {
    console.log('no agents yet (see `bootstrap-token` or `create`)')
    return
  }
  for (const r of rows) console.log([r.id, r.role.padEnd(7), r.active ? 'active  ' : 'disabled', r.email, r.name].join('  '))
}

async function reindex(args: string[]): Promise<void> {
  parseArgs({ args, options: {}, strict: true, allowPositionals: false })
  const done = await withDatabase((database) => reindexSearch(database.db))
  console.log(`${done.rewritten} of ${done.tickets} search documents rebuilt`)
}

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = { create, 'bootstrap-token': bootstrapToken, list, 'reindex-search': reindex }

/** A failure in words, without echoing query parameters (drizzle's messages carry them: password hashes). */
function describe(e: unknown): string {
  if (e instanceof ConfigError || e instanceof DataDirInUseError) return e.message
  const state = sqlState(e)
  if (state?.code === '23505' && state.constraint === 'agents_email_key') return 'an agent with this email already exists'
  if (state) return `the database refused the change (SQLSTATE ${state.code}${state.constraint ? `, ${state.constraint}` : ''})`
  return (e as Error).message
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE)
    return 0
  }
  const run = command ? COMMANDS[command] : undefined
  try {
    if (!run) throw new UsageError(command ? `unknown command "${command}"` : 'a command is required')
    loadDotEnv()
    await run(rest)
    return 0
  } catch (e) {
    // parseArgs signals unknown or malformed options with ERR_PARSE_ARGS_* codes.
    const parseError = String((e as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS')
    if (e instanceof UsageError || parseError) {
      console.error(`deskledger admin: ${(e as Error).message}\n\n${USAGE}`)
      return 2
    }
    console.error(`deskledger admin: ${describe(e)}`)
    return 1
  }
}

process.exitCode = await main(process.argv.slice(2))
