import { existsSync } from 'node:fs'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import t from 'tap'
import { blobs } from '../../../src/db/schema/index.ts'
import { type BlobStore, blobStoreFor, fileSystemBlobStore, postgresBlobStore, recordBlobs, s3BlobStore, sha256Hex } from '../../../src/modules/blobs/blob-store.ts'
import type { Db } from '../../../src/db/client.ts'
import { createS3Client } from '../../../src/modules/blobs/s3-client.ts'
import { buildTestApp, testConfig } from '../../helpers/build-test-app.ts'
import { S3_TEST_CREDENTIALS, s3Config, startFakeS3 } from '../../helpers/s3-server.ts'
import { tempDir } from '../../helpers/temp-dir.ts'

/** A blob stored as the services store one: staged, then its row in the caller's transaction. */
async function put(store: BlobStore, tx: Db, bytes: Buffer) {
  const staged = await store.stage(bytes)
  await recordBlobs(tx, [staged])
  return { hash: staged.hash, size: staged.size }
}

t.test('blob stores', async (t) => {
  const ctx = await buildTestApp(t)
  const db = ctx.deps.db
  const dir = tempDir(t, 'deskledger-blobs-')
  const s3 = await startFakeS3()
  t.teardown(() => s3.close())
  const client = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', bucket: 'deskledger', ...S3_TEST_CREDENTIALS, prefix: '', urlStyle: 'path', timeoutMs: 2000 })
  t.teardown(() => client.close())
  const keyOf = (hash: string) => `${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`

  for (const store of [postgresBlobStore(), fileSystemBlobStore(dir), s3BlobStore(client)]) {
    t.test(store.kind, async (t) => {
      const bytes = Buffer.from(`hello ${store.kind} ${Date.now()} ✓`)
      const hash = sha256Hex(bytes)
      await t.rejects(
        db.transaction(async (tx) => {
          await put(store, tx, bytes)
          throw new Error('rolled back')
        }),
      )
      t.same(await db.select().from(blobs).where(eq(blobs.hash, hash)), [], 'a rolled-back put leaves no reference')
      t.equal(await store.get(db, hash), undefined)
      const a = await db.transaction((tx) => put(store, tx, bytes))
      const b = await db.transaction((tx) => put(store, tx, bytes))
      t.same(a, { hash, size: bytes.length })
      t.same(b, a, 'stored once by content')
      t.same(await store.get(db, hash), bytes, 'byte for byte')
      const [row] = await db.select({ storage: blobs.storage, content: blobs.content }).from(blobs).where(eq(blobs.hash, hash))
      t.equal(row!.storage, store.kind, 'the row says where the bytes are')
      t.equal(row!.content === null, store.kind !== 'postgres', 'bytes in the row only for PostgreSQL')
      if (store.kind === 'filesystem') t.ok(existsSync(path.join(dir, keyOf(hash))))
      if (store.kind === 's3') t.same(s3.objects.get(`deskledger/${keyOf(hash)}`), bytes)
    })
  }

  t.test('a store reads each blob where its row says it is, so switching BLOB_STORE keeps old files', async (t) => {
    const base = { ...testConfig(), DATA_DIR: dir, BLOB_DIR: dir }
    const onDisk = Buffer.from(`kept on disk ${Date.now()}`)
    const inS3 = Buffer.from(`kept in S3 ${Date.now()}`)
    const inPg = Buffer.from(`kept in PostgreSQL ${Date.now()}`)
    await db.transaction(async (tx) => {
      await put(fileSystemBlobStore(dir), tx, onDisk)
      await put(s3BlobStore(client), tx, inS3)
      await put(postgresBlobStore(), tx, inPg)
    })
    const now = blobStoreFor({ ...base, ...s3Config(s3) })
    t.equal(now.kind, 's3')
    for (const bytes of [onDisk, inS3, inPg]) t.same(await now.get(db, sha256Hex(bytes)), bytes)
    const withoutS3 = blobStoreFor({ ...base, BLOB_STORE: 'postgres' })
    t.same(await withoutS3.get(db, sha256Hex(onDisk)), onDisk, 'the blob directory is always readable')
    await t.rejects(withoutS3.get(db, sha256Hex(inS3)), { name: 'BlobStoreUnavailable', message: /kept in the s3 store, which this instance is not configured for/ })
  })

  t.test('discard drops the bytes of deleted rows from the store they were in, unless the row came back', async (t) => {
    const store = blobStoreFor({ ...testConfig(), DATA_DIR: dir, BLOB_DIR: dir, ...s3Config(s3) })
    const gone = Buffer.from(`gone ${Date.now()}`)
    const back = Buffer.from(`back ${Date.now()}`)
    const local = Buffer.from(`local ${Date.now()}`)
    await db.transaction(async (tx) => {
      await put(store, tx, gone)
      await put(store, tx, back)
      await put(fileSystemBlobStore(dir), tx, local)
    })
    const hashes = [gone, back, local].map(sha256Hex)
    const rows = await db.select({ hash: blobs.hash, storage: blobs.storage }).from(blobs).where(eq(blobs.hash, hashes[0]!))
    const all = [...rows, { hash: hashes[1]!, storage: 's3' }, { hash: hashes[2]!, storage: 'filesystem' }]
    await db.delete(blobs).where(eq(blobs.hash, hashes[0]!))
    await db.delete(blobs).where(eq(blobs.hash, hashes[2]!))
    await store.discard(db, all)
    t.notOk(s3.objects.has(`deskledger/${keyOf(hashes[0]!)}`), 'the deleted row’s object went')
    t.ok(s3.objects.has(`deskledger/${keyOf(hashes[1]!)}`), 'a row still there keeps its object')
    t.notOk(existsSync(path.join(dir, keyOf(hashes[2]!))), 'a file-system blob goes from the directory even when S3 is the store now')
  })
})
