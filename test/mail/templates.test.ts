// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import t from 'tap'
import { chooseLocale, formatDueTime, LOCALES, NOTIFICATION_KINDS, type NotificationData, renderNotification } from '../../src/modules/mail/templates.ts'

const ticket = { number: 1234, subject: 'Принтерът не печата' }
const dueAt = new Date('2026-11-24T11:00:00Z')

t.test('chooseLocale: contact, then organization, by language part, then English', async (t) => {
  t.equal(chooseLocale('bg', 'ro'), 'bg')
  t.equal(chooseLocale('ro-RO', 'bg'), 'ro')
  t.equal(chooseLocale('hr_HR', undefined), 'hr')
  t.equal(chooseLocale('de-DE', 'ru-RU'), 'ru', 'unsupported contact locale falls to the organization')
  t.equal(chooseLocale(undefined, 'HR'), 'hr')
  t.equal(chooseLocale(null, null), 'en')
  t.equal(chooseLocale('uk-UA', undefined), 'en', 'Ukrainian is not mapped to Russian')
  t.equal(chooseLocale('', 'xx'), 'en')
})

t.test('formatDueTime in the customer time zone, across a DST boundary', async (t) => {
  t.equal(formatDueTime(dueAt, 'en', 'Europe/Sofia'), 'Tue 24 Nov, 13:00', 'the issue’s example')
  // 22 Oct: both on summer time. 28 Oct: Sofia moved back on 25 Oct, New York only on 1 Nov.
  t.equal(formatDueTime(new Date('2026-10-22T11:00:00Z'), 'en', 'Europe/Sofia'), 'Thu 22 Oct, 14:00')
  t.equal(formatDueTime(new Date('2026-10-22T11:00:00Z'), 'en', 'America/New_York'), 'Thu 22 Oct, 07:00')
  t.equal(formatDueTime(new Date('2026-10-28T11:00:00Z'), 'en', 'Europe/Sofia'), 'Wed 28 Oct, 13:00')
  t.equal(formatDueTime(new Date('2026-10-28T11:00:00Z'), 'en', 'America/New_York'), 'Wed 28 Oct, 07:00')
  t.equal(formatDueTime(new Date('2026-11-03T11:00:00Z'), 'en', 'America/New_York'), 'Tue 3 Nov, 06:00')
  for (const locale of LOCALES) {
    const s = formatDueTime(dueAt, locale, 'Europe/Sofia')
    t.match(s, /24/, `${locale}: day`)
    t.match(s, /13:00/, `${locale}: 24-hour time in Sofia`)
    t.notMatch(s, /AM|PM|11:00/, `${locale}: not UTC, not 12-hour`)
  }
})

const samples: { [K in keyof NotificationData]: NotificationData[K] } = {
  'ticket.acknowledgement': { ticket, contractName: 'Premium', firstResponseDueAt: dueAt, timeZone: 'Europe/Sofia' },
  'ticket.agent_reply': { ticket, agentName: 'Maria', text: 'Please restart the spooler.\nThen try again.' },
  'ticket.state_changed': { ticket, state: 'waiting_for_customer' },
  'team.new_ticket': { ticket, contactName: 'Ivan Petrov', organizationName: 'ACME', text: 'It does not print.' },
  'team.customer_reply': { ticket, contactName: 'Ivan Petrov', text: 'Still broken.' },
  'sla.warning': { ticket, target: 'first_response', dueAt, timeZone: 'Europe/Sofia' },
  'sla.breached': { ticket, target: 'resolution', dueAt, timeZone: 'America/New_York' },
  'ticket.attention': { ticket, reason: 'escalated' },
}

t.test('every kind in every locale: tagged subject, text and HTML', async (t) => {
  const subjects = new Set<string>()
  for (const locale of LOCALES) {
    for (const kind of NOTIFICATION_KINDS) {
      const r = renderNotification(kind, locale, samples[kind] as never)
      t.ok(r.subject.startsWith('[#1234] '), `${locale} ${kind}: tag first`)
      t.equal(r.subject.match(/\[#1234\]/g)?.length, 1, `${locale} ${kind}: tag once`)
      t.match(r.subject, ticket.subject)
      t.match(r.html, new RegExp(`^<!DOCTYPE html>\n<html lang="${locale}">`))
      // The agent's reply is their words alone; every other notification names the ticket in the body.
      if (kind !== 'ticket.agent_reply') {
        t.match(r.text, /#1234/, `${locale} ${kind}: number in the text`)
        t.match(r.html, /#1234/)
      }
      subjects.add(r.subject)
    }
  }
  t.equal(subjects.size, LOCALES.length * NOTIFICATION_KINDS.length - (LOCALES.length - 1), 'subjects differ per locale (agent replies are "Re:" everywhere)')
})

t.test('acknowledgement carries contract and promised time per locale', async (t) => {
  const en = renderNotification('ticket.acknowledgement', 'en', samples['ticket.acknowledgement'])
  t.equal(en.subject, '[#1234] We received your request: Принтерът не печата')
  t.equal(
    en.text,
    'Hello,\n\nwe have received your request and registered it as ticket #1234: Принтерът не печата.\n\nPremium — we will respond by Tue 24 Nov, 13:00.\n\nTo add information, reply to this email and keep [#1234] in the subject.\n',
  )
  const expected: Record<string, string> = {
    bg: 'Premium — ще отговорим до',
    ro: 'Premium — vom răspunde până la',
    ru: 'Premium — мы ответим до',
    hr: 'Premium — odgovorit ćemo do',
  }
  for (const [locale, phrase] of Object.entries(expected)) {
    const r = renderNotification('ticket.acknowledgement', locale as 'bg', samples['ticket.acknowledgement'])
    t.match(r.text, `${phrase} ${formatDueTime(dueAt, locale as 'bg', 'Europe/Sofia')}.`, locale)
  }
  const ny = renderNotification('ticket.acknowledgement', 'en', { ...samples['ticket.acknowledgement'], timeZone: 'America/New_York' })
  t.match(ny.text, 'we will respond by Tue 24 Nov, 06:00.', 'the customer’s own time zone')
  const noContract = renderNotification('ticket.acknowledgement', 'bg', { ticket, firstResponseDueAt: dueAt, timeZone: 'Europe/Sofia' })
  t.match(noContract.text, /\n\nЩе отговорим до /, 'capitalised when it starts the sentence')
  const nothing = renderNotification('ticket.acknowledgement', 'en', { ticket, timeZone: 'Europe/Sofia' })
  t.notMatch(nothing.text, /respond by/)
})

t.test('state changes', async (t) => {
  t.equal(renderNotification('ticket.state_changed', 'en', { ticket, state: 'resolved' }).subject, '[#1234] Resolved: Принтерът не печата')
  t.equal(renderNotification('ticket.state_changed', 'ru', { ticket, state: 'waiting_for_customer' }).subject, '[#1234] Ожидаем вашего ответа: Принтерът не печата')
  t.equal(renderNotification('ticket.state_changed', 'hr', { ticket, state: 'resolved' }).subject, '[#1234] Riješeno: Принтерът не печата')
})

t.test('data is escaped in HTML and cannot break the subject', async (t) => {
  const evil = { number: 7, subject: '<script>alert("x")</script>\r\nBcc: victim@x' }
  const r = renderNotification('team.customer_reply', 'en', { ticket: evil, contactName: '<b onmouseover=x>Eve</b>', text: '<img src=x onerror=alert(1)>\n& more' })
  t.notMatch(r.html, /<script|<img|<b /)
  const ack = renderNotification('ticket.acknowledgement', 'en', { ticket: evil, timeZone: 'UTC' })
  t.match(ack.html, 'ticket #7: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>\nBcc: victim@x.</p>', 'the subject in the body is escaped')
  t.notMatch(ack.html, /<script/)
  t.match(r.html, '&lt;img src=x onerror=alert(1)&gt;<br>\n&amp; more')
  t.notMatch(r.subject, /[\r\n]/, 'no header injection through the subject')
  t.equal(r.subject, '[#7] Customer reply: <script>alert("x")</script> Bcc: victim@x')
  t.match(r.text, '> <img src=x onerror=alert(1)>\n> & more', 'plain text quotes the reply as is')
})

t.test('agent reply keeps the text and signs it', async (t) => {
  const r = renderNotification('ticket.agent_reply', 'bg', samples['ticket.agent_reply'])
  t.equal(r.subject, '[#1234] Re: Принтерът не печата')
  t.equal(r.text, 'Please restart the spooler.\nThen try again.\n\n— Maria\n')
  t.match(r.html, '<p>Please restart the spooler.<br>\nThen try again.</p>\n<p>— Maria</p>')
})
