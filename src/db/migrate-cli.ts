import { loadConfig, loadDotEnv } from '../config.ts'
import { openDatabase } from './client.ts'
import { runMigrations } from './migrate.ts'

loadDotEnv()
const cfg = loadConfig()
const database = await openDatabase(cfg)
try {
  await runMigrations(database)
  console.log(`migrations applied (${database.kind})`)
} finally {
  await database.close()
}
