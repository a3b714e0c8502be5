// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import { createHmac } from 'node:crypto'
import t from 'tap'
import { ConfigError, loadConfig } from '../../../src/config.ts'
import { mailIdSettings, signedMessageId, verifyMessageId } from '../../../src/modules/mail/message-id.ts'

t.test('SMTP settings: defaults, and pairs that must be set together', async (t) => {
  const c = loadConfig({})
  t.match(c, { SMTP_MAX_MESSAGE_BYTES: 26_214_400, SMTP_MAX_RECIPIENTS: 20, SMTP_PLUS_ADDRESSING: true, AUTO_MAIL_CAP_PER_HOUR: 30 })
  t.throws(() => loadConfig({ SMTP_TLS_KEY_FILE: '/k.pem' }), new ConfigError(['SMTP_TLS_KEY_FILE and SMTP_TLS_CERT_FILE: set both or neither']))
  t.throws(() => loadConfig({ SMTP_AUTH_USER: 'relay' }), new ConfigError(['SMTP_AUTH_USER and SMTP_AUTH_PASSWORD: set both or neither']))
  try {
    loadConfig({ SMTP_AUTH_USER: 'relay', SMTP_AUTH_PASSWORD: 'short' })
    t.fail('a short password is refused')
  } catch (e) {
    t.match((e as Error).message, /SMTP_AUTH_PASSWORD/)
    t.notMatch((e as Error).message, /short/, 'the password is not echoed')
  }
})

t.test('Message-ID settings: explicit, or derived from the JWT secret and MAIL_FROM', async (t) => {
  const jwt = 'j'.repeat(40)
  const derived = mailIdSettings({ MAIL_FROM: 'Desk <Desk@Support.Example>', jwtSecrets: [jwt] })
  t.same(derived, { domain: 'support.example', secret: createHmac('sha256', jwt).update('mail-id').digest('hex') })
  t.not(derived.secret, jwt, 'not the JWT secret itself')
  t.same(mailIdSettings({ MAIL_FROM: 'desk@localhost', MAIL_DOMAIN: 'Mail.Example', MAIL_ID_SECRET: 's'.repeat(32), jwtSecrets: [jwt] }), { domain: 'mail.example', secret: 's'.repeat(32) })
  const id = signedMessageId({ ticketNumber: 7, outboxId: 'abc', domain: derived.domain, secret: derived.secret })
  t.same(verifyMessageId(id, derived.secret), { ours: true, ticketNumber: 7 })
})
