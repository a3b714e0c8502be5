import { fileTypeFromBuffer } from 'file-type'

// Control characters (C0, DEL, C1) and the Unicode bidi controls that make "exe.pdf" display as "fdp.exe".
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/**
 * A filename safe to store and to send back in Content-Disposition: no directory parts
 * (either separator), no control or bidi-override characters, no leading dots (hidden or
 * `..`), NFC-normalised, at most 200 characters with the extension kept.
 */
export function sanitizeFilename(name: string | undefined, fallback = 'attachment'): string {
  let n = (name ?? '').normalize('NFC')
  n = n.split(/[\\/]/).pop() ?? ''
  n = n.replace(CONTROL_CHARS, '')
  n = n.replace(/[<>:"|?*]/g, '_').trim()
  n = n.replace(/^\.+/, '').trim()
  if (!n) return fallback
  if (n.length > 200) {
    const dot = n.lastIndexOf('.')
    const ext = dot > 0 && n.length - dot <= 16 ? n.slice(dot) : ''
    n = n.slice(0, 200 - ext.length) + ext
  }
  return n
}

/**
 * Why a filename a client chose is refused, or null. A path or a control character in a name is
 * a client's mistake (or an attack) it can correct, so the API says so instead of guessing what
 * was meant; mail, whose sender cannot be asked again, goes through sanitizeFilename only.
 */
export function filenameFault(name: string): string | null {
  const separator = /[\\/]/.exec(name)
  if (separator) return `contains the path separator ${separator[0]}: give the file's name without a directory`
  const controls = name.match(CONTROL_CHARS)
  if (controls) {
    const codes = [...new Set(controls)].map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`)
    return `contains the control character${codes.length > 1 ? 's' : ''} ${codes.join(', ')}`
  }
  return null
}

const TEXTUAL = /^(text\/|application\/(json|xml|csv))/

/**
 * The media type from the bytes, never from the client: magic numbers first; text that is
 * valid UTF-8 without NULs is text/plain; anything else is application/octet-stream.
 */
export async function detectContentType(bytes: Buffer): Promise<string> {
  const found = await fileTypeFromBuffer(bytes)
  if (found) return found.mime
  if (bytes.length === 0) return 'application/octet-stream'
  const sample = bytes.subarray(0, 4096)
  if (sample.includes(0)) return 'application/octet-stream'
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.length < bytes.length ? sample.subarray(0, lastCompleteUtf8(sample)) : sample)
    return 'text/plain'
  } catch {
    return 'application/octet-stream'
  }
}

/** Cuts a sample at a character boundary so a multi-byte character split by the sample is not an error. */
function lastCompleteUtf8(b: Buffer): number {
  const i = b.length
  for (let k = 1; k <= 3 && i - k >= 0; k++) {
    const c = b[i - k]!
    if ((c & 0xc0) === 0x80) continue
    if ((c & 0xe0) === 0xc0 && k < 2) return i - k
    if ((c & 0xf0) === 0xe0 && k < 3) return i - k
    if ((c & 0xf8) === 0xf0 && k < 4) return i - k
    break
  }
  return i
}

export const isTextual = (mime: string) => TEXTUAL.test(mime)

/** RFC 6266 / 8187 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`
}
