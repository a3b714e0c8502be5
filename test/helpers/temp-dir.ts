import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * A new directory under the system's temporary directory, removed when the test ends. Make it
 * before anything that writes into it is started: tap runs teardowns last registered first, so
 * the apps and processes stopped by later teardowns are gone before the directory is removed.
 */
export function tempDir(t: { teardown(fn: () => void): void }, prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }))
  return dir
}
