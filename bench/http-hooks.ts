/**
 * Global-hook overhead: `GET /v1/auth/me` (no database work once the auth cache is warm, but
 * every global hook: request id, authentication, authorization, idempotency, logging, problem
 * details, response serialisation) against a bare Fastify hello-world, both in child processes,
 * loaded by autocannon at 16 connections in the same run. Target: ≥ 60 % of hello-world.
 *
 *   npm run bench -- http-hooks [seconds]
 */
import { fmt, httpLoad, printResult, startChildServer } from './_lib.ts'

const seconds = Number(process.argv[2] ?? 10)
const connections = 16

const hello = await startChildServer('hello')
const app = await startChildServer('app')
try {
  const warm = { connections, seconds: 2 }
  await httpLoad({ url: `http://127.0.0.1:${hello.info.port}/hello`, ...warm })
  await httpLoad({ url: `http://127.0.0.1:${app.info.port}/v1/auth/me`, headers: { authorization: `Bearer ${app.info.token}` }, ...warm })
  const base = await httpLoad({ url: `http://127.0.0.1:${hello.info.port}/hello`, connections, seconds })
  const real = await httpLoad({
    url: `http://127.0.0.1:${app.info.port}/v1/auth/me`,
    headers: { authorization: `Bearer ${app.info.token}` },
    connections,
    seconds,
  })
  if (real.non2xx || real.errors) throw new Error(`the app answered ${real.non2xx} non-2xx and ${real.errors} errors`)
  console.log(`hello-world      ${fmt(base.rps, 0)} req/s  p50 ${base.p50} ms  p99 ${base.p99} ms`)
  console.log(`app (all hooks)  ${fmt(real.rps, 0)} req/s  p50 ${real.p50} ms  p99 ${real.p99} ms`)
  printResult('http-hooks', { app_rps: Math.round(real.rps), hello_rps: Math.round(base.rps), app_p99_ms: real.p99, ratio: real.rps / base.rps })
} finally {
  await hello.stop()
  await app.stop()
}
