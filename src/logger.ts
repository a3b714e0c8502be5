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
 * Where log lines go (stdout by default): written in batches of 4 KB, and at least once a second.
 * Handing each line to the file system on its own (pino's default) was an eighth of the CPU of a
 * ticket create (bench/tickets-create.ts). What is buffered is written when the process exits,
 * also on an uncaught error; a process killed outright (SIGKILL) loses at most a second of lines.
 */
export const logDestination = (dest: string | number = 1) => pino.destination({ dest, sync: false, minLength: 4096, periodicFlush: 1000 })

export function createLogger(level: string, destination: pino.DestinationStream = logDestination()): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination)
}
