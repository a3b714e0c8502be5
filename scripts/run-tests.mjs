// Runs tap and ends with the plain line CI reads (`N passed, N failed`), keeping tap's exit status.
// Extra arguments go to tap (e.g. a single test file).
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

// DESKLEDGER_TEST_SCOPE=database (CI's PostgreSQL pass): only the files that touch the test
// database. Files marked `// test-scope: no-database` (pure code, processes on the embedded
// database) give the same result whatever TEST_DATABASE_URL says; the PGlite pass runs them.
function allTestFiles() {
  return readdirSync('test', { recursive: true })
    .map((f) => path.join('test', String(f)))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
}

// The longest files first, so the run does not end with one of them alone on a core.
const SLOW_FIRST = ['test/server/server.test.ts', 'test/cli/admin.test.ts', 'test/mail/smtp/server.test.ts', 'test/jobs/multi-instance.test.ts', 'test/modules/outbox/outbox.test.ts']
const args = process.argv.slice(2)
if (!args.some((a) => a.endsWith('.ts'))) {
  const files = allTestFiles().filter((f) => process.env.DESKLEDGER_TEST_SCOPE !== 'database' || !readFileSync(f, 'utf8').startsWith('// test-scope: no-database'))
  args.push(...files.filter((f) => SLOW_FIRST.includes(f)).sort((a, b) => SLOW_FIRST.indexOf(a) - SLOW_FIRST.indexOf(b)), ...files.filter((f) => !SLOW_FIRST.includes(f)))
}
const child = spawn('npx', ['tap', ...args], { stdio: ['inherit', 'pipe', 'inherit'] })
let buffered = ''
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk)
  buffered += chunk.toString('utf8')
  const lines = buffered.split('\n')
  buffered = lines.pop() ?? ''
  for (const line of lines) count(line)
})
// tap closes with "# { total: N, pass: N, fail: N, skip: N, todo: N }", counting leaf assertions.
let summary = null
function count(line) {
  const m = /^# \{ total: (\d+), pass: (\d+)(.*)\}/.exec(line)
  if (!m) return
  const rest = m[3] ?? ''
  const num = (k) => Number(new RegExp(`${k}: (\\d+)`).exec(rest)?.[1] ?? 0)
  summary = { pass: Number(m[2]), fail: num('fail'), skip: num('skip') + num('todo') }
}
child.on('close', (code) => {
  if (buffered) count(buffered)
  if (!summary) summary = { pass: 0, fail: 1, skip: 0 }
  if (code && summary.fail === 0) summary.fail = 1
  console.log(`${summary.pass} passed, ${summary.fail} failed${summary.skip ? `, ${summary.skip} skipped` : ''}`)
  process.exit(code ?? 1)
})
