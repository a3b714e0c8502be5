// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import fc from 'fast-check'
import { simpleParser } from 'mailparser'
import MailComposer from 'nodemailer/lib/mail-composer'
import t from 'tap'
import { type ComposeInput, composeMail } from '../../src/modules/mail/compose.ts'
import { TEXTS } from './fixtures/texts.ts'

/** What a reader sees of a message: mailparser's view of every field we write. */
async function read(bytes: Buffer) {
  const m = await simpleParser(bytes, { skipTextToHtml: true })
  const list = (a: typeof m.to) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => ({ address: v.address, name: v.name })))
  return {
    from: list(m.from),
    to: list(m.to),
    cc: list(m.cc),
    replyTo: list(m.replyTo),
    subject: m.subject,
    messageId: m.messageId,
    inReplyTo: m.inReplyTo,
    references: m.references,
    text: m.text,
    html: m.html || undefined,
    autoSubmitted: m.headers.get('auto-submitted'),
    xLoop: m.headers.get('x-loop'),
    date: m.date?.toISOString(),
  }
}

/** The same message through nodemailer's MailComposer, which compose.ts replaces on the hot path. */
const viaMailComposer = (input: ComposeInput) =>
  new Promise<Buffer>((resolve, reject) =>
    new MailComposer({ ...input, cc: input.cc ? [...input.cc] : undefined, references: input.references ? [...input.references] : undefined, to: [...input.to], newline: 'windows' })
      .compile()
      .build((err, bytes) => (err ? reject(err) : resolve(bytes))),
  )

const base: ComposeInput = {
  from: 'Desk Support <desk@example.com>',
  to: ['ivan.petrov@acme.bg'],
  replyTo: 'support@desk.example',
  subject: '[#12] We received your request',
  text: 'Hello,\n\nwe have received your request.\n',
  html: '<p>Hello,</p>\n<p>we have received your request.</p>\n',
  messageId: '<dl.12.0190a4c2-7c5e-748a-9142-d6d7a6e08ccc.0123456789abcdef0123@desk.example>',
  inReplyTo: '<customer-1@acme.bg>',
  references: ['<root@acme.bg>', '<customer-1@acme.bg>'],
  headers: { 'X-Loop': 'support@desk.example', 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
  date: new Date('2026-11-24T11:00:00Z'),
}

t.test('a reader gets every field back exactly, in several languages', async (t) => {
  for (const [lang, sample] of Object.entries(TEXTS) as [string, { subject?: string; body?: string }][]) {
    if (!sample.subject || !sample.body) continue
    const input = { ...base, from: `Поддръжка – ${lang} <desk@example.com>`, subject: `[#7] ${sample.subject}`, text: sample.body, html: `<p>${sample.body}</p>` }
    const got = await read(composeMail(input))
    t.same(got.from, [{ address: 'desk@example.com', name: `Поддръжка – ${lang}` }], `${lang}: From with an encoded display name`)
    t.equal(got.subject, input.subject, `${lang}: subject`)
    t.equal(got.text, input.text, `${lang}: text`)
    t.equal(got.html, input.html, `${lang}: html`)
  }
  const got = await read(composeMail(base))
  t.same(got.to, [{ address: 'ivan.petrov@acme.bg', name: '' }])
  t.same(got.replyTo, [{ address: 'support@desk.example', name: '' }])
  t.equal(got.messageId, base.messageId)
  t.equal(got.inReplyTo, base.inReplyTo)
  t.same(got.references, base.references)
  t.equal(got.autoSubmitted, 'auto-generated')
  t.equal(got.xLoop, 'support@desk.example')
  t.equal(got.date, '2026-11-24T11:00:00.000Z')
})

t.test('reads the same as the MailComposer output for arbitrary subjects, names and bodies', async (t) => {
  const text = fc.string({ unit: 'grapheme', maxLength: 400 })
  // Templates never render an empty text body; MailComposer drops an empty part, this keeps it.
  const body = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 400 })
  const line = fc.array(fc.oneof(fc.constantFrom(' ', '=', '.', '\t', '=?utf-8?q?x?=', 'From ', '--', 'é', 'ж', 'ș', '\u{1F600}'), fc.string({ maxLength: 90 })), { maxLength: 8 }).map((a) => a.join(''))
  await fc.assert(
    fc.asyncProperty(
      fc.record({ subject: fc.oneof(text, line), name: fc.oneof(text, line), body: fc.oneof(body, fc.array(line, { minLength: 1, maxLength: 6 }).map((a) => a.join('\n')).filter((s) => s.length > 0)), html: fc.option(text, { nil: undefined }), cc: fc.boolean() }),
      async ({ subject, name, body, html, cc }) => {
        const input: ComposeInput = {
          ...base,
          from: `${JSON.stringify(name)} <desk@example.com>`,
          subject,
          text: body,
          html,
          cc: cc ? ['anna@acme.bg', 'boris@acme.bg'] : undefined,
        }
        const [ours, theirs] = await Promise.all([read(composeMail(input)), read(await viaMailComposer(input))])
        t.same(ours, theirs)
        return true
      },
    ),
    { numRuns: 150 },
  )
})

t.test('wire form: CRLF lines of at most 78 characters where they can be folded, the boundary in no part; files get LF', async (t) => {
  const long = 'word '.repeat(60)
  const input = { ...base, subject: `${long}Фактура ${long}`, text: `${'x'.repeat(300)}\n${long}`, html: `<p>${'y'.repeat(300)}</p>` }
  const wire = composeMail(input).toString('utf8')
  t.notOk(/[^\r]\n/.test(wire), 'every line ends in CRLF')
  const lines = wire.split('\r\n')
  // A header holding one unbreakable token (our Message-ID is longer than 78) cannot be folded.
  const unbreakable = (l: string) => /^(?:[\w-]+: | )\S+$/.test(l)
  t.same(
    lines.filter((l) => l.length > 78 && !unbreakable(l)),
    [],
    'no foldable line longer than 78',
  )
  t.ok(
    lines.every((l) => l.length <= 998),
    'no line longer than 998 (RFC 5322 §2.1.1)',
  )
  t.ok(
    [...wire].every((c) => c.charCodeAt(0) < 0x80),
    'seven-bit clean',
  )
  const boundary = /boundary="([^"]+)"/.exec(wire)![1]!
  t.equal(wire.split(`--${boundary}`).length, 4, 'the boundary opens two parts and closes the message, nowhere else')
  const file = composeMail({ ...input, newline: '\n' }).toString('utf8')
  t.notOk(file.includes('\r'), 'a file has LF line ends')
  t.same(await read(Buffer.from(file)), await read(Buffer.from(wire)), 'and reads the same')
})

t.test('text only: a single part; header values cannot break out of their header', async (t) => {
  const got = composeMail({ ...base, html: undefined, subject: 'Line one\r\nBcc: victim@example.com', headers: { 'X-Loop': 'a\r\nInjected: yes' } }).toString('utf8')
  const head = got.slice(0, got.indexOf('\r\n\r\n'))
  t.notMatch(head, /^Bcc:/m)
  t.notMatch(head, /^Injected:/m)
  t.notMatch(got, /multipart/)
  const m = await read(Buffer.from(got))
  t.equal(m.subject, 'Line one Bcc: victim@example.com', 'the line break became a space, as MimeNode makes it')
  t.equal(m.text, base.text)
})
