import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'mail', 'fixtures')
export const fixture = (name: string): Buffer => readFileSync(path.join(dir, name))

/** A minimal mail from header lines and a body, CRLF line breaks, for generated variants. */
export const eml = (headers: string[], body = 'Body.\n'): Buffer => Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body.replace(/\n/g, '\r\n')}`)
