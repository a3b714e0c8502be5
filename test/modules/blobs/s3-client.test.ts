// test-scope: no-database
import t from 'tap'
import { BlobStoreUnavailable, createS3Client, type S3Settings, s3Target } from '../../../src/modules/blobs/s3-client.ts'
import { S3_TEST_CREDENTIALS, signatureV4, startFakeS3 } from '../../helpers/s3-server.ts'

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

t.test("the fake store's signature check gives AWS's published answers (SigV4 test suite)", async (t) => {
  const base = {
    method: 'GET',
    path: '/',
    headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' },
    signedHeaders: ['host', 'x-amz-date'],
    payloadHash: EMPTY,
    date: '20150830T123600Z',
    region: 'us-east-1',
    service: 'service',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  }
  t.equal(signatureV4(base), '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31', 'get-vanilla')
  t.equal(signatureV4({ ...base, query: 'Param2=value2&Param1=value1' }), 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500', 'get-vanilla-query-order-key-case')
})

t.test('where requests go', async (t) => {
  const s = { endpoint: 'https://s3.eu-central-1.amazonaws.com', bucket: 'desk-files', prefix: 'dl/', urlStyle: 'path' as const }
  t.match(s3Target(s, 'ab/cd/abcd'), { host: 's3.eu-central-1.amazonaws.com', path: '/desk-files/dl/ab/cd/abcd' })
  t.match(s3Target({ ...s, urlStyle: 'virtual' }, 'ab/cd/abcd'), { hostname: 'desk-files.s3.eu-central-1.amazonaws.com', host: 'desk-files.s3.eu-central-1.amazonaws.com', path: '/dl/ab/cd/abcd' })
  t.match(s3Target({ ...s, endpoint: 'http://minio.internal:9000', urlStyle: 'virtual' }, 'k'), { hostname: 'desk-files.minio.internal', host: 'desk-files.minio.internal:9000' }, 'connects to the bucket host')
  t.match(s3Target({ ...s, urlStyle: 'virtual' }), { host: 'desk-files.s3.eu-central-1.amazonaws.com', path: '/' }, 'the bucket itself')
  t.match(s3Target({ ...s, endpoint: 'http://gateway:8080/storage/' }), { host: 'gateway:8080', path: '/storage/desk-files' }, 'a path on the endpoint is kept')
  t.match(s3Target({ ...s, prefix: '' }, "a b/(c)!"), { path: '/desk-files/a%20b/%28c%29%21' }, 'segments encoded once, as S3 signs them')
})

t.test('the S3 client against an S3-compatible store that checks every signature', async (t) => {
  const s3 = await startFakeS3()
  t.teardown(() => s3.close())
  const settings: S3Settings = { endpoint: s3.endpoint, region: 'us-east-1', bucket: 'deskledger', ...S3_TEST_CREDENTIALS, prefix: 'tenant-a/', urlStyle: 'path', timeoutMs: 2000 }
  const client = createS3Client(settings)
  t.teardown(() => client.close())
  const bytes = Buffer.from('Здравейте ✓ \u0000 binary')
  const { createHash } = await import('node:crypto')
  const hash = createHash('sha256').update(bytes).digest('hex')

  t.test('put, get, delete; a missing key is undefined', async (t) => {
    await client.checkBucket()
    await client.put('ab/cd/one', bytes, hash)
    t.same(s3.objects.get('deskledger/tenant-a/ab/cd/one'), bytes, 'stored under the prefix')
    t.same(await client.get('ab/cd/one'), bytes, 'byte for byte')
    await client.delete('ab/cd/one')
    t.equal(await client.get('ab/cd/one'), undefined)
    await client.delete('ab/cd/one')
    t.pass('deleting a missing key succeeds')
  })

  t.test('the payload hash is checked by the store: a wrong one is refused, not stored', async (t) => {
    await t.rejects(client.put('ab/cd/two', bytes, EMPTY), { name: 'BlobStoreUnavailable', status: 400, s3Code: 'XAmzContentSHA256Mismatch' })
    t.notOk(s3.objects.has('deskledger/tenant-a/ab/cd/two'))
  })

  t.test('5xx and SlowDown are retried; three failures in a row give up', async (t) => {
    s3.requests.length = 0
    s3.failNext(2, 503)
    await client.put('ab/cd/three', bytes, hash)
    t.same(
      s3.requests.map((r) => r.status),
      [503, 503, 200],
      'third attempt',
    )
    s3.failNext(3, 500)
    const err = await client.get('ab/cd/three').catch((e: unknown) => e)
    t.ok(err instanceof BlobStoreUnavailable)
    t.match((err as BlobStoreUnavailable).message, 'S3 GET tenant-a/ab/cd/three: HTTP 500 InternalError')
    t.equal((err as BlobStoreUnavailable).status, 500)
  })

  t.test('a refusal is not retried, and its message carries no credential', async (t) => {
    const wrong = createS3Client({ ...settings, secretAccessKey: 'not-the-secret' })
    t.teardown(() => wrong.close())
    s3.requests.length = 0
    const err = (await wrong.put('ab/cd/four', bytes, hash).catch((e: unknown) => e)) as BlobStoreUnavailable
    t.match(err, { name: 'BlobStoreUnavailable', status: 403, s3Code: 'SignatureDoesNotMatch' })
    t.equal(s3.requests.length, 1, 'one attempt')
    t.notMatch(err.message, /not-the-secret|AKID|Signature=/)
  })

  t.test('a missing bucket is an error, not a missing object', async (t) => {
    const other = createS3Client({ ...settings, bucket: 'no-such-bucket' })
    t.teardown(() => other.close())
    await t.rejects(other.get('ab/cd/one'), { name: 'BlobStoreUnavailable', s3Code: 'NoSuchBucket' })
    await t.rejects(other.checkBucket(), { name: 'BlobStoreUnavailable' })
  })

  t.test('a store that does not answer fails each attempt after the timeout', async (t) => {
    const quick = createS3Client({ ...settings, timeoutMs: 150 })
    t.teardown(() => quick.close())
    s3.hang = true
    const started = Date.now()
    const err = await quick.get('ab/cd/one').catch((e: unknown) => e)
    s3.hang = false
    t.match(err, { name: 'BlobStoreUnavailable', message: /no answer within 150 ms/ })
    t.ok(Date.now() - started >= 3 * 150, 'three attempts')
  })

  t.test('a store that is not there fails as unavailable', async (t) => {
    const gone = createS3Client({ ...settings, endpoint: 'http://127.0.0.1:9' })
    t.teardown(() => gone.close())
    await t.rejects(gone.get('ab/cd/one'), { name: 'BlobStoreUnavailable', message: /ECONNREFUSED/ })
  })
})

t.test('S3 settings are checked at start', async (t) => {
  const { ConfigError, loadConfig } = await import('../../../src/config.ts')
  const all = { S3_ENDPOINT: 'https://s3.eu-central-1.amazonaws.com', S3_BUCKET: 'desk-files', S3_ACCESS_KEY_ID: 'AKID', S3_SECRET_ACCESS_KEY: 'very-secret-value' }
  t.match(loadConfig({ BLOB_STORE: 's3', ...all }), { BLOB_STORE: 's3', S3_REGION: 'us-east-1', S3_PREFIX: '', S3_URL_STYLE: 'path', S3_TIMEOUT_MS: 30_000 })
  t.match(loadConfig(all), { BLOB_STORE: 'postgres' }, 'S3 may be configured only to read blobs written there before')
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env)
      return []
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e
      return e.problems
    }
  }
  t.same(problems({ BLOB_STORE: 's3' }), ['S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: required for BLOB_STORE=s3'])
  t.same(problems({ S3_ENDPOINT: all.S3_ENDPOINT, S3_BUCKET: 'b-1' }), ['S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: required with the other S3_* settings'])
  t.match(problems({ ...all, S3_BUCKET: 'Bad_Bucket' }), [/^S3_BUCKET: .*\(got "Bad_Bucket"\)$/])
  t.match(problems({ ...all, S3_ENDPOINT: 'minio:9000' }), [/^S3_ENDPOINT: /])
  t.match(problems({ ...all, S3_PREFIX: '../x y' }), [/^S3_PREFIX: /])
  t.same(problems({ BLOB_STORE: 'ftp' }).length, 1)
})
