import { SMTPServer } from 'smtp-server'
import { freePort } from './process.ts'

/**
 * A relay that answers each DATA with the next code from the script (then 250), recording what it
 * got; `rejectRcpt` refuses those recipients at RCPT TO with the given code, as for an unknown mailbox.
 */
export async function scriptedRelay(codes: number[], rejectRcpt: Record<string, number> = {}) {
  const received: string[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, _session, cb) {
      const code = rejectRcpt[address.address.toLowerCase()]
      if (!code) return cb()
      cb(Object.assign(new Error(code >= 500 ? '5.1.1 mailbox unavailable' : '4.2.1 try again later'), { responseCode: code }))
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'))
        const code = codes.shift() ?? 250
        if (code === 250) return cb()
        return cb(Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: code }))
      })
    },
  })
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return { url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise<void>((r) => server.close(() => r())) }
}
