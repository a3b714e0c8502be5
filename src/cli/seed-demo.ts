import { loadConfig, loadDotEnv } from '../config.ts'
import { openDatabase } from '../db/client.ts'
import { runMigrations } from '../db/migrate.ts'
import { seedDemo } from '../db/seed-demo.ts'
import { systemClock } from '../lib/clock.ts'

// `npm run seed:demo`: migrate, then insert the demo plans and customer (safe to run again).
loadDotEnv()
const database = await openDatabase(loadConfig())
try {
  await runMigrations(database)
  const out = await seedDemo({ db: database.db, clock: systemClock })
  console.log(`demo data in place (${database.kind}): ${out.planIds.length} plans, organization ${out.organizationId}, contact ${out.contactId}`)
} finally {
  await database.close()
}
