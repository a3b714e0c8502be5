import { createHmac } from 'node:crypto'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { type Static, Type } from 'typebox'
import { Value } from 'typebox/value'

/**
 * Every setting the service reads, in one schema. This module is the only reader of
 * `process.env`; everything else receives a `Config`. Behaviour is switched by explicit
 * settings, never by NODE_ENV, and there are no insecure default secrets: without
 * DATABASE_URL (embedded mode) a JWT secret is generated once and kept in the data
 * directory (see `src/db/client.ts`); with DATABASE_URL, JWT_SECRET is required.
 */
const LogLevel = Type.Unsafe<'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>({
  type: 'string',
  enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
  default: 'info',
})

export const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '0.0.0.0', minLength: 1 }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
  LOG_LEVEL: LogLevel,

  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_POOL_MAX: Type.Integer({ default: 10, minimum: 1, maximum: 200 }),
  DATA_DIR: Type.String({ default: './data', minLength: 1 }),

  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** A previous secret still accepted for verification while tokens signed with it expire. */
  JWT_SECRET_PREVIOUS: Type.Optional(Type.String({ minLength: 32 })),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ default: 900, minimum: 60, maximum: 86_400 }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ default: 2_592_000, minimum: 3600, maximum: 31_536_000 }),

  SMTP_ENABLED: Type.Boolean({ default: true }),
  SMTP_HOST: Type.String({ default: '0.0.0.0', minLength: 1 }),
  SMTP_PORT: Type.Integer({ default: 2525, minimum: 0, maximum: 65535 }),
  /** Advertised with SIZE and enforced while receiving (552 5.3.4 above it). */
  SMTP_MAX_MESSAGE_BYTES: Type.Integer({ default: 26_214_400, minimum: 1024 }),
  SMTP_MAX_RECIPIENTS: Type.Integer({ default: 20, minimum: 1, maximum: 1000 }),
  SMTP_MAX_CONNECTIONS: Type.Integer({ default: 100, minimum: 1, maximum: 10_000 }),
  /** MAIL FROM commands per envelope sender and minute, per process (451 4.7.1 above it). */
  SMTP_RATE_PER_SENDER_PER_MINUTE: Type.Integer({ default: 120, minimum: 1 }),
  /** `support+anything@` is delivered to `support@`. */
  SMTP_PLUS_ADDRESSING: Type.Boolean({ default: true }),
  /** STARTTLS is offered only when both are set (PEM files); never with smtp-server's bundled certificate. */
  SMTP_TLS_KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
  SMTP_TLS_CERT_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** When both are set, clients must AUTH (PLAIN/LOGIN) before MAIL; for relays that authenticate. */
  SMTP_AUTH_USER: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  SMTP_AUTH_PASSWORD: Type.Optional(Type.String({ minLength: 8, maxLength: 500 })),

  SCHEDULER_ENABLED: Type.Boolean({ default: true }),
  /** Comma-separated job names this instance does not run (see src/jobs/index.ts). */
  SCHEDULER_DISABLED_JOBS: Type.Optional(Type.String({ pattern: '^[a-z0-9-]+( *, *[a-z0-9-]+)*$' })),

  /** Outbound mail relay, e.g. smtp://user:pass@relay:587; unset → mail is written to DATA_DIR/outbound-mail. */
  MAIL_RELAY_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  MAIL_FROM: Type.String({ default: 'deskledger <desk@localhost>', minLength: 3 }),
  /** The domain of our Message-IDs; unset → the domain of MAIL_FROM, else localhost (see mailDomain). */
  MAIL_DOMAIN: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9.-]+$', minLength: 1 })),
  /** Signs our Message-IDs; unset → HMAC-SHA256(JWT secret, "mail-id") in hex (see mailIdSecret). */
  MAIL_ID_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** Mail per sender address and hour that may reach routing (and so trigger automatic replies); more is held as "throttled". */
  AUTO_MAIL_CAP_PER_HOUR: Type.Integer({ default: 30, minimum: 1 }),
  /** Days inbound mail that belongs to no ticket and awaits no review is kept (raw bytes included) before the daily purge. */
  INBOUND_MAIL_RETENTION_DAYS: Type.Integer({ default: 90, minimum: 1, maximum: 36_500 }),
  OUTBOX_ENABLED: Type.Boolean({ default: true }),
  OUTBOX_POLL_MS: Type.Integer({ default: 1000, minimum: 50 }),
  OUTBOX_BATCH_SIZE: Type.Integer({ default: 20, minimum: 1, maximum: 500 }),
  OUTBOX_MAX_ATTEMPTS: Type.Integer({ default: 12, minimum: 1, maximum: 100 }),

  DEFAULT_TIME_ZONE: Type.String({ default: 'Europe/Sofia', minLength: 1 }),
  DEFAULT_LOCALE: Type.String({ default: 'en', pattern: '^[a-z]{2,3}(-[A-Z]{2})?$' }),

  /** Where new attachment and raw-mail bytes go: PostgreSQL (default, shared by all instances), a directory, or an S3-compatible bucket. */
  BLOB_STORE: Type.Unsafe<'postgres' | 'filesystem' | 's3'>({ type: 'string', enum: ['postgres', 'filesystem', 's3'], default: 'postgres' }),
  /** For BLOB_STORE=filesystem: a directory every instance shares (default DATA_DIR/blobs). */
  BLOB_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** For BLOB_STORE=s3 (and to read blobs kept there): `https://s3.eu-central-1.amazonaws.com`, `http://minio:9000`, … */
  S3_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$' })),
  S3_REGION: Type.String({ default: 'us-east-1', pattern: '^[a-z0-9-]{1,40}$' }),
  /** The bucket's rules: 3–63 of lowercase letters, digits, dots and hyphens. */
  S3_BUCKET: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' })),
  S3_ACCESS_KEY_ID: Type.Optional(Type.String({ minLength: 1 })),
  S3_SECRET_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  /** Temporary credentials (STS) only. */
  S3_SESSION_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
  /** Put before every object key, e.g. `deskledger/`, to share a bucket. */
  S3_PREFIX: Type.String({ default: '', pattern: '^[A-Za-z0-9._/-]*$', maxLength: 200 }),
  /** `path` (endpoint/bucket/key) suits every S3-compatible store; `virtual` (bucket.endpoint/key) is AWS's preferred form. */
  S3_URL_STYLE: Type.Unsafe<'path' | 'virtual'>({ type: 'string', enum: ['path', 'virtual'], default: 'path' }),
  /** Per attempt; each call is tried up to three times. */
  S3_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 100 }),
  ATTACHMENT_MAX_BYTES: Type.Integer({ default: 26_214_400, minimum: 1 }),
  MESSAGE_ATTACHMENTS_MAX_BYTES: Type.Integer({ default: 52_428_800, minimum: 1 }),
  MESSAGE_ATTACHMENTS_MAX_COUNT: Type.Integer({ default: 20, minimum: 1 }),

  BODY_LIMIT_BYTES: Type.Integer({ default: 1_048_576, minimum: 1024 }),
  REQUEST_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 1000 }),
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ default: 72_000, minimum: 1000 }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),

  LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: Type.Integer({ default: 5, minimum: 1 }),
  LOGIN_MAX_ATTEMPTS_PER_ADDRESS: Type.Integer({ default: 20, minimum: 1 }),
  LOGIN_WINDOW_SECONDS: Type.Integer({ default: 900, minimum: 1 }),
  /** Trust X-Forwarded-For from a proxy in front of the service (for per-address login limits). */
  TRUST_PROXY: Type.Boolean({ default: false }),
})

export type Config = Static<typeof ConfigSchema> & {
  /** Resolved: JWT_SECRET or the one kept in the data directory. */
  jwtSecrets: string[]
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`)
    this.name = 'ConfigError'
  }
}

const known = new Set(Object.keys(ConfigSchema.properties))

/** Reads and validates settings. Unknown DESKLEDGER-free variables are ignored (the environment has many). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Omit<Config, 'jwtSecrets'> {
  const raw: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(env)) if (known.has(k) && v !== undefined && v !== '') raw[k] = v
  const withDefaults = Value.Default(ConfigSchema, raw)
  const converted = Value.Convert(ConfigSchema, withDefaults)
  const problems = [...Value.Errors(ConfigSchema, converted)].map((e) => {
    const name = e.instancePath.replace(/^\//, '') || Object.keys(e.params ?? {}).join(',')
    const shown = name && name in raw && !/SECRET|URL|PASSWORD|TOKEN/.test(name) ? ` (got ${JSON.stringify(raw[name])})` : ''
    return `${name}: ${e.message}${shown}`
  })
  const cfg = converted as Static<typeof ConfigSchema>
  if (problems.length === 0) {
    if (!isTimeZone(cfg.DEFAULT_TIME_ZONE)) problems.push(`DEFAULT_TIME_ZONE: unknown IANA time zone "${cfg.DEFAULT_TIME_ZONE}"`)
    if (!cfg.SMTP_TLS_KEY_FILE !== !cfg.SMTP_TLS_CERT_FILE) problems.push('SMTP_TLS_KEY_FILE and SMTP_TLS_CERT_FILE: set both or neither')
    if (!cfg.SMTP_AUTH_USER !== !cfg.SMTP_AUTH_PASSWORD) problems.push('SMTP_AUTH_USER and SMTP_AUTH_PASSWORD: set both or neither')
    const s3 = ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const
    const s3Missing = s3.filter((k) => !cfg[k])
    if (s3Missing.length && (cfg.BLOB_STORE === 's3' || s3Missing.length < s3.length)) {
      problems.push(`${s3Missing.join(', ')}: required ${cfg.BLOB_STORE === 's3' ? 'for BLOB_STORE=s3' : 'with the other S3_* settings'}`)
    }
  }
  if (problems.length) throw new ConfigError(problems)
  return { ...cfg, DATA_DIR: path.resolve(cfg.DATA_DIR) }
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/** Loads `.env` from the working directory when present; real environment variables win. */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) {
    const before = { ...process.env }
    process.loadEnvFile(file)
    Object.assign(process.env, before)
  }
}

/** The address part of a From setting: `Desk <desk@example.com>` → desk@example.com. */
export function addressOf(from: string): string | undefined {
  const m = /<([^<>\s]+@[^<>\s]+)>/.exec(from) ?? /^\s*([^<>\s]+@[^<>\s]+)\s*$/.exec(from)
  return m?.[1]?.toLowerCase()
}

/** MAIL_DOMAIN, else the domain of MAIL_FROM, else localhost. */
export function mailDomain(config: Pick<Config, 'MAIL_DOMAIN' | 'MAIL_FROM'>): string {
  return (config.MAIL_DOMAIN ?? addressOf(config.MAIL_FROM)?.split('@')[1] ?? 'localhost').toLowerCase()
}

/**
 * The secret our Message-IDs are signed with: MAIL_ID_SECRET, else derived from the first JWT
 * secret (so a fresh install needs no extra setting, and the mail key is not the JWT key itself).
 * Changing the JWT secret therefore changes this one: replies to older mail then thread by the
 * `[#n]` tag only. Set MAIL_ID_SECRET to decouple them.
 */
export function mailIdSecret(config: Pick<Config, 'MAIL_ID_SECRET' | 'jwtSecrets'>): string {
  if (config.MAIL_ID_SECRET) return config.MAIL_ID_SECRET
  const base = config.jwtSecrets[0]
  if (!base) throw new Error('no JWT secret to derive the mail id secret from; set MAIL_ID_SECRET')
  // Asked for every message in and out: derived once per secret.
  let derived = derivedMailIdSecrets.get(base)
  if (!derived) {
    derived = createHmac('sha256', base).update('mail-id').digest('hex')
    derivedMailIdSecrets.set(base, derived)
  }
  return derived
}
const derivedMailIdSecrets = new Map<string, string>()
