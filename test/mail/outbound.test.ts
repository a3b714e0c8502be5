// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import t from 'tap'
import { classifyAutomated } from '../../src/modules/mail/loop-guard.ts'
import { verifyMessageId } from '../../src/modules/mail/message-id.ts'
import { buildOutboundMail, MAX_REFERENCES } from '../../src/modules/mail/outbound.ts'
import { parseInbound } from '../../src/modules/mail/parse.ts'
import { eml } from '../helpers/mail-fixtures.ts'

const secret = 'outbound-secret'
const common = {
  to: ['ivan.petrov@acme.bg'],
  replyTo: 'support@desk.example.com',
  messageIdDomain: 'desk.example.com',
  secret,
  outboxId: '0192f0c4-7b1e-7c3a-9d2e-5f6a7b8c9d0e',
}

t.test('an automatic acknowledgement', async (t) => {
  const mail = buildOutboundMail({
    ...common,
    kind: 'ticket.acknowledgement',
    ticket: { number: 1234, subject: 'Printer' },
    inReplyTo: '<CAF1@Mail.Gmail.com>',
    references: ['<root@x.bg>'],
    automatic: true,
    locale: 'en',
    data: { contractName: 'Premium', firstResponseDueAt: new Date('2026-11-24T11:00:00Z'), timeZone: 'Europe/Sofia' },
  })
  t.equal(mail.subject, '[#1234] We received your request: Printer')
  t.same(mail.to, ['ivan.petrov@acme.bg'])
  t.equal(mail.replyTo, 'support@desk.example.com')
  t.same(verifyMessageId(mail.messageId, secret), { ours: true, ticketNumber: 1234 })
  t.equal(mail.inReplyTo, '<CAF1@mail.gmail.com>')
  t.same(mail.references, ['<root@x.bg>', '<CAF1@mail.gmail.com>'], 'the replied-to id closes References')
  t.same(mail.headers, { 'X-Loop': 'support@desk.example.com', 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' })
  t.match(mail.text, 'Premium — we will respond by Tue 24 Nov, 13:00.')
  t.match(mail.html, '<p>Premium — we will respond by Tue 24 Nov, 13:00.</p>')
  t.equal(mail.cc, undefined)
})

t.test('an agent reply is not automatic, and its subject gets the tag and one Re: only', async (t) => {
  const mail = buildOutboundMail({
    ...common,
    kind: 'ticket.agent_reply',
    ticket: { number: 1234, subject: 'Re: [#1234] Printer' },
    cc: ['boss@acme.bg'],
    from: 'ACME Support <support@desk.example.com>',
    automatic: false,
    locale: 'bg',
    data: { agentName: 'Maria', text: 'Рестартирайте услугата.' },
  })
  t.equal(mail.subject, '[#1234] Re: Printer')
  t.equal(mail.subject.match(/\[#1234\]/g)?.length, 1)
  t.same(mail.headers, { 'X-Loop': 'support@desk.example.com' }, 'no Auto-Submitted on a person’s reply')
  t.same(mail.cc, ['boss@acme.bg'])
  t.equal(mail.from, 'ACME Support <support@desk.example.com>')
  t.equal(mail.inReplyTo, undefined)
  t.equal(mail.references, undefined)
})

t.test('References are capped: root kept, newest kept', async (t) => {
  const refs = Array.from({ length: 30 }, (_, i) => `<r${i}@x.bg>`)
  const mail = buildOutboundMail({ ...common, kind: 'ticket.state_changed', ticket: { number: 9, subject: 's' }, inReplyTo: '<last@x.bg>', references: [...refs, '<r5@X.BG>'], automatic: true, locale: 'ro', data: { state: 'resolved' } })
  t.equal(mail.references!.length, MAX_REFERENCES)
  t.equal(mail.references![0], '<r0@x.bg>')
  t.equal(mail.references!.at(-1), '<last@x.bg>')
  t.equal(mail.references!.at(-2), '<r29@x.bg>')
  t.equal(new Set(mail.references).size, MAX_REFERENCES, 'duplicates (after normalising) removed')
})

t.test('our mail coming back is recognised by the loop guard', async (t) => {
  const mail = buildOutboundMail({ ...common, kind: 'team.new_ticket', ticket: { number: 5, subject: 's' }, automatic: true, locale: 'hr', data: { contactName: 'A', organizationName: 'B' } })
  const headers = [`From: ${common.replyTo}`, `To: ${mail.to.join(', ')}`, `Subject: ${mail.subject}`, `Message-ID: ${mail.messageId}`, ...Object.entries(mail.headers!).map(([k, v]) => `${k}: ${v}`)]
  const opts = { ourDomains: ['desk.example.com'], ourMessageIdDomain: 'desk.example.com', verifyOurMessageId: (id: string) => verifyMessageId(id, secret).ours }
  t.same(classifyAutomated(await parseInbound(eml(headers, mail.text)), opts), { automated: true, kind: 'own-mail', reason: 'Message-ID signed by us' })
  // A relay that rewrote the Message-ID: X-Loop still names us.
  const rewritten = headers.map((h) => (h.startsWith('Message-ID') ? 'Message-ID: <relay-1@relay.example>' : h))
  t.same(classifyAutomated(await parseInbound(eml(rewritten, mail.text)), opts), { automated: true, kind: 'own-mail', reason: 'X-Loop: support@desk.example.com' })
})
