import { createHash, createHmac } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * An S3-compatible object store for tests, in memory, on a real port: path-style buckets, PUT,
 * GET, HEAD and DELETE of objects, HEAD of a bucket. Every request must carry a valid AWS
 * Signature V4 for the credentials below, checked by its own implementation of the signing
 * rules (not the client's signer, so a mistake in how we call it cannot agree with itself), and
 * a PUT body must match its x-amz-content-sha256, as S3 checks.
 */
export const S3_TEST_CREDENTIALS = { accessKeyId: 'AKIDTESTDESKLEDGER', secretAccessKey: 'test-secret-key-for-the-fake-s3-0123' }

export interface FakeS3 {
  endpoint: string
  /** bucket/key → bytes. */
  objects: Map<string, Buffer>
  requests: { method: string; path: string; status: number }[]
  /** The next `n` requests answer `status` (and an S3 error code) without doing anything. */
  failNext(n: number, status: number, code?: string): void
  /** While set, requests get no answer (a hung store); clearing it answers those still waiting. */
  hang: boolean
  close(): Promise<void>
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest()
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex')

/** SigV4 for one request, from AWS's published algorithm. Exported for its known-answer test. */
export function signatureV4(opts: {
  method: string
  path: string
  query?: string
  headers: Record<string, string>
  signedHeaders: string[]
  payloadHash: string
  date: string
  region: string
  service: string
  secretAccessKey: string
}): string {
  const canonicalQuery = (opts.query ?? '')
    .split('&')
    .filter(Boolean)
    .map((kv) => kv.split('=').map((p) => encodeURIComponent(decodeURIComponent(p))) as [string, string?])
    .sort(([a, av = ''], [b, bv = '']) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v = '']) => `${k}=${v}`)
    .join('&')
  const canonicalHeaders = opts.signedHeaders.map((h) => `${h}:${String(opts.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('')
  const canonical = [opts.method, opts.path, canonicalQuery, canonicalHeaders, opts.signedHeaders.join(';'), opts.payloadHash].join('\n')
  const day = opts.date.slice(0, 8)
  const scope = `${day}/${opts.region}/${opts.service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', opts.date, scope, sha256(canonical)].join('\n')
  const key = hmac(hmac(hmac(hmac(`AWS4${opts.secretAccessKey}`, day), opts.region), opts.service), 'aws4_request')
  return createHmac('sha256', key).update(toSign).digest('hex')
}

const xmlError = (code: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code}</Message></Error>`

export async function startFakeS3(opts: { buckets?: string[]; region?: string } = {}): Promise<FakeS3> {
  const buckets = new Set(opts.buckets ?? ['deskledger'])
  const region = opts.region ?? 'us-east-1'
  const objects = new Map<string, Buffer>()
  const requests: FakeS3['requests'] = []
  let failures: { n: number; status: number; code: string } = { n: 0, status: 0, code: '' }
  const state = { hang: false }
  const held: (() => void)[] = []

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => (state.hang ? held.push(handle) : handle()))
    const handle = () => {
      if (res.destroyed) return
      const body = Buffer.concat(chunks)
      const [rawPath = '/', query] = (req.url ?? '/').split('?') as [string, string?]
      const answer = (status: number, payload?: Buffer | string, headers: Record<string, string | number> = {}) => {
        requests.push({ method: req.method!, path: rawPath, status })
        res.writeHead(status, headers)
        res.end(req.method === 'HEAD' ? undefined : payload)
      }
      const fail = (status: number, code: string) => answer(status, xmlError(code), { 'content-type': 'application/xml' })
      if (failures.n > 0) {
        failures.n--
        return fail(failures.status, failures.code)
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]))
      const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(headers.authorization ?? '')
      if (!auth) return fail(403, 'AccessDenied')
      const [, keyId, day, reqRegion, signed, signature] = auth as unknown as string[]
      const date = headers['x-amz-date'] ?? ''
      const payloadHash = headers['x-amz-content-sha256'] ?? ''
      if (keyId !== S3_TEST_CREDENTIALS.accessKeyId) return fail(403, 'InvalidAccessKeyId')
      if (reqRegion !== region) return fail(400, 'AuthorizationHeaderMalformed')
      if (!date.startsWith(day!) || !signed!.split(';').includes('host') || !signed!.split(';').includes('x-amz-date')) return fail(403, 'AccessDenied')
      if (Math.abs(Date.parse(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z')) - Date.now()) > 15 * 60_000) return fail(403, 'RequestTimeTooSkewed')
      const expected = signatureV4({
        method: req.method!,
        path: rawPath,
        query,
        headers,
        signedHeaders: signed!.split(';'),
        payloadHash,
        date,
        region,
        service: 's3',
        secretAccessKey: S3_TEST_CREDENTIALS.secretAccessKey,
      })
      if (expected !== signature) return fail(403, 'SignatureDoesNotMatch')
      if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(body)) return fail(400, 'XAmzContentSHA256Mismatch')

      const [, bucket = '', ...rest] = rawPath.split('/')
      const key = rest.map(decodeURIComponent).join('/')
      if (!buckets.has(bucket)) return fail(404, 'NoSuchBucket')
      const id = `${bucket}/${key}`
      if (!key) return req.method === 'HEAD' ? answer(200) : fail(501, 'NotImplemented')
      switch (req.method) {
        case 'PUT':
          objects.set(id, body)
          return answer(200, '', { etag: `"${createHash('md5').update(body).digest('hex')}"` })
        case 'GET':
        case 'HEAD': {
          const found = objects.get(id)
          if (!found) return fail(404, 'NoSuchKey')
          return answer(200, found, { 'content-length': found.length, 'content-type': 'application/octet-stream' })
        }
        case 'DELETE':
          objects.delete(id)
          return answer(204)
        default:
          return fail(405, 'MethodNotAllowed')
      }
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    requests,
    failNext: (n, status, code = status === 503 ? 'SlowDown' : 'InternalError') => {
      failures = { n, status, code }
    },
    get hang() {
      return state.hang
    },
    set hang(v: boolean) {
      state.hang = v
      if (!v) for (const handle of held.splice(0)) handle()
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The config of an app whose blobs go to `s3`'s bucket. */
export const s3Config = (s3: FakeS3, extra: Record<string, unknown> = {}) => ({
  BLOB_STORE: 's3' as const,
  S3_ENDPOINT: s3.endpoint,
  S3_BUCKET: 'deskledger',
  S3_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
  S3_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
  ...extra,
})
