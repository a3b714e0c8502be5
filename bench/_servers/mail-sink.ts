// The mail baseline: a bare smtp-server that parses each message with mailparser and discards it,
// answering 250 once parsed — what any listener must do at least, with no storage.
import { once } from 'node:events'
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

const server = new SMTPServer({
  logger: false,
  disableReverseLookup: true,
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  size: 26_214_400,
  maxClients: 100,
  onData(stream, _session, callback) {
    const chunks: Buffer[] = []
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.once('end', () => {
      simpleParser(Buffer.concat(chunks)).then(
        () => callback(null, '2.0.0 discarded'),
        (err: Error) => callback(err),
      )
    })
  },
})
server.listen(0, '127.0.0.1')
await once(server.server, 'listening')
console.log(JSON.stringify({ ready: true, smtpPort: (server.server.address() as { port: number }).port }))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
