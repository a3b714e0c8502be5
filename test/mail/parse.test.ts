// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import t from 'tap'
import { messageIdsIn, normalizeMessageId, parseHeaderBlock, parseInbound, syntheticMessageKey } from '../../src/modules/mail/parse.ts'
import { TEXTS } from './fixtures/texts.ts'
import { eml, fixture } from '../helpers/mail-fixtures.ts'

t.test('every charset decodes to the exact Unicode text', async (t) => {
  const cases: [string, { subject: string; body: string }][] = [
    ['utf8-bulgarian.eml', TEXTS.bg],
    ['windows-1251-russian.eml', TEXTS.ru1251],
    ['koi8-r-russian.eml', TEXTS.koi8r],
    ['koi8-u-ukrainian.eml', TEXTS.koi8u],
    ['iso-8859-2-croatian.eml', TEXTS.hr88592],
    ['iso-8859-16-romanian.eml', TEXTS.ro],
    ['windows-1250-croatian.eml', TEXTS.hr1250],
  ]
  for (const [file, expected] of cases) {
    const p = await parseInbound(fixture(file))
    t.equal(p.subject, expected.subject, `${file} subject`)
    t.equal(p.text, expected.body, `${file} body`)
  }
  const ro = await parseInbound(fixture('iso-8859-16-romanian.eml'))
  t.match(ro.text, /ș.*ț|ț.*ș/s, 'comma-below ș and ț, not cedilla ş ţ')
  t.notMatch(ro.text, /[şţ]/)
})

t.test('headers, addresses and ids', async (t) => {
  const p = await parseInbound(fixture('utf8-bulgarian.eml'))
  t.equal(p.from, 'ivan.petrov@acme.bg')
  t.equal(p.fromName, 'Иван Петров', 'encoded-word display name decoded, for display only')
  t.same(p.to, ['support@desk.example.com'])
  t.same(p.deliveredTo, ['support@desk.example.com'])
  t.equal(p.messageId, '<bg-1@mail.acme.bg>')
  t.equal(p.date?.toISOString(), '2026-11-24T08:15:00.000Z')
  t.same(p.headers.get('return-path'), ['<ivan.petrov@acme.bg>'])

  const threaded = await parseInbound(
    eml([
      'From: "Ivan" <Ivan.Petrov@ACME.bg>, ',
      'To: a@x.bg, Team: b@x.bg, c@x.bg;',
      'Cc: <D@X.bg>',
      'Message-ID: <First@Mail.ACME.bg>',
      'Message-ID: <second@mail.acme.bg>',
      'In-Reply-To: <dl.1.a.b@Desk.Example.com> (message from Support)',
      'References: <root@x.bg>',
      '  <mid@x.bg> <dl.1.a.b@desk.example.com>',
      'Subject: Re: test',
    ]),
  )
  t.equal(threaded.from, 'ivan.petrov@acme.bg', 'lower-cased')
  t.same(threaded.to, ['a@x.bg', 'b@x.bg', 'c@x.bg'], 'groups flattened')
  t.same(threaded.cc, ['d@x.bg'])
  t.equal(threaded.messageId, '<First@mail.acme.bg>', 'first Message-ID; only the domain lower-cased')
  t.same(threaded.inReplyTo, ['<dl.1.a.b@desk.example.com>'], 'comment after the id ignored')
  t.same(threaded.references, ['<root@x.bg>', '<mid@x.bg>', '<dl.1.a.b@desk.example.com>'], 'folded References unfolded, order kept')

  const two = await parseInbound(eml(['From: a@x.bg, b@y.bg', 'Subject: s']))
  t.equal(two.from, undefined, 'two From addresses: no single sender to authorise')
})

t.test('sender is the parsed address, never the display name (trap 17)', async (t) => {
  const spoof = await parseInbound(fixture('from-display-spoof.eml'))
  t.equal(spoof.from, 'evil@attacker.example')
  t.equal(spoof.fromName, 'ceo@acme.bg')
  const ew = await parseInbound(fixture('from-encoded-word.eml'))
  t.equal(ew.from, undefined, 'encoded-word From yields no sender')
  const empty = await parseInbound(eml(['From: =?utf-8?B?Y2VvQGFjbWUuYmc=?= <>', 'Subject: s']))
  t.equal(empty.from, undefined, 'empty angle address yields no sender')
  const none = await parseInbound(eml(['Subject: no from at all']))
  t.equal(none.from, undefined)
  t.equal(none.messageId, undefined)
  t.equal(none.subject, 'no from at all')
})

t.test('HTML, inline image and a hostile attachment name', async (t) => {
  const p = await parseInbound(fixture('html-inline-attachments.eml'))
  t.equal(p.text, TEXTS.html.text)
  t.equal(p.html, TEXTS.html.html, 'HTML kept as sent (sanitised at display), cid: links not inlined')
  t.equal(p.attachments.length, 2)
  const [logo, pdf] = p.attachments
  t.match(logo, { filename: 'logo.png', contentType: 'image/png', declaredContentType: 'image/png', inline: true, contentId: 'logo@acme.bg' })
  t.match(pdf, { filename: 'evil.pdf', contentType: 'application/pdf', inline: false })
  t.ok(pdf!.bytes.subarray(0, 5).equals(Buffer.from('%PDF-')))
})

t.test('nested message and winmail.dat stay attachments', async (t) => {
  const fwd = await parseInbound(fixture('rfc822-attachment.eml'))
  t.equal(fwd.text, 'Forwarding the complaint below.\n')
  t.equal(fwd.attachments.length, 1)
  t.match(fwd.attachments[0], { filename: 'message.eml', declaredContentType: 'message/rfc822', inline: false })
  t.match(fwd.attachments[0]!.bytes.toString('utf8'), /^From: Maria <maria@acme\.bg>\r\n/)
  t.equal(fwd.messageId, '<fwd-1@mail.acme.bg>', 'the inner Message-ID does not leak into the outer mail')

  const tnef = await parseInbound(fixture('winmail.eml'))
  t.match(tnef.attachments, [{ filename: 'winmail.dat', declaredContentType: 'application/ms-tnef', contentType: 'application/octet-stream' }])
  t.same([...tnef.attachments[0]!.bytes.subarray(0, 4)], [0x78, 0x9f, 0x3e, 0x22])
})

t.test('normalizeMessageId and messageIdsIn', async (t) => {
  t.equal(normalizeMessageId(' <Abc.DEF@Mail.Example.COM> '), '<Abc.DEF@mail.example.com>')
  t.equal(normalizeMessageId('abc@EXAMPLE.com'), '<abc@example.com>', 'brackets added')
  t.equal(normalizeMessageId('<>'), undefined)
  t.equal(normalizeMessageId(''), undefined)
  t.equal(normalizeMessageId(undefined), undefined)
  t.equal(normalizeMessageId('<a b@c>'), undefined, 'whitespace inside')
  t.equal(normalizeMessageId('<no-at-sign>'), '<no-at-sign>')
  t.same(messageIdsIn('<a@X.com> <b@y.com> <a@x.com>'), ['<a@x.com>', '<b@y.com>'])
  t.same(messageIdsIn('bare@Example.com'), ['<bare@example.com>'])
  t.same(messageIdsIn('two bare words'), [])
  t.same(messageIdsIn(undefined), [])
})

t.test('parseHeaderBlock', async (t) => {
  const h = parseHeaderBlock('Status: 5.1.1\r\nDiagnostic-Code: smtp; 550\r\n  user unknown\r\nbroken line\r\n\r\nAfter: blank')
  t.same(h.get('status'), ['5.1.1'])
  t.same(h.get('diagnostic-code'), ['smtp; 550 user unknown'])
  t.equal(h.has('after'), false, 'stops at the first blank line')
  t.equal(h.size, 2)
})

t.test('syntheticMessageKey: stable across redelivery, distinct otherwise', async (t) => {
  const raw = fixture('no-message-id.eml')
  const p = await parseInbound(raw)
  t.equal(p.messageId, undefined)
  const key = syntheticMessageKey('support@desk.example.com', p, raw)
  t.match(key, /^<[0-9a-f]{64}@synthetic\.invalid>$/)

  // The same mail delivered again: a new trace header on top, the body re-encoded as quoted-printable.
  const body = raw.toString('latin1').split('\r\n\r\n')
  const redelivered = Buffer.from(
    `Received: from backup-mx by mx; Tue, 24 Nov 2026 10:30:00 +0200\r\n${body[0]!.replace('Content-Type', 'Content-Transfer-Encoding: quoted-printable\r\nContent-Type')}\r\n\r\n${body[1]!.replace('id.', 'id=2E')}`,
    'latin1',
  )
  const p2 = await parseInbound(redelivered)
  t.equal(p2.text, p.text)
  t.equal(syntheticMessageKey('Support@Desk.Example.com', p2, redelivered), key, 'same key after redelivery')

  t.not(syntheticMessageKey('other@desk.example.com', p, raw), key, 'scoped to the mailbox')
  const edited = await parseInbound(Buffer.from(raw.toString('latin1').replace('Body without', 'Another body without'), 'latin1'))
  t.not(syntheticMessageKey('support@desk.example.com', edited, raw), key, 'different body, different key')
  const later = await parseInbound(Buffer.from(raw.toString('latin1').replace('10:15:00', '10:16:00'), 'latin1'))
  t.not(syntheticMessageKey('support@desk.example.com', later, raw), key, 'different Date, different key')

  const emptyRaw = eml(['From: a@x.bg', 'Date: Tue, 24 Nov 2026 10:15:00 +0200'], '')
  const emptyKey = syntheticMessageKey('m@x', await parseInbound(emptyRaw), emptyRaw)
  t.match(emptyKey, /@synthetic\.invalid>$/)
})
