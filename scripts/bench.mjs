// `npm run bench -- <name> [args…]` runs bench/<name>.ts; with no name, lists what there is.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'

const [name, ...args] = process.argv.slice(2)
const available = readdirSync(new URL('../bench/', import.meta.url))
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
if (!name || !existsSync(new URL(`../bench/${name}.ts`, import.meta.url))) {
  console.error(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}`)
  process.exit(name ? 2 : 0)
}
const r = spawnSync('npx', ['tsx', `bench/${name}.ts`, ...args], { stdio: 'inherit' })
process.exit(r.status ?? 1)
