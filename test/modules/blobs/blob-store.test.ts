import { existsSync } from 'node:fs'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import t from 'tap'
import { blobs } from '../../../src/db/schema/index.ts'
import { fileSystemBlobStore, postgresBlobStore, sha256Hex } from '../../../src/modules/blobs/blob-store.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { tempDir } from '../../helpers/temp-dir.ts'

t.test('blob stores', async (t) => {
  const ctx = await buildTestApp(t)
  const db = ctx.deps.db
  const dir = tempDir(t, 'deskledger-blobs-')
  for (const store of [postgresBlobStore(), fileSystemBlobStore(dir)]) {
    t.test(store.kind, async (t) => {
      const bytes = Buffer.from(`hello ${store.kind} ${Date.now()} ✓`)
      const hash = sha256Hex(bytes)
      await t.rejects(
        db.transaction(async (tx) => {
          await store.put(tx, bytes)
          throw new Error('rolled back')
        }),
      )
      t.same(await db.select().from(blobs).where(eq(blobs.hash, hash)), [], 'a rolled-back put leaves no reference')
      t.equal(await store.get(db, hash), undefined)
      const a = await db.transaction((tx) => store.put(tx, bytes))
      const b = await db.transaction((tx) => store.put(tx, bytes))
      t.same(a, { hash, size: bytes.length })
      t.same(b, a, 'stored once by content')
      t.same(await store.get(db, hash), bytes, 'byte for byte')
      if (store.kind === 'filesystem') t.ok(existsSync(path.join(dir, hash.slice(0, 2), hash.slice(2, 4), hash)))
    })
  }
})
