import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'

/** Shared pieces of the benchmarks: child servers, HTTP load, percentiles and the RESULT line. */

export interface ChildServer {
  info: Record<string, string | number>
  pid: number
  stop(): Promise<void>
}

/**
 * Starts `bench/_servers/<name>.ts` in its own process (so load and server do not share a core) and waits for its JSON ready line.
 * With BENCH_CPU_PROF_DIR set, the child writes a V8 CPU profile there when it stops (`--cpu-prof` is not allowed in NODE_OPTIONS);
 * BENCH_NODE_FLAGS adds node options to the child (e.g. `--max-semi-space-size=64`, to compare).
 */
export async function startChildServer(name: string, env: Record<string, string> = {}): Promise<ChildServer> {
  const profDir = process.env.BENCH_CPU_PROF_DIR
  const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)
  const child: ChildProcess = spawn(process.execPath, [...flags, ...prof, '--import', 'tsx', `bench/_servers/${name}.ts`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout! })
  const info = await new Promise<Record<string, string | number>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)))
    lines.on('line', (line) => {
      if (line.startsWith('{"ready"')) resolve(JSON.parse(line))
    })
  })
  return {
    info,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

export interface LoadResult {
  rps: number
  p50: number
  p99: number
  errors: number
  non2xx: number
}

export async function httpLoad(opts: { url: string; connections: number; seconds: number; headers?: Record<string, string>; method?: 'GET' | 'POST'; body?: string }): Promise<LoadResult> {
  const r = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    headers: opts.headers,
    method: opts.method ?? 'GET',
    body: opts.body,
  })
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx }
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]!
}

/** The middle value (the upper of the two middle ones for an even count): what the round-based benchmarks report. */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** Resident set size of a process in MB, from /proc (the benchmarks run on Linux). */
export function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!kb) throw new Error(`no VmRSS for process ${pid}`)
  return Number(kb[1]) / 1024
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; 0 if it has gone. */
function cpuSeconds(pid: number | 'self', which: 'all' | 'system' = 'all'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime, in clock ticks (USER_HZ = 100 on Linux)
    return ((which === 'all' ? Number(fields[11]) : 0) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

function postgresPids(): number[] {
  const pids: number[] = []
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(d))
    } catch {}
  }
  return pids
}

/**
 * Where the CPU went while `work` ran: this process (load generator or bare client), the given
 * child (the app) and every PostgreSQL process, in CPU milliseconds per operation. On a 2-core
 * machine the three share the cores, so a ratio is bounded by the CPU each side spends per operation.
 */
export async function cpuPerOp<T>(childPid: number | undefined, work: () => Promise<T>, ops: (r: T) => number) {
  const pgBefore = new Map(postgresPids().map((p) => [p, cpuSeconds(p)]))
  const before = { self: cpuSeconds('self'), child: childPid ? cpuSeconds(childPid) : 0, childSystem: childPid ? cpuSeconds(childPid, 'system') : 0 }
  const result = await work()
  let pgSeconds = 0
  for (const p of postgresPids()) pgSeconds += cpuSeconds(p) - (pgBefore.get(p) ?? 0)
  const n = Math.max(1, ops(result))
  const per = (s: number) => (s * 1000) / n
  return {
    result,
    cpu: {
      self: per(cpuSeconds('self') - before.self),
      child: childPid ? per(cpuSeconds(childPid) - before.child) : 0,
      childSystem: childPid ? per(cpuSeconds(childPid, 'system') - before.childSystem) : 0,
      postgres: per(pgSeconds),
    },
  }
}

export const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n))

/** The one line every benchmark ends with. */
export function printResult(name: string, metrics: Record<string, number | string>): void {
  const parts = Object.entries(metrics).map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v, Number.isInteger(v) ? 0 : 3) : v}`)
  console.log(`RESULT ${name} ${parts.join(' ')}`)
}

/** mulberry32: a small deterministic generator, so benchmark inputs are the same on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
