// Runs tap and ends with the plain line CI reads (`N passed, N failed`), keeping tap's exit status.
// Extra arguments go to tap; naming test files or folders runs just those, each file in its own
// process, as tap does, and so does filtering (--grep, --only).
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

// DESKLEDGER_TEST_SCOPE=database (CI's PostgreSQL pass): only the files that touch the test
// database. Files marked `// test-scope: no-database` (pure code, processes on the embedded
// database) give the same result whatever TEST_DATABASE_URL says; the PGlite pass runs them.
function allTestFiles(dir = 'test') {
  return readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
}

function alive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return e.code === 'EPERM'
  }
}

const noDatabase = (f) => readFileSync(f, 'utf8').startsWith('// test-scope: no-database')

// The longest files first (they mostly wait on the processes they start), then the files on the
// test database, larger first, then pure code: the queue ends with short files, so the run does
// not end with one long file alone on a core.
const SLOW_FIRST = ['test/server/server.test.ts', 'test/cli/admin.test.ts', 'test/mail/smtp/server.test.ts', 'test/jobs/multi-instance.test.ts', 'test/modules/outbox/outbox.test.ts']
function queueOrder(files) {
  const rank = (f) => (SLOW_FIRST.includes(f) ? SLOW_FIRST.indexOf(f) - SLOW_FIRST.length : noDatabase(f) ? 1 : 0)
  return files.toSorted((a, b) => rank(a) - rank(b) || statSync(b).size - statSync(a).size || a.localeCompare(b))
}

// tap takes files and globs, not folders.
const isPath = (a) => !a.startsWith('-') && existsSync(a)
const args = process.argv.slice(2).flatMap((a) => (isPath(a) && statSync(a).isDirectory() && allTestFiles(a).length ? allTestFiles(a) : [a]))
// tap's filters (--grep, --only) would apply to the workers' first level, the files' names.
const filtering = process.env.TAP_GREP || process.env.TAP_ONLY === '1' || args.some((a) => /^(-g|-O|--grep|--only)/.test(a))

// The whole suite runs on as many worker processes as tap runs at once (.taprc `jobs`), each
// taking files from one queue (test/helpers/run-files.ts): a process of its own per file cost
// about 3 s of CPU before its first test, on CI's two cores.
let queueDir
let queued = []
if (!args.some(isPath) && !filtering) {
  queued = queueOrder(allTestFiles().filter((f) => process.env.DESKLEDGER_TEST_SCOPE !== 'database' || !noDatabase(f)))
  const jobs = Number(/^jobs:\s*(\d+)/m.exec(readFileSync('.taprc', 'utf8'))?.[1] ?? 1)
  // Per run, in tap's ignored directory: the worker entries import test/helpers from there.
  // A run that was killed leaves its queue behind; the next one clears it.
  const queues = path.join('.tap', 'test-queue')
  for (const pid of existsSync(queues) ? readdirSync(queues) : []) if (!alive(Number(pid))) rmSync(path.join(queues, pid), { recursive: true, force: true })
  queueDir = path.join(queues, String(process.pid))
  mkdirSync(queueDir, { recursive: true })
  writeFileSync(path.join(queueDir, 'files.json'), JSON.stringify(queued))
  for (let w = 1; w <= Math.min(jobs, queued.length); w++) {
    const worker = path.join(queueDir, `worker-${w}.mjs`)
    writeFileSync(worker, "import { runQueue } from '../../../test/helpers/run-files.ts'\nawait runQueue(import.meta.dirname)\n")
    args.push(worker)
  }
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
// A file that fails in a worker is reported one level down, under the worker's name; the closing
// lines name it again where CI's log filter (.ci/run: lines starting with "not ok") sees it.
const failedInWorkers = []
function count(line) {
  const failed = /^ {4}not ok \d+ - (test\/\S+\.test\.ts)/.exec(line)
  if (failed && queueDir) failedInWorkers.push(failed[1])
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
  if (queueDir) {
    // A worker that died (crash, tap's timeout) leaves its file and the queue's rest to the others;
    // a file that no worker finished must not pass for one that ran.
    const unfinished = queued.filter((f, i) => !existsSync(path.join(queueDir, 'done', String(i))) && !failedInWorkers.includes(f))
    for (const f of failedInWorkers) console.log(`not ok - ${f}`)
    for (const f of unfinished) console.log(`not ok - ${f}: no test worker finished it`)
    summary.fail += unfinished.length
    if (unfinished.length && !code) code = 1
    rmSync(queueDir, { recursive: true, force: true })
  }
  console.log(`${summary.pass} passed, ${summary.fail} failed${summary.skip ? `, ${summary.skip} skipped` : ''}`)
  process.exit(code ?? 1)
})
