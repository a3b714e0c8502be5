// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import t from 'tap'
import { signedMessageId, verifyMessageId } from '../../src/modules/mail/message-id.ts'

const secret = 'test-secret'
const outboxId = '0192f0c4-7b1e-7c3a-9d2e-5f6a7b8c9d0e'

t.test('sign and verify', async (t) => {
  const id = signedMessageId({ ticketNumber: 1234, outboxId, domain: 'Desk.Example.com', secret })
  t.match(id, /^<dl\.1234\.0192f0c4-7b1e-7c3a-9d2e-5f6a7b8c9d0e\.[0-9a-f]{20}@desk\.example\.com>$/)
  t.same(verifyMessageId(id, secret), { ours: true, ticketNumber: 1234 })
  t.equal(signedMessageId({ ticketNumber: 1234, outboxId, domain: 'desk.example.com', secret }), id, 'deterministic: a retry sends the same id')
  const noTicket = signedMessageId({ outboxId, domain: 'desk.example.com', secret })
  t.match(noTicket, /^<dl\.n\./)
  t.same(verifyMessageId(noTicket, secret), { ours: true })
  t.same(verifyMessageId(` ${id.replace('@desk.example.com', '@DESK.Example.COM')} `, secret).ours, true, 'domain case and whitespace do not matter')
})

t.test('forgeries are rejected', async (t) => {
  const id = signedMessageId({ ticketNumber: 1234, outboxId, domain: 'desk.example.com', secret })
  t.same(verifyMessageId(id.replace('dl.1234.', 'dl.1235.'), secret), { ours: false }, 'tampered ticket number')
  t.same(verifyMessageId(id.replace(/\.([0-9a-f])([0-9a-f]{19})@/, (_, a: string, b: string) => `.${a === '0' ? '1' : '0'}${b}@`), secret), { ours: false }, 'wrong tag')
  t.same(verifyMessageId(id.replace('desk.example.com', 'other.example.com'), secret), { ours: false }, 'moved to another domain')
  t.same(verifyMessageId(id.replace(outboxId, `${outboxId.slice(0, -1)}f`), secret), { ours: false }, 'other outbox id')
  t.same(verifyMessageId(id, 'another-secret'), { ours: false }, 'wrong secret')
  t.same(verifyMessageId('<dl.1234.x.0123456789@desk.example.com>', secret), { ours: false }, 'short tag')
  t.same(verifyMessageId('<random@desk.example.com>', secret), { ours: false })
  t.same(verifyMessageId(undefined, secret), { ours: false })
  t.same(verifyMessageId('', secret), { ours: false })
})

t.test('secret rotation', async (t) => {
  const old = signedMessageId({ ticketNumber: 5, outboxId, domain: 'd.example', secret: 'old' })
  t.same(verifyMessageId(old, ['new', 'old']), { ours: true, ticketNumber: 5 })
  t.same(verifyMessageId(old, ['new']), { ours: false })
})

t.test('bad input is refused at signing', async (t) => {
  t.throws(() => signedMessageId({ outboxId: 'a.b', domain: 'd', secret }), /outboxId/)
  t.throws(() => signedMessageId({ outboxId: 'a b', domain: 'd', secret }), /outboxId/)
  t.throws(() => signedMessageId({ ticketNumber: -1, outboxId, domain: 'd', secret }), /ticketNumber/)
  t.throws(() => signedMessageId({ ticketNumber: 1.5, outboxId, domain: 'd', secret }), /ticketNumber/)
})
