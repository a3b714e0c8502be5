import type { FastifyBaseLogger } from 'fastify'
import type { Config } from './config.ts'
import type { Db } from './db/client.ts'
import type { Clock } from './lib/clock.ts'

/** What services, routes and jobs need from the outside world; passed explicitly, never global. */
export interface Deps {
  db: Db
  config: Config
  clock: Clock
  log: FastifyBaseLogger
}
