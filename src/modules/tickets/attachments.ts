import { and, eq } from 'drizzle-orm'
import sanitizeHtml from 'sanitize-html'
import type { Config } from '../../config.ts'
import type { Db } from '../../db/client.ts'
import { messageAttachments } from '../../db/schema/index.ts'
import { AppError, type FieldError } from '../../lib/errors.ts'
import { detectContentType, filenameFault, sanitizeFilename } from '../../lib/files.ts'
import { type BlobStore, recordBlobs, type StagedBlob } from '../blobs/blob-store.ts'

/** A file as a channel received it: the API's multipart part, a mail attachment. */
export interface IncomingFile {
  filename?: string
  bytes: Buffer
  inline?: boolean
  contentId?: string | null
}

export interface PreparedFile {
  filename: string
  contentType: string
  bytes: Buffer
  inline: boolean
  contentId: string | null
}

type Limits = Pick<Config, 'ATTACHMENT_MAX_BYTES' | 'MESSAGE_ATTACHMENTS_MAX_BYTES' | 'MESSAGE_ATTACHMENTS_MAX_COUNT'>

const fileError = (code: 'PAYLOAD_TOO_LARGE' | 'UNPROCESSABLE', index: number, message: string, detail: string) =>
  new AppError(code, detail, { errors: [{ in: 'body', field: `files.${index}`, message }] })

export const tooLarge = (index: number, name: string | undefined, max: number) =>
  fileError('PAYLOAD_TOO_LARGE', index, `is larger than ${max} bytes`, `the file ${name ?? index} is larger than the limit of ${max} bytes per file`)
export const tooMuch = (max: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `the files of one message may not exceed ${max} bytes together`, {
    errors: [{ in: 'body', field: 'files', message: `exceed ${max} bytes together` }],
  })
export const tooMany = (max: number) =>
  new AppError('UNPROCESSABLE', `a message may carry at most ${max} files`, { errors: [{ in: 'body', field: 'files', message: `more than ${max} files` }] })

/**
 * Checks the limits (per file, per message, count), refuses empty files, sanitises names and
 * detects each type from the bytes (a client's Content-Type is never trusted). No I/O.
 */
export async function prepareFiles(limits: Limits, files: readonly IncomingFile[]): Promise<PreparedFile[]> {
  if (files.length > limits.MESSAGE_ATTACHMENTS_MAX_COUNT) throw tooMany(limits.MESSAGE_ATTACHMENTS_MAX_COUNT)
  let total = 0
  const out: PreparedFile[] = []
  for (const [i, f] of files.entries()) {
    if (f.bytes.length === 0) throw fileError('UNPROCESSABLE', i, 'is empty', `the file ${f.filename ?? i} is empty`)
    if (f.bytes.length > limits.ATTACHMENT_MAX_BYTES) throw tooLarge(i, f.filename, limits.ATTACHMENT_MAX_BYTES)
    total += f.bytes.length
    if (total > limits.MESSAGE_ATTACHMENTS_MAX_BYTES) throw tooMuch(limits.MESSAGE_ATTACHMENTS_MAX_BYTES)
    out.push({
      filename: sanitizeFilename(f.filename),
      contentType: await detectContentType(f.bytes),
      bytes: f.bytes,
      inline: f.inline ?? false,
      contentId: f.contentId ?? null,
    })
  }
  return out
}

export type StagedFile = PreparedFile & { blob: StagedBlob }

/**
 * Hands the bodies to the blob store (content-addressed; all at once): call it before opening the
 * transaction that will reference them, so a store outside the database (S3, a shared directory)
 * is never written while a connection and the ticket's lock are held.
 */
export const stageFiles = (store: BlobStore, files: readonly PreparedFile[]): Promise<StagedFile[]> =>
  Promise.all(files.map(async (f) => ({ ...f, blob: await store.stage(f.bytes) })))

/** The blob rows (for bytes already staged) and the attachment rows, in the caller's transaction. */
export async function storeFiles(tx: Db, ticketId: string, messageId: string, files: readonly StagedFile[], now: Date) {
  if (!files.length) return []
  await recordBlobs(tx, files.map((f) => f.blob))
  const rows = files.map((f) => ({ messageId, ticketId, blobHash: f.blob.hash, filename: f.filename, contentType: f.contentType, size: f.blob.size, inline: f.inline, contentId: f.contentId, createdAt: now }))
  return tx.insert(messageAttachments).values(rows).returning()
}

export const findAttachment = async (db: Db, id: string) => (await db.select().from(messageAttachments).where(eq(messageAttachments.id, id)))[0]

export const attachmentsOfTicket = (db: Db, ticketId: string, messageIds?: string[]) =>
  db
    .select()
    .from(messageAttachments)
    .where(and(eq(messageAttachments.ticketId, ticketId)))
    .then((rows) => (messageIds ? rows.filter((r) => messageIds.includes(r.messageId)) : rows))

/**
 * HTML as clients may send it: sanitize-html's defaults keep formatting and links and drop
 * scripts, event handlers, iframes and styles; images are allowed by `cid:`/https source only.
 */
const BODY_HTML: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img'],
  allowedAttributes: { ...sanitizeHtml.defaults.allowedAttributes, img: ['src', 'alt', 'width', 'height'] },
  allowedSchemes: ['https', 'mailto', 'cid'],
}

export const sanitizeBody = (html: string): string => sanitizeHtml(html, BODY_HTML)

/** Elements that run code or load another document into the page. */
const ACTIVE_ELEMENTS = new Set(['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet'])
/** Attributes whose value a browser follows or loads as a URL. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'background', 'poster', 'cite', 'longdesc', 'lowsrc', 'dynsrc'])

/** The scheme a browser would see: it ignores spaces and control characters around and tabs and newlines inside it. */
function scriptScheme(url: string): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: browsers drop these characters before reading the scheme
  const m = /^(javascript|vbscript):/.exec(url.replace(/[\u0000-\u0020]/g, '').toLowerCase())
  return m ? m[1]! : null
}

/**
 * What in `html` would run code in a browser: script-like elements, event-handler attributes,
 * javascript:/vbscript: URLs. The walk is sanitize-html's own (its htmlparser2, with the options
 * sanitizeBody uses, entities decoded), so tags and attributes are read exactly as the
 * sanitiser reads them. sanitizeBody still runs on what passes: this names the problem for a
 * client, the sanitiser is what keeps stored HTML safe.
 */
export function activeContent(html: string): string[] {
  const found = new Set<string>()
  sanitizeHtml(html, {
    ...BODY_HTML,
    onOpenTag: (tag, attribs) => {
      if (ACTIVE_ELEMENTS.has(tag)) found.add(`a <${tag}> element`)
      for (const [name, value] of Object.entries(attribs)) {
        if (name.length > 2 && name.startsWith('on')) found.add(`an ${name} event-handler attribute on <${tag}>`)
        const scheme = URL_ATTRIBUTES.has(name) ? scriptScheme(value) : null
        if (scheme) found.add(`a ${scheme}: URL in the ${name} of <${tag}>`)
      }
    },
  })
  return [...found]
}

/**
 * The API's refusals of what mail intake cleans silently: a filename with a path or control
 * characters, HTML with active content. An API client can correct its request and send it
 * again, so it is told precisely instead of having its input changed under it; a mail sender
 * cannot be asked, so mail goes straight to intake, which sanitises. Checks only: nothing is
 * written before or by this.
 */
export function refuseUnsafeInput(bodyHtml: string | undefined, files: readonly IncomingFile[]): void {
  const errors: FieldError[] = []
  for (const [i, f] of files.entries()) {
    const fault = f.filename === undefined ? null : filenameFault(f.filename)
    if (fault) errors.push({ in: 'body', field: `files.${i}.filename`, message: fault })
  }
  const active = bodyHtml ? activeContent(bodyHtml) : []
  if (active.length) errors.push({ in: 'body', field: 'bodyHtml', message: `has active content, which is refused rather than removed: ${active.join('; ')}` })
  if (errors.length) throw new AppError('UNPROCESSABLE', errors.map((e) => `${e.field} ${e.message}`).join('; '), { errors })
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }

/** Plain text of an HTML body, for search and for clients that show text only. */
export function textOfHtml(html: string): string {
  const marked = html.replace(/<(br|\/p|\/div|\/li|\/h[1-6]|\/tr|\/blockquote)\b[^>]*>/gi, '\n')
  const stripped = sanitizeHtml(marked, { allowedTags: [], allowedAttributes: {} })
  return stripped
    .replace(/&(#x?[0-9a-f]+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const cp = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10)
        return Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m
      }
      return ENTITIES[e.toLowerCase()] ?? m
    })
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}
