// The baseline: a bare Fastify hello-world with no hooks, logger or validation.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/hello', async () => ({ hello: 'world' }))
await app.listen({ host: '127.0.0.1', port: 0 })
console.log(JSON.stringify({ ready: true, port: (app.server.address() as { port: number }).port }))
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
