import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { eq, inArray } from 'drizzle-orm'
import type { Config } from '../../config.ts'
import type { Db } from '../../db/client.ts'
import { type BlobStorage, blobs } from '../../db/schema/index.ts'
import { BlobStoreUnavailable, createS3Client, type S3Client } from './s3-client.ts'

export const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/**
 * Where file bodies live, behind one small interface. `stage` hands the bytes to the store and
 * `recordBlobs` writes their rows in the transaction that references them. With the PostgreSQL
 * store the bytes are in the row, so they commit or roll back with the message, and every instance
 * sees them. The file-system and S3 stores write the bytes when staged (the file atomically, by
 * rename; the object by one PUT), before that transaction: a rolled-back transaction can leave
 * unreferenced bytes, never a reference without bytes.
 *
 * A store writes where it is configured to, and reads wherever each blob's row says its bytes
 * are: switching BLOB_STORE keeps older blobs readable, as long as their store stays configured.
 */
export interface BlobStore {
  readonly kind: BlobStorage
  /**
   * Bytes kept outside the database are written now; `row` must then be inserted (on conflict do
   * nothing) in the transaction that references it: `recordBlobs`, or a statement of the caller's
   * own (mail intake's claim).
   */
  stage(bytes: Buffer): Promise<StagedBlob>
  get(db: Db, hash: string): Promise<Buffer | undefined>
  /**
   * After the commit that deleted their rows: drops bytes kept outside the database (nothing to do
   * for PostgreSQL), except those whose row has come back since (the same bytes stored again).
   */
  discard(db: Db, gone: readonly { hash: string; storage: string }[]): Promise<void>
}

export interface StagedBlob {
  hash: string
  size: number
  row: typeof blobs.$inferInsert
}

/** The rows of staged blobs, in the caller's transaction; bytes already stored keep their row. */
export async function recordBlobs(tx: Db, staged: readonly StagedBlob[]): Promise<void> {
  if (!staged.length) return
  await tx
    .insert(blobs)
    .values([...new Map(staged.map((b) => [b.hash, b.row])).values()])
    .onConflictDoNothing()
}

/** Bytes kept outside PostgreSQL, by content hash. */
interface Backend {
  write(hash: string, bytes: Buffer): Promise<void>
  /** Undefined when the bytes are not there. */
  read(hash: string): Promise<Buffer | undefined>
  remove(hash: string): Promise<void>
}
type Backends = Partial<Record<Exclude<BlobStorage, 'postgres'>, Backend>>

/** Two levels of fan-out by hash keep directories and key listings small. */
const keyOf = (hash: string) => `${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`

function fileSystemBackend(dir: string): Backend {
  const fileOf = (hash: string) => path.join(dir, keyOf(hash))
  return {
    async write(hash, bytes) {
      const file = fileOf(hash)
      const exists = await stat(file).then(
        (s) => s.size === bytes.length,
        () => false,
      )
      if (exists) return
      await mkdir(path.dirname(file), { recursive: true })
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
      await writeFile(tmp, bytes, { flush: true })
      await rename(tmp, file)
    },
    read: (hash) =>
      readFile(fileOf(hash)).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined
        throw e
      }),
    remove: (hash) => rm(fileOf(hash), { force: true }),
  }
}

/** Content-addressed, so a PUT of bytes already there rewrites the same object: no lookup first. */
function s3Backend(client: S3Client): Backend {
  return {
    write: (hash, bytes) => client.put(keyOf(hash), bytes, hash),
    read: (hash) => client.get(keyOf(hash)),
    remove: (hash) => client.delete(keyOf(hash)),
  }
}

function blobStore(kind: BlobStorage, backends: Backends): BlobStore {
  const writer = kind === 'postgres' ? undefined : backends[kind]
  if (kind !== 'postgres' && !writer) throw new Error(`blob store ${kind} is not configured`)
  const stage = async (bytes: Buffer): Promise<StagedBlob> => {
    const hash = sha256Hex(bytes)
    await writer?.write(hash, bytes)
    return { hash, size: bytes.length, row: { hash, size: bytes.length, storage: kind, content: writer ? null : bytes } }
  }
  return {
    kind,
    stage,
    async get(db, hash) {
      const [row] = await db.select({ storage: blobs.storage, content: blobs.content }).from(blobs).where(eq(blobs.hash, hash))
      if (!row) return undefined
      if (row.content) return row.content
      const backend = row.storage === 'postgres' ? undefined : backends[row.storage]
      if (!backend) throw new BlobStoreUnavailable(`blob ${hash} is kept in the ${row.storage} store, which this instance is not configured for`)
      return backend.read(hash)
    },
    async discard(db, gone) {
      const outside = gone.filter((b) => b.storage !== 'postgres')
      if (!outside.length) return
      const back = new Set((await db.select({ hash: blobs.hash }).from(blobs).where(inArray(blobs.hash, outside.map((b) => b.hash)))).map((r) => r.hash))
      for (const b of outside) if (!back.has(b.hash)) await backends[b.storage as keyof Backends]?.remove(b.hash)
    },
  }
}

export const postgresBlobStore = (): BlobStore => blobStore('postgres', {})
export const fileSystemBlobStore = (dir: string): BlobStore => blobStore('filesystem', { filesystem: fileSystemBackend(dir) })
export const s3BlobStore = (client: S3Client): BlobStore => blobStore('s3', { s3: s3Backend(client) })

type BlobConfig = Pick<
  Config,
  'BLOB_STORE' | 'BLOB_DIR' | 'DATA_DIR' | 'S3_ENDPOINT' | 'S3_REGION' | 'S3_BUCKET' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'S3_SESSION_TOKEN' | 'S3_PREFIX' | 'S3_URL_STYLE' | 'S3_TIMEOUT_MS'
>

/** The S3 client of a configuration with S3 settings (one per configuration: it holds the keep-alive connections). */
export function s3ClientFor(config: BlobConfig): S3Client | undefined {
  if (!config.S3_ENDPOINT || !config.S3_BUCKET || !config.S3_ACCESS_KEY_ID || !config.S3_SECRET_ACCESS_KEY) return undefined
  let client = s3Clients.get(config)
  if (!client) {
    client = createS3Client({
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      bucket: config.S3_BUCKET,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      ...(config.S3_SESSION_TOKEN ? { sessionToken: config.S3_SESSION_TOKEN } : {}),
      prefix: config.S3_PREFIX,
      urlStyle: config.S3_URL_STYLE,
      timeoutMs: config.S3_TIMEOUT_MS,
    })
    s3Clients.set(config, client)
  }
  return client
}
const s3Clients = new WeakMap<object, S3Client>()
const stores = new WeakMap<object, BlobStore>()

/**
 * The configured store, built once per configuration. It reads blobs from every store it can
 * reach: PostgreSQL, the blob directory, and S3 when S3_* is set.
 */
export function blobStoreFor(config: BlobConfig): BlobStore {
  let store = stores.get(config)
  if (!store) {
    const s3 = s3ClientFor(config)
    store = blobStore(config.BLOB_STORE, {
      filesystem: fileSystemBackend(config.BLOB_DIR ?? path.join(config.DATA_DIR, 'blobs')),
      ...(s3 ? { s3: s3Backend(s3) } : {}),
    })
    stores.set(config, store)
  }
  return store
}
