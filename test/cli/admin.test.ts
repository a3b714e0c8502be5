import { execFile } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import argon2 from 'argon2'
import t from 'tap'
import { lockDataDir, openPglite } from '../../src/db/client.ts'
import { findAgentByEmail } from '../../src/modules/auth/auth.repo.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { tempDir } from '../helpers/temp-dir.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs the CLI as `npm run admin` does (tsx), with only the environment given. */
function admin(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/admin.ts', ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env }, timeout: 240_000 },
      // A run killed by the timeout says so, instead of passing for a silent exit 1.
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr: (err as { killed?: boolean } | null)?.killed ? `killed after the timeout\n${stderr}` : stderr }),
    )
  })
}

// Each run starts tsx and often the embedded database: seconds apiece, so independent
// subtests (each on its own data directory) run side by side.
// The embedded-database runs give the same result in either pass; CI's PostgreSQL pass skips them.
const embeddedSkip = process.env.DESKLEDGER_TEST_SCOPE === 'database' ? 'embedded-database processes run in the PGlite pass' : false
t.test('admin CLI on the embedded database', { jobs: 2, skip: embeddedSkip }, async (t) => {
  const dataDir = tempDir(t, 'deskledger-cli-')
  const env = { DATA_DIR: dataDir }

  t.test('usage errors exit 2 with the usage text', async (t) => {
    const cases = [[], ['create', '--email', 'a@b.co', '--role', 'owner', '--bogus']]
    const runs = await Promise.all(cases.map((args) => admin(args, env)))
    runs.forEach((r, i) => {
      t.equal(r.code, 2, `${cases[i]!.join(' ')} → ${r.stderr}`)
      t.match(r.stderr, /usage: npm run admin -- <command>/)
    })
    t.match(runs[0]!.stderr, /a command is required/)
    t.match(runs[1]!.stderr, /Unknown option '--bogus'/)
  })

  t.test('an empty installation: list, reindex-search, bootstrap-token', async (t) => {
    const dir = tempDir(t, 'deskledger-cli-')
    const empty = await admin(['list'], { DATA_DIR: dir })
    t.equal(empty.code, 0, empty.stderr)
    t.match(empty.stdout, /no agents yet/)
    const reindexed = await admin(['reindex-search'], { DATA_DIR: dir })
    t.equal(reindexed.code, 0, reindexed.stderr)
    t.match(reindexed.stdout, /^0 of 0 search documents rebuilt$/m)

    const file = path.join(dir, 'bootstrap-token')
    writeFileSync(file, 'an older token\n')
    const boot = await admin(['bootstrap-token'], { DATA_DIR: dir })
    t.equal(boot.code, 0, boot.stderr)
    t.ok(boot.stdout.includes(file), 'prints the token file')
    const token = readFileSync(file, 'utf8').trim()
    t.not(token, 'an older token', 'renews the token')
    t.ok(token.length >= 32)
  })

  t.test('create, duplicates, list', async (t) => {
    const created = await admin(['create', '--email', 'Root@Example.test', '--name', 'Root Admin'], env)
    t.notOk(existsSync(path.join(dataDir, 'deskledger.pid')), 'the lock is released after each run')
    t.equal(created.code, 0, created.stderr)
    t.match(created.stdout, /created admin root@example\.test \(id [0-9a-f-]{36}\)/)
    const password = /password: (\S+)/.exec(created.stdout)?.[1]
    t.ok(password && password.length >= 20, 'a strong password is generated and printed')

    const given = await admin(['create', '--email', 'agent@example.test', '--name', 'Desk Agent', '--role', 'agent', '--password', 'a chosen password'], env)
    t.equal(given.code, 0, given.stderr)
    t.notMatch(given.stdout, /password/, 'a given password is not echoed')

    const dup = await admin(['create', '--email', 'ROOT@example.test', '--name', 'Again'], env)
    t.equal(dup.code, 1)
    t.match(dup.stderr, /an agent with this email already exists/)
    t.notMatch(dup.stderr, /argon2|\$argon/, 'no password hash in the error')

    const listed = await admin(['list'], env)
    t.equal(listed.code, 0)
    t.match(listed.stdout, /admin\s+active\s+root@example\.test\s+Root Admin/)
    t.match(listed.stdout, /agent\s+active\s+agent@example\.test\s+Desk Agent/)


    // The printed password is the one stored: verify it against the hash in the data directory.
    const db = await openPglite(dataDir)
    try {
      const row = await findAgentByEmail(db.db, 'root@example.test')
      t.equal(row?.role, 'admin')
      t.ok(await argon2.verify(row!.passwordHash!, password!), 'the printed password logs in')
    } finally {
      await db.close()
    }
  })

  t.test('refuses a data directory another process holds', async (t) => {
    const env = { DATA_DIR: tempDir(t, 'deskledger-cli-') }
    const release = lockDataDir(env.DATA_DIR)
    try {
      const r = await admin(['create', '--email', 'locked@example.test', '--name', 'Locked'], env)
      t.equal(r.code, 1)
      t.match(r.stderr, new RegExp(`data directory .* is in use by another deskledger process \\(pid ${process.pid}\\)`))
    } finally {
      release()
    }
  })

  t.test('configuration errors exit 1', async (t) => {
    const r = await admin(['list'], { ...env, DATABASE_POOL_MAX: 'many' })
    t.equal(r.code, 1)
    t.match(r.stderr, /DATABASE_POOL_MAX/)
  })
})

t.test('admin CLI on PostgreSQL', { skip: process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' }, async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  const env = { DATABASE_URL: database.url!, DATA_DIR: tempDir(t, 'deskledger-cli-pg-') }
  const created = await admin(['create', '--email', 'pg.admin@example.test', '--name', 'PG Admin', '--role', 'manager', '--password', 'a chosen password'], env)
  t.equal(created.code, 0, created.stderr)
  const listed = await admin(['list'], env)
  t.match(listed.stdout, /manager\s+active\s+pg\.admin@example\.test/)
  const row = await findAgentByEmail(database.db, 'pg.admin@example.test')
  t.ok(row && (await argon2.verify(row.passwordHash!, 'a chosen password')))
})
