// `rolecall serve` on an ephemeral port against clients that hold its connections: bodies trickled a byte at a time
// with a valid token, more connections than the cap, and request lines longer than the HTTP parser takes.
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli, startServer, type RunningServer } from '../helpers/serve.js'
import { openTestStore, testDbLocation } from '../helpers/test-store.js'

const dirs: string[] = []
const servers: RunningServer[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  for (const server of servers.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
    await server.exited
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A store with one SCIM token for okta, and one empty group of okta's. */
async function seeded(): Promise<{ db: string; token: string; groupId: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-limits-'))
  dirs.push(dir)
  const db = await testDbLocation()
  const store = await openTestStore(db)
  const { token } = await store.createToken('okta')
  const group = await store.createGroup('okta', { displayName: 'Checkout Team' }, [], { actor: 'scim:okta' })
  await store.close()
  return { db, token, groupId: group.id }
}

async function serve(db: string, args: string[]): Promise<RunningServer> {
  const server = await startServer(db, args)
  servers.push(server)
  return server
}

/** A raw connection to the server, recording what it receives and when it closes. */
type Held = { socket: Socket; received: () => string; connected: Promise<void>; closed: Promise<number> }

function hold(port: number): Held {
  const socket = connect(port, '127.0.0.1')
  sockets.push(socket)
  let received = ''
  socket.on('data', (data: Buffer) => (received += data.toString('latin1')))
  // A reset is one way for the server to close the connection.
  socket.on('error', () => undefined)
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('error', reject)
  })
  // Only some tests wait for it: a refused connection must not fail the run as an unhandled rejection.
  connected.catch(() => undefined)
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())))
  return { socket, received: () => received, connected, closed }
}

/** Waits until one response has arrived whole on `held` (a Content-Length body), and returns it. */
async function response(held: Held): Promise<{ status: number; headers: string; body: string }> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    const text = held.received()
    const end = text.indexOf('\r\n\r\n')
    const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, end))
    if (end !== -1 && length !== null && text.length >= end + 4 + Number(length[1])) {
      return { status: Number(text.slice(9, 12)), headers: text.slice(0, end), body: text.slice(end + 4, end + 4 + Number(length[1])) }
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`no whole response; received: ${JSON.stringify(held.received().slice(0, 200))}`)
}

/** Waits (the log is flushed every 250 ms) until `count` lines satisfy `predicate`. */
async function logged(server: RunningServer, predicate: (entry: Record<string, unknown>) => boolean, count: number): Promise<Record<string, unknown>[]> {
  for (let waited = 0; ; waited += 50) {
    const entries = server.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter(predicate)
    if (entries.length >= count) return entries
    if (waited > 5000) throw new Error(`${entries.length} of ${count} lines logged; so far:\n${server.lines.join('\n')}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const scimError = { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'] }

describe('rolecall serve against clients that hold its connections', () => {
  it('closes connections that trickle a body past the request timeout, and answers other clients meanwhile', async () => {
    const { db, token, groupId } = await seeded()
    const requestTimeoutMs = 3000
    const server = await serve(db, ['--headers-timeout', '1', '--request-timeout', String(requestTimeoutMs / 1000)])
    const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { displayName: 'Trickled' } }] })
    const head = [`PATCH /scim/v2/Groups/${groupId} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${token}`, 'Content-Type: application/scim+json', `Content-Length: ${body.length}`].join('\r\n')

    const tricklers = Array.from({ length: 10 }, () => hold(server.port))
    await Promise.all(tricklers.map((held) => held.connected))
    const started = Date.now()
    const timers = tricklers.map((held) => {
      held.socket.write(`${head}\r\n\r\n`)
      let sent = 0
      // One byte every 250 ms: the connection is never idle, and the body would take minutes to arrive.
      const timer = setInterval(() => held.socket.write(body.slice(sent, ++sent)), 250)
      void held.closed.then(() => clearInterval(timer))
      return timer
    })
    // A client trickling its headers instead is cut off by the headers timeout.
    const slowHeaders = hold(server.port)
    await slowHeaders.connected
    let headSent = 0
    const headTimer = setInterval(() => slowHeaders.socket.write(head.slice(headSent, ++headSent)), 250)
    void slowHeaders.closed.then(() => clearInterval(headTimer))

    // Meanwhile another client is answered, each time while every trickling connection is still open.
    let openTricklers = tricklers.length
    for (const held of tricklers) void held.closed.then(() => (openTricklers -= 1))
    for (let i = 0; i < 5; i += 1) {
      const answer = await fetch(`${server.url}/scim/v2/Groups/${groupId}`, { headers: { authorization: `Bearer ${token}` } })
      expect(answer.status).toBe(200)
      expect(((await answer.json()) as { displayName: string }).displayName).toBe('Checkout Team')
      expect(openTricklers).toBe(tricklers.length)
    }

    const closedAt = await Promise.all(tricklers.map((held) => held.closed))
    for (const timer of timers) clearInterval(timer)
    // Not before the request timeout (the headers timeout, 1 s, is over for them), and within the timeout plus the
    // server's check interval plus a wide margin for a busy machine.
    for (const at of closedAt) {
      expect(at - started).toBeGreaterThanOrEqual(requestTimeoutMs - 50)
      expect(at - started).toBeLessThan(requestTimeoutMs + 8000)
    }
    for (const held of tricklers) {
      // Node answers 408 and closes; a byte that crosses the close may turn it into a reset before the answer is read.
      const received = held.received()
      if (received !== '') {
        expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
        expect(received).toContain('Connection: close\r\n')
        expect(received).toContain('{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"408","detail":"the request was not received in full within 3 s"}')
      }
    }
    const headersClosedAt = await slowHeaders.closed
    expect(headersClosedAt - started).toBeGreaterThanOrEqual(1000 - 50)
    expect(headersClosedAt - started).toBeLessThan(1000 + 8000)
    expect(slowHeaders.received()).toMatch(/^(HTTP\/1\.1 408 Request Timeout\r\n[^]*"detail":"the request's headers were not received within 1 s"\}|)$/)

    // The server said 408 to each of them, and acted on none of their bodies.
    const refused = await logged(server, (entry) => entry['msg'] === 'request refused before routing', 11)
    expect(refused.map((entry) => [entry['status'], entry['code']])).toEqual(Array.from({ length: 11 }, () => [408, 'ERR_HTTP_REQUEST_TIMEOUT']))
    const after = await fetch(`${server.url}/scim/v2/Groups/${groupId}`, { headers: { authorization: `Bearer ${token}` } })
    expect(((await after.json()) as { displayName: string }).displayName).toBe('Checkout Team')
    expect(server.child.exitCode).toBeNull()
  })

  it('refuses a connection past the cap, and serves again once one closes', async () => {
    const { db } = await seeded()
    const server = await serve(db, ['--max-connections', '3'])
    // Three keep-alive connections, each answered once and then left open, fill the cap.
    const held = Array.from({ length: 3 }, () => hold(server.port))
    for (const connection of held) {
      await connection.connected
      connection.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
      expect((await response(connection)).status).toBe(200)
    }

    const refused = hold(server.port)
    refused.socket.on('connect', () => refused.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'))
    await refused.closed
    expect(refused.received()).toBe('')
    const [warning] = await logged(server, (entry) => entry['msg'] === 'connections refused at the connection cap', 1)
    expect(warning).toMatchObject({ level: 40, refused: 1, maxConnections: 3 })

    // The held connections are still served.
    held[0]?.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    expect((await response(held[0] as Held)).status).toBe(200)

    held[1]?.socket.destroy()
    await held[1]?.closed
    // The server counts the connection gone once it has seen it close: try until it has.
    let status: number | undefined
    for (let attempt = 0; attempt < 50 && status === undefined; attempt += 1) {
      const next = hold(server.port)
      next.socket.on('connect', () => next.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'))
      await next.closed
      if (next.received() !== '') status = Number(next.received().slice(9, 12))
      else await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(status).toBe(200)
  })

  it('answers a request line or headers over the parser limit with an RFC 7644 error body, and keeps serving', async () => {
    const { db, token } = await seeded()
    const server = await serve(db, [])
    const filter = encodeURIComponent(`userName eq "${'a'.repeat(100 * 1024)}"`)
    const authorization = `Bearer ${token}`

    const long = await fetch(`${server.url}/scim/v2/Users?filter=${filter}`, { headers: { authorization } })
    expect(long.status).toBe(414)
    expect(long.headers.get('content-type')).toBe('application/scim+json')
    expect(long.headers.get('connection')).toBe('close')
    const error = (await long.json()) as Record<string, string>
    expect(error).toMatchObject({ ...scimError, status: '414', scimType: 'invalidFilter' })
    expect(error['detail']).toContain('use POST /scim/v2/Users/.search (RFC 7644 §3.4.3)')
    expect(error['detail']).toContain('the 16384-byte limit')

    const groups = await fetch(`${server.url}/scim/v2/Groups?filter=${filter}`, { headers: { authorization } })
    expect(groups.status).toBe(414)
    expect(((await groups.json()) as Record<string, string>)['detail']).toContain('use POST /scim/v2/Groups/.search')

    // Headers over the limit with a short request line are a 431 (RFC 6585 §5).
    const cookie = await fetch(`${server.url}/scim/v2/Users`, { headers: { authorization, cookie: 'c'.repeat(20 * 1024) } })
    expect(cookie.status).toBe(431)
    expect(await cookie.json()).toMatchObject({ ...scimError, status: '431' })

    // A request the parser cannot read at all is a 400 with a body.
    const garbled = hold(server.port)
    await garbled.connected
    garbled.socket.write('GET /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nbad header\r\n\r\n')
    const bad = await response(garbled)
    expect(bad.status).toBe(400)
    expect(bad.headers).toContain('Content-Type: application/scim+json')
    expect(JSON.parse(bad.body)).toEqual({ ...scimError, status: '400', detail: 'the request is not valid HTTP/1.1' })
    await garbled.closed

    // Several at once, beside ordinary requests: every one is answered, and the server goes on.
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => fetch(`${server.url}/scim/v2/Users?filter=${filter}`, { headers: { authorization } }).then((answer) => answer.status)),
      ...Array.from({ length: 4 }, () => fetch(`${server.url}/scim/v2/Users?filter=${encodeURIComponent('userName eq "x"')}`, { headers: { authorization } }).then((answer) => answer.status)),
    ])
    expect(answers).toEqual([414, 414, 414, 414, 200, 200, 200, 200])
    expect((await fetch(`${server.url}/scim/v2/ServiceProviderConfig`)).status).toBe(200)
    expect(server.child.exitCode).toBeNull()
    const lines = server.lines.join('\n')
    expect(lines).not.toContain(token.slice(4))
  })

  it('refuses a bad limit from a flag or the environment as a usage error', async () => {
    const { db } = await seeded()
    const bad = runCli(['serve', '--port', '0', '--db', db, '--request-timeout', '0'])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain('rolecall: --request-timeout must be a number of seconds from 0.001 to 3600 (got "0")')
    const fromEnv = runCli(['serve', '--port', '0', '--db', db], { ROLECALL_HEADERS_TIMEOUT: '60', ROLECALL_REQUEST_TIMEOUT: '' })
    expect(fromEnv.status).toBe(1)
    expect(fromEnv.stderr).toContain('the headers timeout (60 s) must not exceed the request timeout (30 s)')
  })
})
