import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { eq, inArray } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { blobs } from '../../db/schema/index.ts'

export const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/**
 * Where file bodies live, behind one small interface. `put` takes the caller's transaction:
 * with the PostgreSQL store the bytes commit or roll back with the message that references
 * them, so nothing is ever half-stored, and every instance sees them. The file-system store
 * writes the file first (atomically, by rename) and records it in the same transaction; a
 * rolled-back transaction can leave an unreferenced file, never a reference without a file.
 */
export interface BlobStore {
  readonly kind: 'postgres' | 'filesystem'
  put(tx: Db, bytes: Buffer): Promise<{ hash: string; size: number }>
  /**
   * `put` for a caller that writes the row with its own statement (mail intake's claim): bytes kept
   * outside the database are written now, and `row` must be inserted (on conflict do nothing) in
   * the transaction that references it.
   */
  stage(bytes: Buffer): Promise<StagedBlob>
  get(db: Db, hash: string): Promise<Buffer | undefined>
  /** After the commit that deleted their rows: drops bytes kept outside the database (nothing to do for PostgreSQL). */
  discard(db: Db, hashes: readonly string[]): Promise<void>
}

export interface StagedBlob {
  hash: string
  size: number
  row: typeof blobs.$inferInsert
}

async function putStaged(tx: Db, staged: StagedBlob) {
  await tx.insert(blobs).values(staged.row).onConflictDoNothing()
  return { hash: staged.hash, size: staged.size }
}

export function postgresBlobStore(): BlobStore {
  const stage = async (bytes: Buffer): Promise<StagedBlob> => {
    const hash = sha256Hex(bytes)
    return { hash, size: bytes.length, row: { hash, size: bytes.length, storage: 'postgres', content: bytes } }
  }
  return {
    kind: 'postgres',
    stage,
    put: async (tx, bytes) => putStaged(tx, await stage(bytes)),
    async get(db, hash) {
      const [row] = await db.select({ content: blobs.content }).from(blobs).where(eq(blobs.hash, hash))
      return row?.content ?? undefined
    },
    // The bytes were in the deleted rows.
    discard: async () => {},
  }
}

export function fileSystemBlobStore(dir: string): BlobStore {
  const fileOf = (hash: string) => path.join(dir, hash.slice(0, 2), hash.slice(2, 4), hash)
  const stage = async (bytes: Buffer): Promise<StagedBlob> => {
    const hash = sha256Hex(bytes)
    const file = fileOf(hash)
    const exists = await stat(file).then(
      (s) => s.size === bytes.length,
      () => false,
    )
    if (!exists) {
      await mkdir(path.dirname(file), { recursive: true })
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
      await writeFile(tmp, bytes, { flush: true })
      await rename(tmp, file)
    }
    return { hash, size: bytes.length, row: { hash, size: bytes.length, storage: 'filesystem', content: null } }
  }
  return {
    kind: 'filesystem',
    stage,
    put: async (tx, bytes) => putStaged(tx, await stage(bytes)),
    async get(db, hash) {
      const [row] = await db.select({ storage: blobs.storage, content: blobs.content }).from(blobs).where(eq(blobs.hash, hash))
      if (!row) return undefined
      if (row.content) return row.content
      return readFile(fileOf(hash)).catch(() => undefined)
    },
    async discard(db, hashes) {
      if (!hashes.length) return
      // The same bytes stored again since the delete committed have their row back: keep those files.
      const back = new Set((await db.select({ hash: blobs.hash }).from(blobs).where(inArray(blobs.hash, [...hashes]))).map((r) => r.hash))
      for (const hash of hashes) if (!back.has(hash)) await rm(fileOf(hash), { force: true })
    },
  }
}

export function blobStoreFor(config: { BLOB_STORE: 'postgres' | 'filesystem'; BLOB_DIR?: string; DATA_DIR: string }): BlobStore {
  return config.BLOB_STORE === 'filesystem' ? fileSystemBlobStore(config.BLOB_DIR ?? path.join(config.DATA_DIR, 'blobs')) : postgresBlobStore()
}
