import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'

/**
 * A test worker: one process that runs test files one after another, taking each from a queue
 * that scripts/run-tests.mjs writes and that all workers of the run share. A process costs about
 * 3 s of CPU before its first test (node, tsx, importing the app, compiling PGlite's WebAssembly)
 * and its code runs cold; CI has two cores. Taking files from a shared queue instead of a fixed
 * share keeps every worker busy until the queue is empty.
 *
 * Each file runs as a subtest named after it, with the timeout a process of its own would have.
 * Its top-level `t.test` and hook calls, meant for the process's root, land in that subtest, so
 * its tests run before the next file is even imported: module-level settings such as
 * `process.env.TZ` hold for that file's tests only, and TZ is reset before each file as a fresh
 * process would have it. Files share only what a process holds, loaded modules and their caches;
 * each still opens its own database (test/helpers/database.ts).
 */
export async function runQueue(queueDir: string): Promise<void> {
  const files = JSON.parse(readFileSync(path.join(queueDir, 'files.json'), 'utf8')) as string[]
  const perFileMs = Number(process.env.TAP_TIMEOUT ?? 30) * 1000
  const tz = process.env.TZ
  // What a test file calls on the root `t` at its top level to declare tests and hooks.
  const declaring = ['test', 'todo', 'skip', 'only', 'before', 'beforeEach', 'after', 'afterEach', 'teardown'] as const
  const root = t as unknown as Record<string, unknown>
  for (let i = 0; i < files.length; i++) {
    if (!mark(queueDir, 'claimed', i)) continue
    const file = files[i]!
    // The runner stops a process after one timeout: each file gets a full one, and a little
    // more than the file's own below, so that one reports the file by name and the next runs.
    if (perFileMs > 0) t.setTimeout(perFileMs + 30_000)
    await t.test(file, { timeout: perFileMs }, async (ft) => {
      if (tz === undefined) delete process.env.TZ
      else process.env.TZ = tz
      const sub = ft as unknown as Record<string, (...args: unknown[]) => unknown>
      // Own properties of the root object, which shadow tap's plugin proxy behind it; assigning
      // instead would go through the proxy into tap's plugins, and deleting would not undo that.
      for (const m of declaring) Object.defineProperty(root, m, { value: sub[m]!.bind(ft), configurable: true, writable: true })
      try {
        await import(pathToFileURL(path.resolve(file)).href)
      } finally {
        for (const m of declaring) delete root[m]
      }
    })
    // run-tests.mjs reports any file of the queue that no worker finished (one that crashed).
    mark(queueDir, 'done', i)
  }
}

/** Creates `<queueDir>/<what>/<i>`; false if it exists. mkdir is atomic: one worker takes each file. */
function mark(queueDir: string, what: string, i: number): boolean {
  mkdirSync(path.join(queueDir, what), { recursive: true })
  try {
    mkdirSync(path.join(queueDir, what, String(i)))
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw e
  }
}
