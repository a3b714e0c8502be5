/**
 * Business-time benchmark: 1,000,000 `addBusinessSeconds` due-time computations on a realistic
 * calendar (Europe/Sofia, Mon–Fri 09:00–18:00, 15 holidays), durations 30 min … 10 business days
 * (90 business hours), start instants spread over 2026. Inputs are pre-generated with a seeded PRNG.
 * Baseline: the naive minute-stepping reference, on a small sample in the same process, extrapolated.
 *
 *   npx tsx bench/business-time.ts
 */
import {
  type BusinessCalendarSpec,
  compileCalendar,
  NaiveBusinessCalendar,
} from '../src/lib/business-time/index.ts'
import { mulberry32 } from './_lib.ts'

const N = 1_000_000
const NAIVE_SAMPLE = 100
const ROUNDS = 5

const spec: BusinessCalendarSpec = {
  timeZone: 'Europe/Sofia',
  weekly: ([1, 2, 3, 4, 5] as const).map((day) => ({ day, start: '09:00', end: '18:00' })),
  holidays: [
    '2026-01-01',
    '2026-03-03',
    '2026-04-10',
    '2026-04-13',
    '2026-05-01',
    '2026-05-06',
    '2026-05-25',
    '2026-09-07',
    '2026-09-22',
    '2026-12-24',
    '2026-12-25',
    '2026-12-28',
    '2027-01-01',
    '2027-03-03',
    '2027-04-30',
  ].map((date) => ({ date })),
}

// Typical SLA targets plus uniformly random ones, whole minutes, 30 min .. 90 business hours.
const TYPICAL_MIN = [30, 60, 120, 240, 480, 540, 1080, 1620, 2700, 5400]
const rnd = mulberry32(0xdecaf)
const yearStart = Date.parse('2026-01-01T00:00:00+02:00')
const yearEnd = Date.parse('2027-01-01T00:00:00+02:00')
const starts = new Float64Array(N)
const durations = new Float64Array(N)
for (let i = 0; i < N; i++) {
  starts[i] = yearStart + Math.floor((rnd() * (yearEnd - yearStart)) / 60_000) * 60_000
  const minutes =
    rnd() < 0.5
      ? (TYPICAL_MIN[Math.floor(rnd() * TYPICAL_MIN.length)] as number)
      : 30 + Math.floor(rnd() * (5400 - 30 + 1))
  durations[i] = minutes * 60
}

const cal = compileCalendar(spec)
// Warm the caches and the JIT (the service compiles a calendar once and reuses it).
let checksum = 0
for (let i = 0; i < N; i++) checksum += (cal.addBusinessSeconds(starts[i] as number, durations[i] as number) / 60_000) % 997

const rates: number[] = []
const due = new Float64Array(N)
for (let r = 0; r < ROUNDS; r++) {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < N; i++) due[i] = cal.addBusinessSeconds(starts[i] as number, durations[i] as number)
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  rates.push(N / secs)
  checksum += (due[r * 7919] as number) / 60_000
}
rates.sort((a, b) => a - b)
const opsPerSec = rates[Math.floor(ROUNDS / 2)] as number

const naive = new NaiveBusinessCalendar(spec)
let mismatches = 0
const n0 = process.hrtime.bigint()
for (let i = 0; i < NAIVE_SAMPLE; i++) {
  const r = naive.addBusinessSeconds(starts[i] as number, durations[i] as number)
  if (r !== due[i]) mismatches++
}
const naiveSecs = Number(process.hrtime.bigint() - n0) / 1e9
const naiveOpsPerSec = NAIVE_SAMPLE / naiveSecs
const ratio = opsPerSec / naiveOpsPerSec

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US')
console.log(`calendar: ${spec.timeZone}, Mon-Fri 09:00-18:00, ${spec.holidays?.length} holidays`)
console.log(`fast : ${fmt(opsPerSec)} ops/s (median of ${ROUNDS} rounds x ${fmt(N)}; rounds ${rates.map(fmt).join(', ')})`)
console.log(`naive: ${naiveOpsPerSec.toFixed(1)} ops/s (${NAIVE_SAMPLE} computations in ${naiveSecs.toFixed(2)} s, extrapolated)`)
console.log(`agreement on the naive sample: ${NAIVE_SAMPLE - mismatches}/${NAIVE_SAMPLE} (checksum ${checksum})`)
console.log(`ratio: ${ratio.toFixed(0)}x`)
if (mismatches > 0) process.exitCode = 1
console.log(
  `RESULT business-time ops_per_sec=${Math.round(opsPerSec)} naive_ops_per_sec=${naiveOpsPerSec.toFixed(1)} ratio=${ratio.toFixed(0)}`,
)
