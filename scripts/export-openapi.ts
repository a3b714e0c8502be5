// Writes openapi/openapi.json from the route schemas, with no database: buildApp only
// registers routes, and the handlers that would touch the database never run here.
import { mkdirSync, writeFileSync } from 'node:fs'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import type { Db } from '../src/db/client.ts'
import { systemClock } from '../src/lib/clock.ts'

const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), jwtSecrets: ['x'.repeat(32)] }
const noDatabase = new Proxy({}, { get: () => { throw new Error('the OpenAPI export touches no database') } }) as Db
const app = await buildApp({ deps: { db: noDatabase, config, clock: systemClock } })
await app.ready()
const doc = app.swagger()
mkdirSync('openapi', { recursive: true })
const out = process.argv[2] ?? 'openapi/openapi.json'
writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`)
await app.close()
console.log(`wrote ${out}`)
