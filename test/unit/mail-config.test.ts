// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import { createHmac } from 'node:crypto'
import t from 'tap'
import { addressOf, loadConfig, mailDomain, mailIdSecret } from '../../src/config.ts'

t.test('MAIL_DOMAIN: set, else the domain of MAIL_FROM, else localhost', async (t) => {
  t.equal(mailDomain(loadConfig({ MAIL_DOMAIN: 'Mail.Example.COM' })), 'mail.example.com')
  t.equal(mailDomain(loadConfig({ MAIL_FROM: 'Help Desk <help@Desk.Example>' })), 'desk.example')
  t.equal(mailDomain(loadConfig({ MAIL_FROM: 'help@desk.example' })), 'desk.example')
  t.equal(mailDomain(loadConfig({ MAIL_FROM: 'no address here' })), 'localhost')
  t.equal(mailDomain(loadConfig({})), 'localhost', 'the default MAIL_FROM is desk@localhost')
  t.throws(() => loadConfig({ MAIL_DOMAIN: 'bad domain' }), /MAIL_DOMAIN/)
  t.equal(addressOf('"Desk, Support" <Desk@Example.com>'), 'desk@example.com')
})

t.test('MAIL_ID_SECRET: set, else HMAC-SHA256(first JWT secret, "mail-id") in hex', async (t) => {
  const jwt = 'j'.repeat(40)
  const derived = createHmac('sha256', jwt).update('mail-id').digest('hex')
  t.equal(mailIdSecret({ ...loadConfig({}), jwtSecrets: [jwt, 'older'.repeat(8)] }), derived)
  t.not(derived, jwt, 'not the JWT key itself')
  t.equal(mailIdSecret({ ...loadConfig({ MAIL_ID_SECRET: 's'.repeat(32) }), jwtSecrets: [jwt] }), 's'.repeat(32))
  t.throws(() => mailIdSecret({ ...loadConfig({}), jwtSecrets: [] }), /MAIL_ID_SECRET/)
  t.throws(() => loadConfig({ MAIL_ID_SECRET: 'short' }), /MAIL_ID_SECRET/)
})
