import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import nodemailer from 'nodemailer'
import t from 'tap'
import { inboundMail } from '../../../src/db/schema/index.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { eml } from '../../helpers/mail-fixtures.ts'
import { MAIL_TEST_CONFIG, makeMailQueue, RawSmtp, startTestSmtp } from '../../helpers/smtp.ts'

t.test('STARTTLS and AUTH when configured', async (t) => {
  const ctx = await buildTestApp(t, { config: MAIL_TEST_CONFIG })
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dl-smtp-tls-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const key = path.join(dir, 'key.pem')
  const cert = path.join(dir, 'cert.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' })
  const queue = await makeMailQueue(ctx)
  const withConfig = (c: Partial<typeof ctx.deps.config>) => ({ ...ctx.deps, config: { ...ctx.deps.config, ...c } })
  const AUTH = { SMTP_AUTH_USER: 'relay', SMTP_AUTH_PASSWORD: 'relay-password-123' }

  let n = 0
  const message = () => {
    const id = `<tls-${++n}.${Date.now()}@customer.test>`
    return { id, raw: eml([`From: x${n}@nowhere.test`, `To: ${queue.address}`, `Subject: tls ${n}`, `Message-ID: ${id}`]) }
  }
  const stored = async (id: string) => (await ctx.deps.db.select().from(inboundMail).where(eq(inboundMail.messageId, id))).length
  const send = async (port: number, o: Record<string, unknown>) => {
    const m = message()
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ...o })
    try {
      const info = await transport.sendMail({ envelope: { from: 'relay@customer.test', to: [queue.address] }, raw: m.raw })
      return { response: info.response, id: m.id }
    } finally {
      transport.close()
    }
  }

  t.test('STARTTLS with the configured certificate', async (t) => {
    const smtp = await startTestSmtp(t, withConfig({ SMTP_TLS_KEY_FILE: key, SMTP_TLS_CERT_FILE: cert }))
    const { smtp: c } = await RawSmtp.open(smtp.port)
    const ehlo = await c.send('EHLO client.test')
    t.ok(ehlo.lines.some((l) => /STARTTLS/.test(l)), 'advertised')
    await c.quit()
    // Verifying against our certificate proves it is the one served (not smtp-server's bundled, expired one).
    const sent = await send(smtp.port, { requireTLS: true, tls: { ca: [readFileSync(cert)], servername: 'localhost', rejectUnauthorized: true } })
    t.equal(sent.response, '250 2.0.0 Message accepted')
    t.equal(await stored(sent.id), 1)
  })

  t.test('AUTH required when configured (plain-text allowed without a certificate)', async (t) => {
    const smtp = await startTestSmtp(t, withConfig(AUTH))
    const { smtp: c } = await RawSmtp.open(smtp.port)
    const ehlo = await c.send('EHLO client.test')
    t.ok(ehlo.lines.some((l) => /AUTH PLAIN LOGIN/.test(l)), ehlo.lines.join('|'))
    const mail = await c.send('MAIL FROM:<relay@customer.test>')
    t.equal(mail.code, 530)
    t.equal(mail.text, '5.7.0 Authentication required')
    const bad = await c.send(`AUTH PLAIN ${Buffer.from('\0relay\0wrong-password').toString('base64')}`)
    t.equal(bad.code, 535)
    t.equal(bad.text, '5.7.8 Authentication credentials invalid')
    const good = await c.send(`AUTH PLAIN ${Buffer.from(`\0relay\0${AUTH.SMTP_AUTH_PASSWORD}`).toString('base64')}`)
    t.equal(good.code, 235)
    t.equal((await c.send('MAIL FROM:<relay@customer.test>')).code, 250)
    await c.quit()
    const sent = await send(smtp.port, { auth: { user: 'relay', pass: AUTH.SMTP_AUTH_PASSWORD } })
    t.equal(sent.response, '250 2.0.0 Message accepted')
    t.equal(await stored(sent.id), 1)
    await t.rejects(send(smtp.port, { auth: { user: 'relay', pass: 'wrong-password' } }), { message: /535 5\.7\.8/ }, 'a wrong password is refused')
  })

  t.test('AUTH with a certificate: only after STARTTLS', async (t) => {
    const smtp = await startTestSmtp(t, withConfig({ ...AUTH, SMTP_TLS_KEY_FILE: key, SMTP_TLS_CERT_FILE: cert }))
    const { smtp: c } = await RawSmtp.open(smtp.port)
    await c.send('EHLO client.test')
    const auth = await c.send(`AUTH PLAIN ${Buffer.from(`\0relay\0${AUTH.SMTP_AUTH_PASSWORD}`).toString('base64')}`)
    t.equal(auth.code, 538, 'even the right password is refused in clear text (must STARTTLS first)')
    t.equal((await c.send('MAIL FROM:<relay@customer.test>')).code, 530)
    await c.quit()
    const sent = await send(smtp.port, { requireTLS: true, tls: { rejectUnauthorized: false }, auth: { user: 'relay', pass: AUTH.SMTP_AUTH_PASSWORD } })
    t.equal(sent.response, '250 2.0.0 Message accepted')
  })
})
