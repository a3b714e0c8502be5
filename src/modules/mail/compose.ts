import { randomBytes } from 'node:crypto'
import { encode as base64, wrap as wrapBase64 } from 'nodemailer/lib/base64'
import { foldLines } from 'nodemailer/lib/mime-funcs'
import MimeNode from 'nodemailer/lib/mime-node'
import { encode as quotedPrintable, wrap as wrapQuotedPrintable } from 'nodemailer/lib/qp'

/**
 * The bytes of one outbound notification, in the fixed shape every one of ours has: headers, then
 * the text alone or text and HTML as multipart/alternative. Written for the dispatcher's hot path:
 * nodemailer's MailComposer (a tree of MimeNodes streamed through transforms, every header
 * re-parsed) cost 0.4-0.8 ms of CPU per acknowledgement, half as much as the whole intake
 * transaction's JavaScript, and this costs 30-50 µs. The encodings are still nodemailer's own (its
 * quoted-printable and base64 encoders, its header encoder for anything that is not plain ASCII,
 * its line folding), applied the way MimeNode applies them; test/mail/compose.test.ts checks that
 * mailparser reads the same message from both, for arbitrary subjects, names and bodies.
 */
export interface ComposeInput {
  from: string
  to: readonly string[]
  cc?: readonly string[] | undefined
  replyTo?: string | undefined
  subject: string
  text: string
  html?: string | undefined
  messageId: string
  inReplyTo?: string | undefined
  references?: readonly string[] | undefined
  headers?: Record<string, string> | undefined
  /** The moment written in the Date header. */
  date: Date
  /** `\n` for files, `\r\n` (the default) for the wire. */
  newline?: '\n' | '\r\n'
}

// An address that needs neither a display name nor quoting is written as is; anything else goes
// through nodemailer's address parser and encoder.
const PLAIN_ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*$/
// Printable ASCII without the double quote, which MimeNode encodes too.
const PLAIN_TEXT = /^[\x20\x21\x23-\x7e]*$/

/** Encoded address headers by value: a deployment sends from a handful of From and Reply-To values. */
const addressHeaders = new Map<string, string>()
function addressHeader(key: string, list: readonly string[]): string {
  if (list.every((a) => PLAIN_ADDRESS.test(a))) return list.join(', ')
  const cacheKey = `${key}\0${list.join('\0')}`
  let value = addressHeaders.get(cacheKey)
  if (value === undefined) {
    value = MimeNode.encodeHeaderValue(key, list.join(', '))
    if (addressHeaders.size >= 256) addressHeaders.clear()
    addressHeaders.set(cacheKey, value)
  }
  return value
}

/**
 * Unstructured text (Subject, extra headers): as is when plain ASCII, else as MimeNode writes
 * it (encoded words; line breaks made spaces). Text that merely looks like an encoded word ("=?")
 * goes to MimeNode too, which encodes it so that no reader decodes what the sender typed.
 */
const textHeader = (key: string, value: string): string => (PLAIN_TEXT.test(value) && !value.includes('=?') ? value : MimeNode.encodeHeaderValue(key, value))

/** Message-IDs arrive normalised (parse.ts normalizeMessageId); a control character would still end the header early. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const ids = (list: readonly string[]) => list.join(' ').replace(/[\x00-\x1f\x7f]/g, '')

/**
 * MimeNode's choice: quoted-printable when Latin letters outnumber other characters, base64
 * otherwise. ASCII text, which MimeNode sends as 7bit when its lines are short, is
 * quoted-printable here: the same text to a reader, and safe whatever its line lengths.
 */
function transferEncoding(value: string): 'quoted-printable' | 'base64' {
  let latin = 0
  let other = 0
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c <= 0x08 || c === 0x0b || c === 0x0c || (c >= 0x0e && c <= 0x1f) || c >= 0x80) other++
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) latin++
  }
  return other === 0 || other < latin ? 'quoted-printable' : 'base64'
}

function part(contentType: string, content: string): string {
  const encoding = transferEncoding(content)
  // Line ends inside the text become CRLF first: quoted-printable keeps them as hard breaks, and
  // base64 must carry the canonical form of text (RFC 2045 §6.8).
  const canonical = content.replace(/\r?\n/g, '\r\n')
  const body = encoding === 'base64' ? wrapBase64(base64(Buffer.from(canonical, 'utf8')), 76) : wrapQuotedPrintable(quotedPrintable(canonical), 76)
  return `Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${body}`
}

// "=_" cannot occur in quoted-printable (every literal "=" is written "=3D") or base64 text, so
// no encoded part can contain the boundary. The random prefix keeps two processes' boundaries apart.
const boundaryPrefix = `=_dl_${randomBytes(6).toString('hex')}_`
let boundaryCount = 0

const header = (key: string, value: string) => foldLines(`${key}: ${value}`, 76)

export function composeMail(input: ComposeInput): Buffer {
  const lines: string[] = [header('From', addressHeader('From', [input.from])), header('To', addressHeader('To', input.to))]
  if (input.cc?.length) lines.push(header('Cc', addressHeader('Cc', input.cc)))
  if (input.replyTo) lines.push(header('Reply-To', addressHeader('Reply-To', [input.replyTo])))
  lines.push(header('Subject', textHeader('Subject', input.subject)))
  lines.push(header('Message-ID', ids([input.messageId])))
  if (input.inReplyTo) lines.push(header('In-Reply-To', ids([input.inReplyTo])))
  if (input.references?.length) lines.push(header('References', ids(input.references)))
  lines.push(`Date: ${input.date.toUTCString().replace(/GMT/, '+0000')}`, 'MIME-Version: 1.0')
  for (const [key, value] of Object.entries(input.headers ?? {})) {
    if (/^[\x21-\x39\x3b-\x7e]+$/.test(key)) lines.push(header(key, textHeader(key, value)))
  }
  let message: string
  // An empty HTML body is no HTML body, as for MailComposer.
  if (!input.html) {
    message = `${lines.join('\r\n')}\r\n${part('text/plain', input.text)}`
    // A message ends with a line end (nodemailer's LastNewline does the same).
    if (!message.endsWith('\r\n')) message += '\r\n'
  } else {
    const boundary = `${boundaryPrefix}${++boundaryCount}`
    lines.push(`Content-Type: multipart/alternative;\r\n boundary="${boundary}"`)
    message = `${lines.join('\r\n')}\r\n\r\n--${boundary}\r\n${part('text/plain', input.text)}\r\n--${boundary}\r\n${part('text/html', input.html)}\r\n--${boundary}--\r\n`
  }
  return Buffer.from(input.newline === '\n' ? message.replace(/\r\n/g, '\n') : message, 'utf8')
}
