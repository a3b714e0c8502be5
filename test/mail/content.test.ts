// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import t from 'tap'
import { htmlToText, sanitizeHtml, splitQuoted } from '../../src/modules/mail/content.ts'
import { parseInbound } from '../../src/modules/mail/parse.ts'
import { fixture } from '../helpers/mail-fixtures.ts'

t.test('sanitizeHtml removes everything active', async (t) => {
  const mail = await parseInbound(fixture('html-inline-attachments.eml'))
  const clean = sanitizeHtml(mail.html!)
  t.notMatch(clean, /<script|alert\(1\)/i, 'script and its content')
  t.notMatch(clean, /<style|tracker\.example\/p\.png/i, 'style and its content')
  t.notMatch(clean, /onerror|onclick/i, 'event handlers')
  t.notMatch(clean, /javascript:/i, 'javascript: links')
  t.notMatch(clean, /<iframe|<form|<input/i, 'iframes and forms')
  t.notMatch(clean, /open\.gif/, 'remote images (tracking pixels)')
  t.match(clean, '<img src="cid:logo@acme.bg" alt="logo" />', 'inline cid image kept')
  t.match(clean, '<a href="https://acme.bg/help" rel="noopener noreferrer nofollow" target="_blank">help</a>')
  t.match(clean, '<a rel="noopener noreferrer nofollow" target="_blank">click</a>', 'the javascript: href is dropped, the text stays')
  t.match(clean, '<b>screenshot</b>')

  t.equal(sanitizeHtml('<img src="data:image/png;base64,iVBORw0KGgo=">'), '<img src="data:image/png;base64,iVBORw0KGgo=" />')
  t.equal(sanitizeHtml('<img src="data:image/svg+xml;base64,PHN2Zz4=">'), '', 'SVG data URL dropped')
  t.equal(sanitizeHtml('<img src="data:text/html;base64,PHNjcmlwdD4=">'), '')
  t.equal(sanitizeHtml('<a href="mailto:a@b.bg">a</a>'), '<a href="mailto:a@b.bg" rel="noopener noreferrer nofollow" target="_blank">a</a>')
  t.equal(sanitizeHtml('<a href="//evil.example/x">a</a>'), '<a rel="noopener noreferrer nofollow" target="_blank">a</a>', 'protocol-relative dropped')
  t.equal(sanitizeHtml('<a href="JaVaScRiPt&colon;alert(1)">a</a>'), '<a rel="noopener noreferrer nofollow" target="_blank">a</a>')
  t.equal(sanitizeHtml('<p style="background:url(https://t.example)">x</p>'), '<p>x</p>', 'style attributes dropped')
  t.equal(
    sanitizeHtml('<table border="1"><tr><td colspan="2" onmouseover="x()">a</td></tr></table>'),
    '<table border="1"><tr><td colspan="2">a</td></tr></table>',
    'tables kept',
  )
  t.equal(sanitizeHtml('<svg><script>alert(1)</script></svg><math>x</math>'), 'x')
})

t.test('htmlToText', async (t) => {
  t.equal(htmlToText('<p>Здравейте,</p><p>грешка в <b>модул</b> &bdquo;Склад&ldquo;</p>'), 'Здравейте,\n\nгрешка в модул „Склад“')
  t.equal(htmlToText('<a href="https://acme.bg">https://acme.bg</a>'), 'https://acme.bg', 'link text equal to href not repeated')
  t.equal(htmlToText('<a href="https://acme.bg/help">help</a>'), 'help [https://acme.bg/help]')
  t.equal(htmlToText('<img src="cid:x" alt="logo"><p>text</p>'), 'text')
  t.equal(htmlToText('<style>p{}</style><script>x()</script><p>only this</p>'), 'only this')
})

t.test('splitQuoted: attribution lines in each language', async (t) => {
  const cases: [string, string, string][] = [
    ['en Gmail', 'Thanks, it works now.', 'On Tue, Nov 24, 2026 at 1:00 PM Support <support@desk.example.com> wrote:'],
    ['en wrapped', 'Thanks, it works now.', 'On Tue, Nov 24, 2026 at 1:00 PM Support <\nsupport@desk.example.com> wrote:'],
    ['bg', 'Благодаря, вече работи.', 'На вт, 24.11.2026 г. в 13:00 Поддръжка <support@desk.example.com> написа:'],
    ['ru', 'Спасибо, теперь работает.', 'В Вт, 24 нояб. 2026 г. в 13:00, Поддержка <support@desk.example.com> пишет:'],
    ['uk', 'Дякую, працює.', 'Вт, 24 лист. 2026 р. о 13:00 Підтримка <support@desk.example.com> пише:'.replace(/^/, 'В ')],
    ['ro', 'Mulțumesc, funcționează.', 'În mar., 24 nov. 2026 la 13:00, Suport <support@desk.example.com> a scris:'],
    ['hr', 'Hvala, sada radi.', 'uto, 24. stu 2026. u 13:00 Podrška <support@desk.example.com> je napisao/la:'],
  ]
  for (const [name, reply, attribution] of cases) {
    const quote = `${attribution}\n> Please restart the service.\n> \n> Support`
    const r = splitQuoted(`${reply}\n\n${quote}\n`)
    t.same(r, { newText: reply, quoted: quote }, name)
  }
})

t.test('splitQuoted: Outlook blocks and "Original Message" separators', async (t) => {
  const blocks: [string, string][] = [
    ['en', '________________________________\nFrom: Support <support@desk.example.com>\nSent: Tuesday, November 24, 2026 1:00 PM\nTo: Ivan Petrov\nSubject: [#1234] Printer\n\nPlease restart.'],
    ['bg', 'От: Поддръжка <support@desk.example.com>\nИзпратено: вторник, 24 ноември 2026 г. 13:00\nДо: Иван Петров\nОтносно: [#1234] Принтер\n\nМоля, рестартирайте.'],
    ['ru', 'От: Поддержка [mailto:support@desk.example.com]\nОтправлено: 24 ноября 2026 г. 13:00\nКому: Анна\nТема: [#1234] Принтер\n\nПерезапустите.'],
    ['ro', 'De la: Suport <support@desk.example.com>\nTrimis: marți, 24 noiembrie 2026 13:00\nCătre: Ștefan\nSubiect: [#1234] Imprimantă\n\nReporniți.'],
    ['hr', 'Šalje: Podrška <support@desk.example.com>\nPoslano: utorak, 24. studenoga 2026. 13:00\nPrima: Ivana\nPredmet: [#1234] Pisač\n\nPonovno pokrenite.'],
    ['separator en', '-----Original Message-----\nFrom: Support\nSubject: x\n\nold text'],
    ['separator bg', '-----Оригинално съобщение-----\nОт: Поддръжка\n\nстар текст'],
    ['separator ru', '-----Исходное сообщение-----\nОт: Поддержка\n\nстарый текст'],
    ['separator ro', '-----Mesaj original-----\nDe la: Suport\n\ntext vechi'],
    ['separator hr', '-----Izvorna poruka-----\nOd: Podrška\n\nstari tekst'],
  ]
  for (const [name, block] of blocks) {
    t.same(splitQuoted(`Done, thank you.\r\n\r\n${block.replace(/\n/g, '\r\n')}`), { newText: 'Done, thank you.', quoted: block }, name)
  }
})

t.test('splitQuoted: trailing > lines, and where it stays careful', async (t) => {
  t.same(splitQuoted('Yes, that fixed it.\n\n> Try restarting.\n> Support\n'), { newText: 'Yes, that fixed it.', quoted: '> Try restarting.\n> Support' })

  const interleaved = 'On Tue Support <s@d> wrote:\n> Which version?\n5.2\n> Which OS?\nWindows 11\n'
  t.same(splitQuoted(interleaved), { newText: interleaved.trim() }, 'interleaved answers are kept whole')
  const bottom = 'On Tue Support <s@d> wrote:\n> Which version?\n\nIt is 5.2.'
  t.same(splitQuoted(bottom), { newText: bottom }, 'bottom-posting kept whole')
  const onlyQuote = '> forwarded text only\n> nothing new'
  t.same(splitQuoted(onlyQuote), { newText: onlyQuote }, 'nothing new would remain: keep everything')
  const sentence = 'On Monday the printer wrote: garbage all over the page.\nPlease help.'
  t.same(splitQuoted(sentence), { newText: sentence }, 'an attribution-like sentence followed by text is not a quote header')
  t.same(splitQuoted('From: the accounting department we got a new request.\nPlease help.'), { newText: 'From: the accounting department we got a new request.\nPlease help.' }, 'From: without Sent: stays')
  t.same(
    splitQuoted('Hvala.\nuto, 24. stu 2026. u 13:00 Podrška <s@d> je napisao/la:\n> stari tekst'),
    { newText: 'Hvala.', quoted: 'uto, 24. stu 2026. u 13:00 Podrška <s@d> je napisao/la:\n> stari tekst' },
    'the line right above an attribution is not swallowed',
  )
  t.same(splitQuoted(''), { newText: '' })
})

t.test('splitQuoted: signatures', async (t) => {
  t.same(splitQuoted('The printer is fixed.\n\n-- \nIvan Petrov\nACME Ltd.\n+359 2 123 4567\n'), {
    newText: 'The printer is fixed.',
    signature: 'Ivan Petrov\nACME Ltd.\n+359 2 123 4567',
  })
  for (const line of ['Sent from my iPhone', 'Get Outlook for Android', 'Изпратено от моя iPhone', 'Отправлено с iPhone', 'Trimis de pe iPhone-ul meu', 'Poslano s mog iPhonea']) {
    t.same(splitQuoted(`Fixed, thanks.\n\n${line}\n`), { newText: 'Fixed, thanks.', signature: line }, line)
  }
  t.same(
    splitQuoted('Fixed.\n\nSent from my iPhone\n\nOn Tue, Nov 24, 2026 at 1:00 PM Support <s@d> wrote:\n> old'),
    { newText: 'Fixed.', signature: 'Sent from my iPhone', quoted: 'On Tue, Nov 24, 2026 at 1:00 PM Support <s@d> wrote:\n> old' },
    'signature above the quote',
  )
  const long = `Text.\n-- \n${'line\n'.repeat(20)}`
  t.same(splitQuoted(long), { newText: long.trim() }, 'a "-- " far from the end is not a signature delimiter')
  t.same(splitQuoted('Sent from my iPhone'), { newText: 'Sent from my iPhone' }, 'nothing else: keep')
  t.same(splitQuoted('I sent from my iPhone a photo of the error.'), { newText: 'I sent from my iPhone a photo of the error.' })
})
