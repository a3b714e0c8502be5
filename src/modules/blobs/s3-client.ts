import http from 'node:http'
import https from 'node:https'
import aws4 from 'aws4'

/**
 * The calls the blob store needs (PUT, GET and DELETE of an object, HEAD of the bucket),
 * against Amazon S3 or any S3-compatible store (MinIO, Ceph, Garage, R2, Wasabi …). Requests are
 * signed with AWS Signature V4 by `aws4`, a small dependency-free signer; the AWS SDK would bring
 * a hundred packages for these calls and its releases from January 2027 leave Node 20 behind.
 */
export interface S3Settings {
  /** `https://s3.eu-central-1.amazonaws.com`, `http://minio:9000`, … (a path on it is kept as a prefix). */
  endpoint: string
  region: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  /** Put before every key, e.g. `deskledger/`. */
  prefix: string
  /** `path`: endpoint/bucket/key (every S3-compatible store); `virtual`: bucket.endpoint/key. */
  urlStyle: 'path' | 'virtual'
  /** Per attempt: no byte for this long fails the attempt. */
  timeoutMs: number
}

/**
 * The store could not be reached or refused us: a condition of the service, not of the request,
 * so the HTTP layer answers 503 and SMTP 451 (the relay retries). The message names the call,
 * key and S3's status and error code, never a credential or signature.
 */
export class BlobStoreUnavailable extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly s3Code?: string,
  ) {
    super(message)
    this.name = 'BlobStoreUnavailable'
  }
}

export interface S3Client {
  put(key: string, bytes: Buffer, sha256Hex: string): Promise<void>
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string): Promise<Buffer | undefined>
  /** Deleting a missing key succeeds, as in S3. */
  delete(key: string): Promise<void>
  /** The bucket exists and these credentials may use it. */
  checkBucket(): Promise<void>
  close(): void
}

interface Response {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
const RETRYABLE = new Set([500, 502, 503, 504])
const ATTEMPTS = 3

/** Where a request for `key` goes (exported for its test: virtual-hosted names need DNS). */
export function s3Target(s: Pick<S3Settings, 'endpoint' | 'bucket' | 'prefix' | 'urlStyle'>, key?: string): { url: URL; hostname: string; host: string; path: string } {
  const url = new URL(s.endpoint)
  const base = url.pathname.replace(/\/+$/, '')
  const object = key === undefined ? '' : `/${encodeKey(s.prefix + key)}`
  const virtual = s.urlStyle === 'virtual'
  // Virtual-hosted: connect to the bucket's own name too, so TLS checks the certificate against it.
  const hostname = virtual ? `${s.bucket}.${url.hostname}` : url.hostname
  const host = url.port ? `${hostname}:${url.port}` : hostname
  const path = virtual ? `${base}${object || '/'}` : `${base}/${s.bucket}${object}`
  return { url, hostname, host, path }
}

// S3 signs the path as sent: each segment URI-encoded once, slashes kept.
const encodeKey = (key: string) => key.split('/').map((p) => encodeURIComponent(p).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/')

/** S3's error code from an XML error body (`<Code>SlowDown</Code>`), if there is one. */
const errorCode = (body: Buffer) => /<Code>([^<]{1,100})<\/Code>/.exec(body.toString('utf8', 0, 2048))?.[1]

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function createS3Client(s: S3Settings): S3Client {
  const secure = new URL(s.endpoint).protocol === 'https:'
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 32 }) : new http.Agent({ keepAlive: true, maxSockets: 32 })
  const credentials = { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, ...(s.sessionToken ? { sessionToken: s.sessionToken } : {}) }

  const once = (method: string, key: string | undefined, body: Buffer | undefined, payloadHash: string): Promise<Response> => {
    const { url, hostname, host, path } = s3Target(s, key)
    const headers: Record<string, string | number> = { 'x-amz-content-sha256': payloadHash }
    if (body) {
      headers['content-length'] = body.length
      headers['content-type'] = 'application/octet-stream'
    }
    // Signed afresh for every attempt: the signature covers the time.
    const signed = aws4.sign({ service: 's3', region: s.region, method, host, path, headers }, credentials)
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        { protocol: url.protocol, hostname, port: url.port || undefined, method, path, headers: signed.headers as http.OutgoingHttpHeaders, agent, timeout: s.timeoutMs },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
          res.on('error', reject)
        },
      )
      req.on('timeout', () => req.destroy(new Error(`no answer within ${s.timeoutMs} ms`)))
      req.on('error', reject)
      req.end(body)
    })
  }

  /** Retries what S3 asks to be retried (5xx, SlowDown) and lost connections; every call here is idempotent. */
  const send = async (method: string, key: string | undefined, body?: Buffer, payloadHash = EMPTY_SHA256): Promise<Response> => {
    const what = `S3 ${method} ${key === undefined ? `bucket ${s.bucket}` : s.prefix + key}`
    let last: BlobStoreUnavailable | undefined
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      if (attempt > 1) await sleep(50 * 4 ** (attempt - 2) * (1 + Math.random()))
      let res: Response
      try {
        res = await once(method, key, body, payloadHash)
      } catch (e) {
        last = new BlobStoreUnavailable(`${what}: ${(e as Error).message}`)
        continue
      }
      if (res.status < 300 || res.status === 404) return res
      const code = errorCode(res.body)
      last = new BlobStoreUnavailable(`${what}: HTTP ${res.status}${code ? ` ${code}` : ''}`, res.status, code)
      if (!RETRYABLE.has(res.status)) break
    }
    throw last!
  }

  /** A missing key is an answer; a missing bucket is a broken setup and fails like any other refusal. */
  const missing = (res: Response, what: string) => {
    if (res.status !== 404) return false
    const code = errorCode(res.body)
    if (code === 'NoSuchBucket') throw new BlobStoreUnavailable(`S3 ${what}: HTTP 404 NoSuchBucket`, 404, code)
    return true
  }

  return {
    async put(key, bytes, sha256Hex) {
      const res = await send('PUT', key, bytes, sha256Hex)
      if (res.status === 404) throw new BlobStoreUnavailable(`S3 PUT ${s.prefix + key}: HTTP 404 ${errorCode(res.body) ?? ''}`.trim(), 404, errorCode(res.body))
    },
    async get(key) {
      const res = await send('GET', key)
      return missing(res, `GET ${s.prefix + key}`) ? undefined : res.body
    },
    async delete(key) {
      await send('DELETE', key)
    },
    async checkBucket() {
      const res = await send('HEAD', undefined)
      if (res.status === 404) throw new BlobStoreUnavailable(`S3 HEAD bucket ${s.bucket}: no such bucket`, 404, 'NoSuchBucket')
    },
    close: () => agent.destroy(),
  }
}
