import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { expectedMigrationCount } from '../../src/db/migrate.ts'

const base = process.env.TEST_DATABASE_URL

t.test('several instances migrating one empty database at once apply each migration once', { skip: base ? false : 'needs TEST_DATABASE_URL (PostgreSQL)' }, async (t) => {
  const admin = new pg.Client({ connectionString: base })
  await admin.connect()
  const name = `dl_t_mig_${randomBytes(4).toString('hex')}`
  await admin.query(`create database "${name}"`)
  t.teardown(async () => {
    await admin.query(`drop database if exists "${name}" with (force)`)
    await admin.end()
  })
  const url = new URL(base!)
  url.pathname = `/${name}`
  const run = () =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/db/migrate-cli.ts'], {
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: url.toString(), JWT_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent' },
      })
      let out = ''
      child.stdout.on('data', (d) => {
        out += d
      })
      child.stderr.on('data', (d) => {
        out += d
      })
      child.on('exit', (code) => resolve({ code, out }))
    })
  const results = await Promise.all([run(), run(), run()])
  for (const r of results) t.equal(r.code, 0, r.out)
  const db = new pg.Client({ connectionString: url.toString() })
  await db.connect()
  const { rows } = await db.query('select count(*)::int as n from drizzle.__drizzle_migrations')
  await db.end()
  t.equal(rows[0].n, expectedMigrationCount())
})
