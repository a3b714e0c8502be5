// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import t from 'tap'
import { contentDisposition, detectContentType, sanitizeFilename } from '../../src/lib/files.ts'

t.test('sanitizeFilename', async (t) => {
  t.equal(sanitizeFilename('../../etc/passwd'), 'passwd')
  t.equal(sanitizeFilename('C:\\Users\\x\\report.pdf'), 'report.pdf')
  t.equal(sanitizeFilename('in\u0000voice\u0007.pdf'), 'invoice.pdf')
  t.equal(sanitizeFilename('photo\u202egpj.exe'), 'photogpj.exe', 'bidi override removed')
  t.equal(sanitizeFilename('..'), 'attachment')
  t.equal(sanitizeFilename('.htaccess'), 'htaccess')
  t.equal(sanitizeFilename(''), 'attachment')
  t.equal(sanitizeFilename(undefined, 'message.eml'), 'message.eml')
  t.equal(sanitizeFilename('Фактура №5.pdf'), 'Фактура №5.pdf', 'Cyrillic kept')
  t.equal(sanitizeFilename('a<b>c:d|e?.txt'), 'a_b_c_d_e_.txt')
  const long = sanitizeFilename(`${'x'.repeat(300)}.docx`)
  t.equal(long.length, 200)
  t.ok(long.endsWith('.docx'))
})

t.test('detectContentType trusts bytes, not names', async (t) => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d5c8a40000000049454e44ae426082', 'hex')
  t.equal(await detectContentType(png), 'image/png')
  t.equal(await detectContentType(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n')), 'application/pdf')
  t.equal(await detectContentType(Buffer.from('Здравейте, програмата не стартира.')), 'text/plain')
  t.equal(await detectContentType(Buffer.from([0x00, 0x01, 0x02, 0xff])), 'application/octet-stream')
  t.equal(await detectContentType(Buffer.from('<html><script>alert(1)</script></html>')), 'text/plain', 'HTML is served as text, never rendered')
  t.equal(await detectContentType(Buffer.alloc(0)), 'application/octet-stream')
})

t.test('contentDisposition always says attachment, with a UTF-8 name', async (t) => {
  t.equal(contentDisposition('Фактура.pdf'), `attachment; filename="_______.pdf"; filename*=UTF-8''${encodeURIComponent('Фактура.pdf')}`)
  t.equal(contentDisposition('a"b.txt'), `attachment; filename="a_b.txt"; filename*=UTF-8''a%22b.txt`)
})
