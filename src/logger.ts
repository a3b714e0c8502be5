import pino, { type Logger } from 'pino'

/**
 * One pino logger for HTTP, SMTP and jobs. Secrets never reach a log line: credentials in
 * headers and bodies are redacted by path, and request bodies are not logged at all.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.apiKey',
  '*.key',
  '*.secret',
  'password',
  'token',
]

/**
 * Where log lines go (stdout by default): gathered in memory and handed to the file system in
 * batches of 16 KB, and at least once a second. Handing each line to the file system on its own
 * (pino's default) was an eighth of the CPU of a ticket create (bench/tickets-create.ts).
 *
 * The batching is done here, not by sonic-boom's `minLength`: sonic-boom measures the UTF-8 length
 * of its whole pending buffer on every write, so a buffer of a few KB made each line cost a copy
 * and a scan of all the lines before it (garbage and CPU that grew with the batch size:
 * bench/http-hooks.ts). Here a line costs an array push; a batch is joined once.
 *
 * What is pending is written when the process exits, also on an uncaught error (an 'exit'
 * listener placed before pino's own, which then flushes sonic-boom synchronously); a process
 * killed outright (SIGKILL) loses at most a second of lines.
 */
export const LOG_BATCH_CHARS = 16_384
export const LOG_FLUSH_MS = 1_000

/** Every open batched destination, drained together once a second and at exit; held weakly, so a dropped logger is collected. */
const pending = new Set<WeakRef<BatchedDestination>>()
const forget = new FinalizationRegistry<WeakRef<BatchedDestination>>((ref) => pending.delete(ref))
let ticking: NodeJS.Timeout | undefined
const drainAll = () => {
  for (const ref of pending) ref.deref()?.drain()
}

export class BatchedDestination {
  #parts: string[] = []
  #chars = 0
  readonly #ref = new WeakRef(this)

  constructor(readonly inner: pino.DestinationStream & { flushSync?: () => void; flush?: (cb?: (err?: Error) => void) => void; end?: () => void }) {
    pending.add(this.#ref)
    forget.register(this, this.#ref, this)
    if (!ticking) {
      ticking = setInterval(drainAll, LOG_FLUSH_MS)
      ticking.unref()
      // Before pino's own listeners, which flush each sonic-boom (and end it at beforeExit).
      process.prependListener('beforeExit', drainAll)
      process.prependListener('exit', drainAll)
    }
  }

  write(line: string): boolean {
    this.#parts.push(line)
    this.#chars += line.length
    if (this.#chars >= LOG_BATCH_CHARS) this.drain()
    return true
  }

  /** Hands what is pending to the file system (asynchronously). */
  drain(): void {
    if (!this.#parts.length) return
    // A destroyed stream takes nothing more; dropping the lines keeps them from piling up.
    if ((this.inner as { destroyed?: boolean }).destroyed) {
      this.#parts = []
      this.#chars = 0
      return
    }
    const batch = this.#parts.length === 1 ? this.#parts[0]! : this.#parts.join('')
    this.#parts = []
    this.#chars = 0
    this.inner.write(batch)
  }

  /** pino's logger.flush(): everything pending, handed on and flushed. */
  flush(cb?: (err?: Error) => void): void {
    this.drain()
    if (this.inner.flush) this.inner.flush(cb)
    else cb?.()
  }

  flushSync(): void {
    this.drain()
    this.inner.flushSync?.()
  }

  end(): void {
    this.drain()
    pending.delete(this.#ref)
    forget.unregister(this)
    this.inner.end?.()
  }
}

export const logDestination = (dest: string | number = 1) => new BatchedDestination(pino.destination({ dest, sync: false }))

export function createLogger(level: string, destination: pino.DestinationStream = logDestination()): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination)
}

const { chindingsSym, streamSym } = pino.symbols
type Sink = { write(line: string): unknown }

/**
 * An info line written the way pino writes it (level, time, the logger's bindings, the fields,
 * msg) straight to the logger's stream, skipping pino's per-call work: the redaction pass over
 * every path above, serializers and its generic stringify were a third of the CPU of a request
 * that does no database work (bench/http-hooks.ts). `members` is the inside of a JSON object
 * (`"a":1,"b":"x"`, or empty), serialised by the caller: only fields it has chosen and that hold
 * no secret; everything else goes through the logger. The access line is written this way
 * (src/app.ts). A request's lazy logger (below) writes its request id as the first field, where
 * pino would put the child's binding. The caller checks the level first.
 */
export function infoMembers(log: Logger, members: string, msg: string): void {
  let logger = log
  let own = ''
  if (log instanceof RequestLogger) {
    if (log.created) logger = log.logger
    else {
      // The request's bindings serialised on their own, after the parent's: spreading them into
      // the fields made a dictionary-mode object that JSON.stringify took four times as long over.
      own = `,${JSON.stringify(log.own).slice(1, -1)}`
      logger = log.parent
    }
  }
  const stream = (logger as unknown as Record<symbol, Sink>)[streamSym]!
  const bindings = ((logger as unknown as Record<symbol, string>)[chindingsSym] ?? '') + own
  stream.write(`{"level":30,"time":${Date.now()}${bindings}${members ? `,${members}` : ''},"msg":${JSON.stringify(msg)}}\n`)
}

type LogMethod = (...args: unknown[]) => void

/**
 * A request's logger, made only when something logs through it. Fastify gives every request a
 * child logger bound to its id; with the redaction paths above (their wildcards apply to
 * bindings too) making that child was a tenth of the CPU of a request with no database work,
 * and most requests log nothing but their access line, which `infoMembers` writes without it.
 * Fastify's `childLoggerFactory` hands this out (src/app.ts).
 */
export class RequestLogger {
  #child: Logger | undefined
  constructor(
    readonly parent: Logger,
    /** The request's own bindings (its id). */
    readonly own: pino.Bindings,
    readonly options: pino.ChildLoggerOptions,
  ) {}

  get created(): boolean {
    return this.#child !== undefined
  }
  /** The child logger itself, made now if it was not yet. */
  get logger(): Logger {
    this.#child ??= this.parent.child(this.own, this.options)
    return this.#child
  }
  get level(): string {
    return this.#child?.level ?? this.options.level ?? this.parent.level
  }
  set level(level: string) {
    this.logger.level = level
  }
  isLevelEnabled(level: string): boolean {
    const values = this.parent.levels.values
    return values[level]! >= values[this.level]!
  }
  declare fatal: LogMethod
  declare error: LogMethod
  declare warn: LogMethod
  declare info: LogMethod
  declare debug: LogMethod
  declare trace: LogMethod
  static {
    for (const method of ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const) {
      RequestLogger.prototype[method] = function (this: RequestLogger, ...args: unknown[]) {
        if (this.isLevelEnabled(method)) (this.logger[method] as LogMethod)(...args)
      }
    }
  }
  silent(): void {}
  bindings(): pino.Bindings {
    return this.#child ? this.#child.bindings() : { ...this.parent.bindings(), ...this.own }
  }
  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): Logger {
    return this.logger.child(bindings, options)
  }
}
