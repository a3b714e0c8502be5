// test-scope: no-database
import { spawnSync } from 'node:child_process'
import { Writable } from 'node:stream'
import t from 'tap'
import { BatchedDestination, createLogger, LOG_BATCH_CHARS } from '../../src/logger.ts'

/** Log lines are batched in memory (src/logger.ts): none may be lost or reordered, however the process ends. */
t.test('batched log destination', async (t) => {
  t.test('lines arrive whole and in order, in batches', async (t) => {
    const writes: string[] = []
    const inner = new Writable({
      write(chunk, _enc, cb) {
        writes.push(chunk.toString())
        cb()
      },
    })
    const dest = new BatchedDestination(inner as never)
    const log = createLogger('info', dest)
    const n = 500
    for (let i = 0; i < n; i++) log.info({ i }, 'line')
    t.ok(writes.length > 0 && writes.length < n / 10, `${writes.length} writes for ${n} lines`)
    t.ok(writes.every((w) => w.length >= LOG_BATCH_CHARS), 'every write so far is a full batch')
    dest.flushSync()
    const lines = writes.join('').split('\n').filter(Boolean)
    t.same(
      lines.map((l) => JSON.parse(l).i),
      Array.from({ length: n }, (_, i) => i),
    )
  })

  const script = (ending: string) => `
    import { createLogger } from ${JSON.stringify(new URL('../../src/logger.ts', import.meta.url).pathname)}
    const log = createLogger('info')
    for (let i = 0; i < 3; i++) log.info({ i }, 'before the end')
    ${ending}
  `
  for (const [name, ending, code] of [
    ['the event loop empties', '', 0],
    ['process.exit()', 'process.exit(3)', 3],
    ['an uncaught error', "setTimeout(() => { throw new Error('boom') }, 5)", 1],
    ['a timer a second later', "setTimeout(() => log.info({ i: 3 }, 'late'), 1200)", 0],
  ] as const) {
    t.test(`pending lines are written when ${name}`, async (t) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(ending)], { encoding: 'utf8', timeout: 20_000 })
      t.equal(r.status, code)
      const lines = r.stdout.split('\n').filter((l) => l.startsWith('{'))
      const want = name === 'a timer a second later' ? [0, 1, 2, 3] : [0, 1, 2]
      t.same(
        lines.map((l) => JSON.parse(l).i),
        want,
        r.stderr,
      )
    })
  }
})
