// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import t from 'tap'
import { stripReplyPrefixes, threadCandidates, ticketTagFromSubject, withTicketTag } from '../../src/modules/mail/threading.ts'

t.test('ticketTagFromSubject', async (t) => {
  t.equal(ticketTagFromSubject('[#1234] Printer'), 1234)
  t.equal(ticketTagFromSubject('Re: Отг: [#1234] Принтер'), 1234)
  t.equal(ticketTagFromSubject('Re: [# 1234 ] Printer'), 1234, 'spaces inside the brackets tolerated')
  t.equal(ticketTagFromSubject('Invoice #1234'), undefined, 'no brackets, no tag')
  t.equal(ticketTagFromSubject('[1234]'), undefined)
  t.equal(ticketTagFromSubject('[#0123]'), undefined, 'leading zero is not ours')
  t.equal(ticketTagFromSubject('[#1234567890123]'), undefined, 'too long')
  t.equal(ticketTagFromSubject('[#12] and [#34]'), 12, 'first wins')
  t.equal(ticketTagFromSubject(undefined), undefined)
})

t.test('threadCandidates: In-Reply-To, then References newest first', async (t) => {
  t.same(threadCandidates({ inReplyTo: ['<c@x>'], references: ['<a@x>', '<b@x>', '<c@x>'] }), ['<c@x>', '<b@x>', '<a@x>'])
  t.same(threadCandidates({ inReplyTo: [], references: ['<a@x>', '<b@x>'] }), ['<b@x>', '<a@x>'])
  t.same(threadCandidates({ inReplyTo: [], references: [] }), [])
})

t.test('stripReplyPrefixes', async (t) => {
  const cases: [string, string][] = [
    ['Re: Printer', 'Printer'],
    ['RE: Fwd: FW: Printer', 'Printer'],
    ['Re[2]: Printer', 'Printer'],
    ['Re(3): Printer', 'Printer'],
    ['AW: SV: WG: Drucker', 'Drucker'],
    ['Отг: Отн: Принтер', 'Принтер'],
    ['Пре: Принтер', 'Принтер'],
    ['Ответ: Пересл: Принтер', 'Принтер'],
    ['Odp: Odg: Pisač', 'Pisač'],
    ['Răspuns: Imprimantă', 'Imprimantă'],
    ['  re :  Printer ', 'Printer'],
    ['Regarding the printer', 'Regarding the printer'],
    ['Retail: price list', 'Retail: price list'],
    ['Re:', ''],
  ]
  for (const [input, expected] of cases) t.equal(stripReplyPrefixes(input), expected, input)
})

t.test('withTicketTag puts the tag in exactly once', async (t) => {
  t.equal(withTicketTag('Printer', 1234), '[#1234] Printer')
  t.equal(withTicketTag('Re: [#1234] Printer', 1234), '[#1234] Re: Printer')
  t.equal(withTicketTag('[#1234] Printer [# 1234]', 1234), '[#1234] Printer')
  t.equal(withTicketTag('Re: [#99] other', 1234), '[#1234] Re: [#99] other', 'another ticket’s tag is left alone')
  t.equal(withTicketTag('', 5), '[#5]')
  t.equal(withTicketTag('[#12345] x', 1234), '[#1234] [#12345] x', 'a longer number is not our tag')
})
