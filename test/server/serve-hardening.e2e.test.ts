// `rolecall serve` on an ephemeral port, against what a hostile or clumsy client does: unauthenticated chunked
// bodies, tokens pasted into URLs, bodies abandoned halfway, a busy port, a wildcard host, and keep-alive
// connections at shutdown.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { isEveryInterface, urlHost } from '../../src/cli/commands/serve.js'
import { maxBodyBytes } from '../../src/scim/http.js'
import { maxAdminBodyBytes } from '../../src/server/admin-api.js'
import { maxCheckBodyBytes } from '../../src/server/check-endpoint.js'
import { runCli } from '../helpers/serve.js'
import { holdWriteLock, openTestStore, testDbLocation } from '../helpers/test-store.js'

const bin = fileURLToPath(new URL('../../bin/rolecall.js', import.meta.url))

type Serve = {
  child: ChildProcess
  /** stdout's JSON log lines so far, parsed. */
  lines: Record<string, unknown>[]
  stderr: () => string
  port: Promise<number>
  exited: Promise<number | null>
}

const dirs: string[] = []
const children: Serve[] = []
afterEach(async () => {
  for (const serve of children.splice(0)) {
    if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL')
    await serve.exited
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempDb(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-hardening-'))
  dirs.push(dir)
  return testDbLocation()
}

/** A store with one SCIM token and admin tokens for plan and check. */
async function seeded() {
  const db = await tempDb()
  const store = await openTestStore(db)
  const scim = (await store.createToken('okta')).token
  const plan = (await store.createAdminToken(['plan'])).token
  const check = (await store.createAdminToken(['check'])).token
  await store.close()
  return { db, scim, plan, check }
}

function serve(db: string, host = '127.0.0.1'): Serve {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--host', host, '--db', db], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: Record<string, unknown>[] = []
  let stderr = ''
  let buffer = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const port = new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      for (let newline = buffer.indexOf('\n'); newline !== -1; newline = buffer.indexOf('\n')) {
        const entry = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>
        buffer = buffer.slice(newline + 1)
        lines.push(entry)
        if (entry['msg'] === 'listening') resolve(entry['port'] as number)
      }
    })
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)))
  })
  const running = { child, lines, stderr: () => stderr, port, exited }
  children.push(running)
  return running
}

/** Waits (the log is flushed every 250 ms) until `predicate` holds for the log lines. */
async function logged(server: Serve, predicate: (lines: Record<string, unknown>[]) => boolean): Promise<void> {
  for (let waited = 0; !predicate(server.lines); waited += 50) {
    if (waited > 5000) throw new Error(`not logged; lines so far:\n${server.lines.map((line) => JSON.stringify(line)).join('\n')}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * Starts a chunked POST, sends `bytes` of its body and, without ending it, waits for the answer's status line: a
 * server that reads the whole body before answering never answers (the test times out).
 */
function postUnfinished(port: number, path: string, headers: Record<string, string>, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1')
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(received)
      if (status === null) return
      socket.destroy()
      resolve(Number(status[1]))
    })
    socket.on('error', reject)
    const head = Object.entries({ host: '127.0.0.1', 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers }).map(([name, value]) => `${name}: ${value}\r\n`)
    socket.write(`POST ${path} HTTP/1.1\r\n${head.join('')}\r\n`)
    const chunk = Buffer.concat([Buffer.from(`${(64 * 1024).toString(16)}\r\n`), Buffer.alloc(64 * 1024, 0x20), Buffer.from('\r\n')])
    for (let sent = 0; sent < bytes; sent += 64 * 1024) socket.write(chunk)
  })
}

describe('rolecall serve against hostile and clumsy clients', () => {
  it('answers an unauthenticated chunked body with 401 before reading it, and limits authenticated ones', async () => {
    const { db, scim, plan, check } = await seeded()
    const server = serve(db)
    const port = await server.port
    const nope = { authorization: 'Bearer nope' }
    expect(await postUnfinished(port, '/api/v1/plans', nope, 64 * 1024)).toBe(401)
    expect(await postUnfinished(port, '/scim/v2/Groups', nope, 64 * 1024)).toBe(401)
    expect(await postUnfinished(port, '/scim/v2/Groups', {}, 64 * 1024)).toBe(401)
    expect(await postUnfinished(port, '/api/v1/check', nope, 64 * 1024)).toBe(401)
    // Once authenticated, a chunked body is read up to the limit, and refused there.
    expect(await postUnfinished(port, '/scim/v2/Groups', { authorization: `Bearer ${scim}` }, maxBodyBytes + 64 * 1024)).toBe(413)
    expect(await postUnfinished(port, '/api/v1/plans', { authorization: `Bearer ${plan}` }, maxAdminBodyBytes + 64 * 1024)).toBe(413)
    expect(await postUnfinished(port, '/api/v1/check', { authorization: `Bearer ${check}` }, maxCheckBodyBytes + 64 * 1024)).toBe(413)
    expect((await fetch(`http://127.0.0.1:${port}/scim/v2/ServiceProviderConfig`)).status).toBe(200)
  })

  it('never writes a token from a URL path to its log', async () => {
    const { db, scim, check } = await seeded()
    const server = serve(db)
    const base = `http://127.0.0.1:${await server.port}`
    const paths = [`/${scim}`, `/scim/v2/${scim}`, `/api/v1/${check}`, `/scim/v2/Users/${scim}`, `/api/v1/users/${check}/access`]
    for (const path of paths) await (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${path.includes('scim') ? scim : check}` } })).arrayBuffer()
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    const requests = server.lines.filter((line) => line['msg'] === 'request')
    expect(requests.map((line) => line['path'])).toEqual(['/rcs_…redacted', '/scim/v2/rcs_…redacted', '/api/v1/rca_…redacted', '/scim/v2/Users/rcs_…redacted', '/api/v1/users/rca_…redacted/access'])
    const everything = server.lines.map((line) => JSON.stringify(line)).join('\n')
    for (const token of [scim, check]) expect(everything).not.toContain(token.slice(4))
  })

  it('records a client that leaves mid-body as 499 at info level on every route, never as a 500', async () => {
    const { db, scim, plan, check } = await seeded()
    const server = serve(db)
    const port = await server.port
    const abandon = (path: string, token: string) =>
      new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"use`)
          setTimeout(() => {
            socket.destroy()
            resolve()
          }, 100)
        })
      })
    await abandon('/scim/v2/Users', scim)
    await abandon('/api/v1/plans', plan)
    await abandon('/api/v1/check', check)
    await logged(server, (lines) => lines.filter((line) => line['status'] === 499).length === 3)
    const requests = server.lines.filter((line) => line['msg'] === 'request')
    expect(requests.map((line) => [line['path'], line['status'], line['level']])).toEqual([
      ['/scim/v2/Users', 499, 30],
      ['/api/v1/plans', 499, 30],
      ['/api/v1/check', 499, 30],
    ])
    expect(server.lines.filter((line) => (line['level'] as number) >= 40)).toEqual([])
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    expect(metrics).not.toMatch(/rolecall_http_requests_total\{[^}]*status="5\d\d"/)
    expect(metrics).toContain('rolecall_http_requests_total{method="POST",route="/api/v1/check",status="499"} 1')
  })

  it('says on stderr, in one line, why it cannot listen', async () => {
    const { db } = await seeded()
    const server = serve(db)
    const port = await server.port
    const busy = runCli(['serve', '--port', String(port), '--host', '127.0.0.1', '--db', db])
    expect(busy.status).toBe(1)
    expect(busy.stderr).toBe(`rolecall: cannot listen on 127.0.0.1:${port}: address already in use\n`)
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): on no machine's interfaces.
    const elsewhere = runCli(['serve', '--port', '0', '--host', '192.0.2.1', '--db', db])
    expect(elsewhere.status).toBe(1)
    expect(elsewhere.stderr).toBe('rolecall: cannot listen on 192.0.2.1:0: address not available on this machine\n')
  })

  it('warns once that plain HTTP on every interface carries tokens in clear, and brackets IPv6 hosts in URLs', async () => {
    const { db } = await seeded()
    const everywhere = serve(db, '0.0.0.0')
    await everywhere.port
    const warning = 'serving plain HTTP on every interface (0.0.0.0): bearer tokens travel in clear unless a TLS proxy fronts this server'
    expect(everywhere.stderr()).toBe(`rolecall: warning: ${warning}\n`)
    expect(everywhere.lines.filter((line) => line['level'] === 40).map((line) => line['msg'])).toEqual([warning])
    everywhere.child.kill('SIGTERM')
    expect(await everywhere.exited).toBe(0)

    // IPv6 hosts are bracketed in the URL the listening line gives (not bound here: a test machine may lack ::1).
    expect(urlHost('::1')).toBe('[::1]')
    expect(isEveryInterface('::')).toBe(true)
    expect(isEveryInterface('[::]')).toBe(true)
    expect(isEveryInterface('::1')).toBe(false)
    expect(isEveryInterface('127.0.0.1')).toBe(false)
    expect(urlHost('::')).toBe('[::]')
    expect(urlHost('localhost')).toBe('localhost')
  })

  it('keeps answering while another process holds the write lock, and writes once it is free', async () => {
    const { db, scim, check } = await seeded()
    const server = serve(db)
    const port = await server.port
    const url = `http://127.0.0.1:${port}`
    const holder = await holdWriteLock(db)
    try {
      const write = fetch(`${url}/scim/v2/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${scim}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify({ userName: 'queued@acme.example' }),
      })
      let isWriteAnswered = false
      void write.then(() => (isWriteAnswered = true))
      // The write waits for the lock on timers, not in SQLite's busy handler: the server goes on answering meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 300))
      const health = await fetch(`${url}/healthz`)
      const asked = await fetch(`${url}/api/v1/check`, {
        method: 'POST',
        headers: { authorization: `Bearer ${check}`, 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'queued@acme.example', permission: 'sso:manage' }),
      })
      expect([health.status, asked.status]).toEqual([200, 200])
      expect(isWriteAnswered).toBe(false)
      await holder.release()
      expect((await write).status).toBe(201)
    } finally {
      await holder.release()
    }
  })

  it('answers with Connection: close once SIGTERM has come, even a request already in flight', async () => {
    const { db, scim } = await seeded()
    const server = serve(db)
    const port = await server.port
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const before = await new Promise<string | undefined>((resolve) => request({ host: '127.0.0.1', port, path: '/healthz', agent }, (response) => (response.resume(), resolve(response.headers.connection))).end())
    expect(before).toBe('keep-alive')
    const answered = new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const sending = request({ host: '127.0.0.1', port, path: '/scim/v2/Users', method: 'POST', agent, headers: { authorization: `Bearer ${scim}`, 'content-type': 'application/scim+json' } }, (response) => {
        response.resume()
        resolve({ status: response.statusCode ?? 0, connection: response.headers.connection })
      })
      sending.on('error', reject)
      sending.write('{"userName":')
      void logged(server, (lines) => lines.some((line) => line['msg'] === 'shutting down: finishing in-flight requests')).then(() => sending.end('"late@example.com"}'))
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    server.child.kill('SIGTERM')
    expect(await answered).toEqual({ status: 201, connection: 'close' })
    expect(await server.exited).toBe(0)
    agent.destroy()
  })
})
