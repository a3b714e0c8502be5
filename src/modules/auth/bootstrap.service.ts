import { existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Config } from '../../config.ts'
import type { Db } from '../../db/client.ts'
import type { Deps } from '../../deps.ts'
import { AppError } from '../../lib/errors.ts'
import { createAgent } from '../agents/agents.service.ts'
import * as repo from './auth.repo.ts'
import { randomSecret, safeEqualHex, sha256 } from './tokens.ts'

const SETTING = 'bootstrap_token'
export const bootstrapTokenFile = (dataDir: string) => path.join(dataDir, 'bootstrap-token')

/**
 * The first admin. While no agent exists, the service keeps a one-time token: its hash in the
 * database (shared by every instance) and the token itself in `DATA_DIR/bootstrap-token`.
 * `POST /v1/bootstrap` with it creates the first admin and burns the token.
 * Returns the file path when a token is waiting, undefined once agents exist.
 */
export async function ensureBootstrapToken(deps: { db: Db; config: Pick<Config, 'DATA_DIR'> }, opts: { renew?: boolean } = {}): Promise<string | undefined> {
  if ((await repo.countAgents(deps.db)) > 0) return undefined
  const file = bootstrapTokenFile(deps.config.DATA_DIR)
  const existing = await repo.getSetting(deps.db, SETTING)
  if (existing && existsSync(file) && !opts.renew) return file
  const token = randomSecret(24)
  await repo.putSetting(deps.db, SETTING, { hash: sha256(token) })
  mkdirSync(deps.config.DATA_DIR, { recursive: true })
  writeFileSync(file, `${token}\n`, { mode: 0o600 })
  return file
}

export async function bootstrapFirstAdmin(
  deps: Deps,
  input: { bootstrapToken: string; email: string; name: string; password: string },
) {
  const agent = await deps.db.transaction(async (tx) => {
    // Serialises concurrent bootstrap attempts on the setting row.
    const setting = (await repo.getSettingForUpdate(tx, SETTING)) as { hash?: string } | undefined
    if ((await repo.countAgents(tx)) > 0) {
      throw new AppError('ALREADY_BOOTSTRAPPED', 'agents exist already; log in, or ask an admin for an account')
    }
    if (!setting?.hash) {
      throw new AppError('INVALID_TOKEN', 'no bootstrap token is waiting; restart the service or run `npm run admin -- bootstrap-token`')
    }
    if (!safeEqualHex(setting.hash, sha256(input.bootstrapToken.trim()))) {
      throw new AppError('INVALID_TOKEN', 'the bootstrap token is wrong; it is in the file bootstrap-token of the data directory')
    }
    const created = await createAgent({ ...deps, db: tx }, { ...input, role: 'admin' })
    await repo.deleteSetting(tx, SETTING)
    return created
  })
  try {
    unlinkSync(bootstrapTokenFile(deps.config.DATA_DIR))
  } catch {}
  return agent
}
