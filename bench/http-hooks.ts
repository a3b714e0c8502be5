/**
 * Global-hook overhead: `GET /v1/auth/me` (no database work once the auth cache is warm, but
 * every global hook: request id, authentication, authorization, idempotency, logging, problem
 * details, response serialisation) against a bare Fastify hello-world, both in child processes
 * (the app on a PostgreSQL 15 database of its own),
 * loaded by autocannon at 16 connections in the same run. Target: ≥ 60 % of hello-world.
 *
 * Runs `rounds` pairs (hello-world, then the app) and reports the median of the pairs' ratios:
 * on the 2-core machine a single pair's hello-world figure moved by a factor of two between runs.
 *
 *   npm run bench -- http-hooks [seconds=6] [rounds=5]
 */
import { createBenchDatabase } from './_fixtures.ts'
import { cpuPerOp, fmt, httpLoad, median, printResult, startChildServer } from './_lib.ts'

const seconds = Number(process.argv[2] ?? 6)
const rounds = Number(process.argv[3] ?? 5)
const connections = 16

const hello = await startChildServer('hello')
// On PostgreSQL, as all of the benchmarks are (the route reads nothing once the auth cache
// is warm, but on the embedded database the app's process would also host PGlite).
const database = await createBenchDatabase('hooks')
const app = await startChildServer('app', { DATABASE_URL: database.url })
try {
  const warm = { connections, seconds: 2 }
  await httpLoad({ url: `http://127.0.0.1:${hello.info.port}/hello`, ...warm })
  await httpLoad({ url: `http://127.0.0.1:${app.info.port}/v1/auth/me`, headers: { authorization: `Bearer ${app.info.token}` }, ...warm })
  const ratios: number[] = []
  const results: Array<{ base: Awaited<ReturnType<typeof httpLoad>>; real: Awaited<ReturnType<typeof httpLoad>> }> = []
  for (let round = 1; round <= rounds; round++) {
    const { result: base, cpu: baseCpu } = await cpuPerOp(hello.pid, () => httpLoad({ url: `http://127.0.0.1:${hello.info.port}/hello`, connections, seconds }), (r) => r.rps * seconds)
    const { result: real, cpu: realCpu } = await cpuPerOp(
      app.pid,
      () => httpLoad({ url: `http://127.0.0.1:${app.info.port}/v1/auth/me`, headers: { authorization: `Bearer ${app.info.token}` }, connections, seconds }),
      (r) => r.rps * seconds,
    )
    if (real.non2xx || real.errors) throw new Error(`the app answered ${real.non2xx} non-2xx and ${real.errors} errors`)
    console.log(`round ${round}  hello-world ${fmt(base.rps, 0)} req/s  p50 ${base.p50} ms  p99 ${base.p99} ms | app (all hooks) ${fmt(real.rps, 0)} req/s  p50 ${real.p50} ms  p99 ${real.p99} ms | ratio ${fmt(real.rps / base.rps)}`)
    const us = (ms: number) => fmt(ms * 1000, 0)
    console.log(`round ${round}  CPU µs per request: load ${us(baseCpu.self)} + hello-world ${us(baseCpu.child)} (kernel ${us(baseCpu.childSystem)}); load ${us(realCpu.self)} + app ${us(realCpu.child)} (kernel ${us(realCpu.childSystem)})`)
    ratios.push(real.rps / base.rps)
    results.push({ base, real })
  }
  const ratio = median(ratios)
  const { base, real } = results[ratios.indexOf(ratio)]!
  console.log(`median of ${rounds} rounds: ratio ${fmt(ratio)} (≥ 0.60)`)
  printResult('http-hooks', { app_rps: Math.round(real.rps), hello_rps: Math.round(base.rps), app_p99_ms: real.p99, ratio })
} finally {
  await hello.stop()
  await app.stop()
  await database.drop()
}
