// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import t from 'tap'
import { classifyAutomated, extractBounce, type LoopGuardOptions, shouldThrottle } from '../../src/modules/mail/loop-guard.ts'
import { signedMessageId, verifyMessageId } from '../../src/modules/mail/message-id.ts'
import { parseInbound } from '../../src/modules/mail/parse.ts'
import { FIXTURE } from './fixtures/texts.ts'
import { eml, fixture } from '../helpers/mail-fixtures.ts'

const opts: LoopGuardOptions = {
  ourDomains: ['desk.example.com'],
  ourMessageIdDomain: FIXTURE.messageIdDomain,
  verifyOurMessageId: (id) => verifyMessageId(id, FIXTURE.secret).ours,
}
const base = ['From: Ivan Petrov <ivan.petrov@acme.bg>', 'To: support@desk.example.com', 'Message-ID: <m1@mail.acme.bg>']
const classify = async (extra: string[], subject = 'Printer is broken', o: Partial<LoopGuardOptions> = {}) =>
  classifyAutomated(await parseInbound(eml([...base, `Subject: ${subject}`, ...extra])), { ...opts, ...o })

t.test('a person writing is not automated', async (t) => {
  t.same(await classify([]), { automated: false })
  t.same(await classify(['Auto-Submitted: no']), { automated: false }, 'Auto-Submitted: no is a person')
  t.same(await classify(['Precedence: first-class']), { automated: false })
  t.same(await classify([], 'Out of office tomorrow, please call Maria'), { automated: false }, 'OOF words inside a sentence')
  t.same(await classify(['X-Auto-Response-Suppress: DR, RN']), { automated: false }, 'suppressing only receipts is not a sign')
  for (const f of ['utf8-bulgarian.eml', 'html-inline-attachments.eml', 'no-message-id.eml', 'rfc822-attachment.eml']) {
    t.same(classifyAutomated(await parseInbound(fixture(f)), opts), { automated: false }, f)
  }
})

t.test('each header class', async (t) => {
  const cases: [string[], string, string][] = [
    [['Auto-Submitted: auto-replied'], 'auto-reply', 'Auto-Submitted: auto-replied'],
    [['Auto-Submitted: auto-generated'], 'auto-reply', 'Auto-Submitted: auto-generated'],
    [['Auto-Submitted: auto-notified; owner-email="x@y"'], 'auto-reply', 'Auto-Submitted: auto-notified'],
    [['X-Autoreply: yes'], 'auto-reply', 'X-Autoreply'],
    [['X-Autorespond: Vacation'], 'auto-reply', 'X-Autorespond'],
    [['X-Auto-Response-Suppress: All'], 'auto-reply', 'X-Auto-Response-Suppress: All'],
    [['X-Auto-Response-Suppress: DR, OOF, AutoReply'], 'auto-reply', 'X-Auto-Response-Suppress: DR, OOF, AutoReply'],
    [['Precedence: auto_reply'], 'auto-reply', 'Precedence: auto_reply'],
    [['Precedence: bulk'], 'bulk', 'Precedence: bulk'],
    [['Precedence: Junk'], 'bulk', 'Precedence: junk'],
    [['Precedence: list'], 'list', 'Precedence: list'],
    [['List-Id: <news.vendor.example>'], 'list', 'list-id'],
    [['List-Unsubscribe: <mailto:u@x>'], 'list', 'list-unsubscribe'],
    [['List-Post: <mailto:l@x>'], 'list', 'list-post'],
    [['Return-Path: <>'], 'auto-reply', 'null reverse-path'],
    [['X-Loop: support@desk.example.com'], 'own-mail', 'X-Loop: support@desk.example.com'],
    [['X-Loop: desk.example.com'], 'own-mail', 'X-Loop: desk.example.com'],
  ]
  for (const [headers, kind, reason] of cases) t.same(await classify(headers), { automated: true, kind, reason }, headers.join())
  t.same(await classify(['X-Loop: other@elsewhere.example']), { automated: false }, 'someone else’s X-Loop')
  t.same(await classify([], 'x', { envelopeFrom: '' }), { automated: true, kind: 'auto-reply', reason: 'null reverse-path' })
  t.same(await classify([], 'x', { envelopeFrom: 'ivan.petrov@acme.bg' }), { automated: false })
})

t.test('machine senders and delivery reports are bounces', async (t) => {
  for (const from of ['MAILER-DAEMON@mx.acme.bg', 'postmaster@acme.bg', 'Mail Delivery Subsystem <mailer-daemon@googlemail.com>']) {
    const p = await parseInbound(eml([`From: ${from}`, 'Subject: Delivery Status Notification (Failure)']))
    t.match(classifyAutomated(p, opts), { automated: true, kind: 'bounce' }, from)
  }
  const dsn = await parseInbound(fixture('bounce-dsn.eml'))
  t.same(classifyAutomated(dsn, opts), { automated: true, kind: 'bounce', reason: 'multipart/report; report-type=delivery-status' })
  const mdn = await parseInbound(eml(['From: a@x.bg', 'Subject: Read: x', 'Content-Type: multipart/report; report-type=disposition-notification; boundary=b'], '--b--\n'))
  t.same(classifyAutomated(mdn, opts), { automated: false }, 'a read receipt is not a bounce (and has no other sign)')
})

t.test('out-of-office subjects in every language', async (t) => {
  const subjects = [
    'Out of Office: Re: [#1234] Printer',
    'Out of Office AutoReply: Printer',
    'Automatic reply: Printer',
    'Autoreply: Printer',
    'Автоматичен отговор: Принтер',
    'Извън офиса: Принтер',
    'Автоответ: Принтер',
    'Автоматический ответ: Принтер',
    'Răspuns automat: Imprimanta',
    'Automatski odgovor: Pisač',
    'Odsutan iz ureda',
  ]
  for (const s of subjects) {
    const p = await parseInbound(eml([...base, `Subject: =?utf-8?B?${Buffer.from(s).toString('base64')}?=`]))
    t.same(classifyAutomated(p, opts), { automated: true, kind: 'out-of-office', reason: `subject "${s}"` }, s)
  }
  const file = await parseInbound(fixture('out-of-office.eml'))
  t.match(classifyAutomated(file, opts), { automated: true, kind: 'out-of-office' }, 'fixture with Auto-Submitted and a Bulgarian subject')
})

t.test('mailing-list fixture', async (t) => {
  t.same(classifyAutomated(await parseInbound(fixture('mailing-list.eml')), opts), { automated: true, kind: 'list', reason: 'list-id' })
})

t.test('our own mail coming back; forged ids are not ours', async (t) => {
  const ours = signedMessageId({ ticketNumber: 77, outboxId: 'abc-1', domain: FIXTURE.messageIdDomain, secret: FIXTURE.secret })
  const back = await parseInbound(eml(['From: support@desk.example.com', `Message-ID: ${ours}`, 'Subject: [#77] Resolved', 'Auto-Submitted: auto-generated']))
  t.same(classifyAutomated(back, opts), { automated: true, kind: 'own-mail', reason: 'Message-ID signed by us' }, 'before the Auto-Submitted check')
  const forged = ours.replace('dl.77.', 'dl.78.')
  const p = await parseInbound(eml(['From: evil@attacker.example', `Message-ID: ${forged}`, 'Subject: [#78] hi']))
  t.same(classifyAutomated(p, opts), { automated: false }, 'a forged id at our domain is an ordinary mail')
  const elsewhere = await parseInbound(eml(['From: x@y.example', `Message-ID: ${ours.replace(FIXTURE.messageIdDomain, 'other.example')}`, 'Subject: s']))
  t.same(classifyAutomated(elsewhere, { ...opts, verifyOurMessageId: () => true }), { automated: false }, 'only ids at our Message-ID domain are checked')
})

t.test('extractBounce reads the delivery-status part and the returned headers', async (t) => {
  const dsn = await parseInbound(fixture('bounce-dsn.eml'))
  const b = extractBounce(dsn)
  const ourId = signedMessageId({ ticketNumber: 1234, outboxId: FIXTURE.outboxId, domain: FIXTURE.messageIdDomain, secret: FIXTURE.secret })
  t.same(b, { failedRecipients: ['gone@acme.bg'], permanent: true, status: '5.1.1', originalMessageId: ourId })
  t.same(verifyMessageId(b!.originalMessageId, FIXTURE.secret), { ours: true, ticketNumber: 1234 }, 'the bounce names our ticket')

  t.equal(extractBounce(await parseInbound(fixture('utf8-bulgarian.eml'))), undefined, 'not a report')
  t.equal(extractBounce(await parseInbound(eml(['From: MAILER-DAEMON@x', 'Subject: failure'], 'free text bounce'))), undefined, 'free-text bounces are not guessed at')

  const delayed = await parseInbound(
    eml(
      ['From: MAILER-DAEMON@x', 'In-Reply-To: <orig@desk.example.com>', 'Content-Type: multipart/report; report-type=delivery-status; boundary=b'],
      '--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\nFinal-Recipient: rfc822; slow@x.bg\nAction: delayed\nStatus: 4.4.7\n\n--b--\n',
    ),
  )
  t.same(extractBounce(delayed), { failedRecipients: [], permanent: false, status: '4.4.7', originalMessageId: '<orig@desk.example.com>' }, 'delayed: not permanent; id from In-Reply-To')

  const attached = await parseInbound(
    eml(
      ['From: MAILER-DAEMON@x', 'Content-Type: multipart/report; report-type=delivery-status; boundary=b'],
      '--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822;<A@X.bg>\nAction: failed\n\n--b\nContent-Type: message/rfc822\n\nMessage-ID: <orig-2@Desk.example.com>\nSubject: s\n\nbody\n--b--\n',
    ),
  )
  t.same(extractBounce(attached), { failedRecipients: ['a@x.bg'], permanent: true, originalMessageId: '<orig-2@desk.example.com>' }, 'failed without a status is permanent; id from message/rfc822')
})

t.test('shouldThrottle', async (t) => {
  t.equal(shouldThrottle(4, 5), false)
  t.equal(shouldThrottle(5, 5), true)
  t.equal(shouldThrottle(0, 0), true, 'a cap of zero sends nothing automatic')
})
