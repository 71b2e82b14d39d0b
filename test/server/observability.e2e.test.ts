// rolecall serve as an operator runs it: --log-level, /metrics behind a metrics-scoped admin token, and the served
// OpenAPI description, over a real socket.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { cliPath, repoRoot } from '../helpers/cli.js'
import { createToken, runCli, type RunningServer } from '../helpers/serve.js'

/** A port nothing listens on now (the server below binds it a moment later). */
async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const address = probe.address()
  await new Promise((resolve) => probe.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** `rolecall serve` on a known port, ready once /healthz answers: at --log-level warn it does not log `listening`. */
async function startQuietServer(db: string, args: string[]): Promise<RunningServer> {
  const port = await freePort()
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', String(port), '--db', db, ...args], { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let buffer = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    const complete = buffer.split('\n')
    buffer = complete.pop() ?? ''
    lines.push(...complete)
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  const url = `http://127.0.0.1:${port}`
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`serve exited (${child.exitCode})`)
    if (
      await fetch(`${url}/healthz`).then(
        (response) => response.ok,
        () => false,
      )
    )
      return { url, port, child, lines, exited }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('serve did not answer /healthz within 10 s')
}

const dirs: string[] = []
const servers: RunningServer[] = []
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-observability-'))
  dirs.push(dir)
  return join(dir, 'rolecall.db')
}
afterEach(async () => {
  for (const server of servers.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
    await server.exited
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('rolecall serve for operators (end to end)', () => {
  it('with --metrics-auth token and --log-level warn: /metrics needs the metrics scope, and request lines are not logged', async () => {
    const db = tempDb()
    const scimToken = createToken(db, 'okta')
    const metricsToken = runCli(['admin-token', 'create', '--scope', 'metrics', '--db', db]).stdout.trimEnd().split('\n').at(-1) ?? ''
    expect(metricsToken).toMatch(/^rca_/)
    const server = await startQuietServer(db, ['--metrics-auth', 'token', '--log-level', 'warn'])
    servers.push(server)
    const anonymous = await fetch(`${server.url}/metrics`)
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('x-request-id')).toMatch(/\S/)
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${scimToken}` } })).status).toBe(401)
    expect((await fetch(`${server.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${scimToken}` } })).status).toBe(200)
    const scraped = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
    expect(scraped.status).toBe(200)
    const text = await scraped.text()
    expect(text).toContain('rolecall_scim_operations_total{connection="okta",resource="Users",operation="list",outcome="success"} 1')
    expect(text).toContain('rolecall_checks_total{outcome="allowed"} 0')
    // Node's own metrics, as before.
    expect(text).toContain('process_cpu_user_seconds_total')
    const described = await fetch(`${server.url}/api/v1/openapi.json`)
    expect(described.status).toBe(200)
    expect(((await described.json()) as { openapi: string }).openapi).toBe('3.1.0')
    server.child.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)
    // At warn, the info lines (listening, each request, stopping) are left out: nothing else happened.
    expect(server.lines.filter((line) => line !== '')).toEqual([])
    expect(server.lines.join('\n')).not.toContain(metricsToken.slice(4))
  })

  it('refuses a log level or metrics setting it does not know, naming the near miss', () => {
    const db = tempDb()
    createToken(db, 'okta')
    const level = runCli(['serve', '--db', db, '--port', '0', '--log-level', 'warning'])
    expect(level.status).toBe(1)
    expect(level.stderr).toContain('--log-level must be one of trace, debug, info, warn, error, fatal, silent (got "warning"); did you mean "warn"?')
    const fromEnv = runCli(['serve', '--db', db, '--port', '0'], { ROLECALL_METRICS_AUTH: 'tokn' })
    expect(fromEnv.status).toBe(1)
    expect(fromEnv.stderr).toContain('ROLECALL_METRICS_AUTH must be one of none, token (got "tokn"); did you mean "token"?')
    expect(level.stderr + fromEnv.stderr).not.toMatch(/^\s+at /m)
  })
})
