import { convert } from 'html-to-text'
import sanitize from 'sanitize-html'

/**
 * Message content (issue: "text and HTML bodies (HTML sanitised, text extracted); quoted history
 * and signatures separated from the new text where that can be done reliably").
 */

const INLINE_IMAGE = /^(?:cid:[^\s"'<>]+|data:image\/(?:png|jpeg|gif|webp);base64,[a-z0-9+/=\s]+)$/i

/**
 * HTML that is safe to show an agent: basic formatting, tables, links (http, https, mailto; opened
 * with rel=noopener), and images only from `cid:` (our stored inline attachments) or raster
 * `data:image/*`. Remote images are dropped: they are tracking pixels and leak that the mail was read.
 * Scripts, styles (CSS can fetch URLs and overlay the UI), event handlers, iframes, forms and
 * SVG data URLs are removed.
 */
export function sanitizeHtml(html: string): string {
  return sanitize(html, {
    allowedTags: [...sanitize.defaults.allowedTags, 'img', 'font', 'center'],
    allowedAttributes: {
      a: ['href', 'title', 'rel', 'target'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      td: ['colspan', 'rowspan', 'align', 'valign'],
      th: ['colspan', 'rowspan', 'align', 'valign'],
      table: ['border', 'cellpadding', 'cellspacing'],
      font: ['color'],
      '*': ['dir', 'lang'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['cid', 'data'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' } }),
      img: (tagName, attribs) => {
        const { src, ...rest } = attribs
        return { tagName, attribs: src && INLINE_IMAGE.test(src.trim()) ? { ...attribs, src: src.trim() } : rest }
      },
    },
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs['src'],
  })
}

/** Readable text from HTML, for search, previews and the plain-text part when a mail has only HTML. */
export function htmlToText(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'img', format: 'skip' },
    ],
  }).trim()
}

export interface SplitText {
  newText: string
  quoted?: string
  signature?: string
}

// Reply attributions as Gmail, Outlook, Apple Mail, Thunderbird, Abv.bg, Yandex and Mail.ru write
// them, whole-line (possibly wrapped over up to three lines) so that a sentence in the body never matches.
const ATTRIBUTION = [
  /^On .{3,300}\swrote:$/,
  /^На .{3,300}\s(?:написа|е написал|е написала|написал|написала):$/u,
  /^(?:В|Во) .{3,300}\s(?:пишет|писал|написал|написала|пише|написав):$/u,
  /^(?:În|In) .{3,300}\sa scris:$/u,
  /^.{3,300}\sje napisao(?:\/la|\(la\))?:$/u,
  /^.{3,300}\sje napisala:$/u,
  /^Am .{3,300}\sschrieb .{0,200}:$/,
]
const ORIGINAL_MESSAGE =
  /^-{2,}\s*(?:Original Message|Оригинално съобщение|Оригинално писмо|Исходное сообщение|Исходное письмо|Mesaj original|Mesajul original|Izvorna poruka|Originalna poruka|Ursprüngliche Nachricht)\s*-{2,}$/iu
// Outlook's header block: a From line, then its Sent/Date line within the next three lines.
const OUTLOOK_FROM = /^\*?(?:From|От|De la|Od|Šalje|Von):\*?\s+\S/u
const OUTLOOK_SENT = /^\*?(?:Sent|Date|Изпратено|Дата|Отправлено|Trimis|Data|Poslano|Datum|Gesendet):\*?\s+\S/u
const SIGNATURE_DELIMITER = /^-- ?$/
const MOBILE_SIGNATURE =
  /^(?:Sent from my \S.{0,40}|Sent from (?:Outlook|Mail|Yahoo Mail) for \S.{0,30}|Get Outlook for \S.{0,20}|Sent from Mail for Windows|Изпратено от моя \S.{0,30}|Изпратено от \S.{0,30}|Отправлено (?:с|из|со) .{1,50}|Trimis de pe .{1,40}|Trimis din .{1,40}|Poslano (?:s|sa|iz) .{1,40})$/iu

function quoteStart(lines: string[]): number | undefined {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (!line) continue
    if (ORIGINAL_MESSAGE.test(line)) return i
    if (OUTLOOK_FROM.test(line) && lines.slice(i + 1, i + 4).some((l) => OUTLOOK_SENT.test(l.trim()))) {
      // Outlook puts a rule of underscores (or nothing) right above; take it with the block.
      const prev = lines[i - 1]?.trim() ?? ''
      return /^_{5,}$/.test(prev) ? i - 1 : i
    }
    // An attribution ends in ':' and may be wrapped over up to three lines: try the shortest span
    // ending here, never across a blank line, so the line before it is not swallowed.
    if (!line.endsWith(':')) continue
    for (let span = 1; span <= 3 && i - span + 1 >= 0; span++) {
      const part = lines.slice(i - span + 1, i + 1).map((l) => l.trim())
      if (part.some((l) => !l)) break
      if (ATTRIBUTION.some((re) => re.test(part.join(' ')))) return i - span + 1
    }
  }
  return undefined
}

const isQuoteLine = (l: string) => /^\s*>/.test(l)
const isBlank = (l: string) => !l.trim()

/**
 * Separates the new text of a reply from the quoted history below it and the signature above that.
 * Only where it is reliable: a quote header (attribution, "Original Message", Outlook's From/Sent
 * block) followed by no unquoted text after `>` lines (interleaved answers stay), or a trailing run of
 * `>` lines; a signature only after an RFC 3676 "-- " line or as a trailing mobile "Sent from …" line.
 * When nothing new would remain, everything stays in newText: losing the customer's words is worse
 * than showing a quote twice.
 */
export function splitQuoted(text: string): SplitText {
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  let cut = quoteStart(lines)
  if (cut !== undefined) {
    const after = lines.slice(cut + 1)
    const firstQuote = after.findIndex(isQuoteLine)
    // "On … wrote:" over `>` lines with unquoted text after them is bottom-posting or an interleaved answer.
    if (firstQuote >= 0 && after.slice(firstQuote).some((l) => !isQuoteLine(l) && !isBlank(l))) cut = undefined
  }
  if (cut === undefined) {
    let k = lines.length
    while (k > 0 && (isQuoteLine(lines[k - 1]!) || isBlank(lines[k - 1]!))) k--
    if (k < lines.length && lines.slice(k).some(isQuoteLine)) cut = k
  }

  let head = cut === undefined ? lines : lines.slice(0, cut)
  const quoted = cut === undefined ? undefined : lines.slice(cut).join('\n').trim()

  let signature: string | undefined
  const sigAt = head.findLastIndex((l) => SIGNATURE_DELIMITER.test(l))
  if (sigAt >= 0 && head.length - sigAt <= 16) {
    signature = head.slice(sigAt + 1).join('\n').trim()
    head = head.slice(0, sigAt)
  } else {
    const last = head.findLastIndex((l) => !isBlank(l))
    if (last >= 0 && MOBILE_SIGNATURE.test(head[last]!.trim())) {
      signature = head[last]!.trim()
      head = head.slice(0, last)
    }
  }

  const newText = head.join('\n').trim()
  if (!newText) return { newText: text.replace(/\r\n?/g, '\n').trim() }
  const out: SplitText = { newText }
  if (quoted) out.quoted = quoted
  if (signature) out.signature = signature
  return out
}
