import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const srv = createServer()
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  const port = (srv.address() as { port: number }).port
  srv.close()
  await once(srv, 'close')
  return port
}

export interface Proc {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
}

/** Starts the real service entry (src/server.ts) as its own process. */
export function startServer(env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (d) => {
    out += d
  })
  child.stderr?.on('data', (d) => {
    out += d
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => out, exited }
}

/** Waits until the process has written a line matching `re` (log lines are written in batches, at least once a second). */
export async function waitForOutput(proc: Proc, re: RegExp, timeoutMs = 10_000): Promise<string> {
  const until = Date.now() + timeoutMs
  while (!re.test(proc.output())) {
    if (Date.now() > until) throw new Error(`no output matching ${re} in ${timeoutMs} ms; got:\n${proc.output()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return proc.output()
}

export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<Response> {
  const until = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < until) {
    try {
      return await fetch(url)
    } catch (e) {
      last = e
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  throw new Error(`no answer from ${url}: ${String(last)}`)
}
