// The baseline of the SCIM benchmarks: a Hono hello-world on @hono/node-server, printing its port as a JSON line.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const app = new Hono()
app.get('/', (c) => c.text('Hello, world!'))
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port: info.port })}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
