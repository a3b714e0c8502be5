import { open } from 'node:fs/promises'
import pino from 'pino'
import { buildApp } from '/work/main/src/app.ts'
import { loadConfig } from '/work/main/src/config.ts'
import { openPglite } from '/work/main/src/db/client.ts'
import { runMigrations } from '/work/main/src/db/migrate.ts'
import { systemClock } from '/work/main/src/lib/clock.ts'
import { createAgent } from '/work/main/src/modules/agents/agents.service.ts'
const database = await openPglite(undefined)
await runMigrations(database)
const config = { ...loadConfig({ LOG_LEVEL: 'info' }), jwtSecrets: ['bench-secret-that-is-long-enough-0123456789abcdef'] }
const devNull = await open('/dev/null', 'w')
const level = process.env.LVL ?? 'info'
const logger = pino({ level }, pino.destination({ fd: devNull.fd, sync: false }))
const app = await buildApp({ deps: { db: database.db, config, clock: systemClock }, logger })
await createAgent({ db: database.db, clock: systemClock }, { name: 'A', email: 'a@x.test', role: 'admin', password: 'bench password 123' })
await app.ready()
const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'a@x.test', password: 'bench password 123' } })
const token = login.json().accessToken
const h = { authorization: `Bearer ${token}` }
for (let i = 0; i < 2000; i++) await app.inject({ method: 'GET', url: '/v1/auth/me', headers: h })
let t0 = performance.now()
for (let i = 0; i < 10000; i++) await app.inject({ method: 'GET', url: '/v1/auth/me', headers: h })
console.log('me', ((performance.now() - t0) / 10000 * 1000).toFixed(1), 'us/req')
t0 = performance.now()
for (let i = 0; i < 10000; i++) await app.inject({ method: 'GET', url: '/health' })
console.log('health', ((performance.now() - t0) / 10000 * 1000).toFixed(1), 'us/req')
await app.close(); await database.close()
