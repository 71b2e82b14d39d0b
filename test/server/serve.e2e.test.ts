import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createToken, runCli, startQuietServer, startServer, type RunningServer } from '../helpers/serve.js'
import { testDbLocation } from '../helpers/test-store.js'

const dirs: string[] = []
const servers: RunningServer[] = []
function tempDb(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-e2e-'))
  dirs.push(dir)
  return testDbLocation()
}
afterEach(async () => {
  for (const server of servers.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
    await server.exited
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function scim(server: RunningServer, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}/scim/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) }
}

describe('rolecall serve (end to end)', () => {
  it('serves SCIM, /healthz and /metrics, and logs one JSON line per request without secrets', async () => {
    const db = await tempDb()
    const token = createToken(db, 'okta')
    expect(token).toMatch(/^rcs_/)
    const server = await startServer(db)
    servers.push(server)
    const created = await scim(server, token, 'POST', '/Users', { userName: 'e2e@example.com', active: true })
    expect(created.status).toBe(201)
    expect(created.headers.get('location')).toBe(`${server.url}/scim/v2/Users/${String(created.body?.['id'])}`)
    expect((await scim(server, 'rcs_wrong', 'GET', '/Users')).status).toBe(401)
    // Headers as Node parsed them: conditional requests and the declared body size.
    const userUrl = `${server.url}/scim/v2/Users/${String(created.body?.['id'])}`
    const etag = created.headers.get('etag') ?? ''
    expect((await fetch(userUrl, { headers: { authorization: `Bearer ${token}`, 'if-none-match': etag } })).status).toBe(304)
    const stale = await fetch(userUrl, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', 'if-match': 'W/"999"' }, body: JSON.stringify({ userName: 'e2e@example.com' }) })
    expect(stale.status).toBe(412)
    const huge = await fetch(`${server.url}/scim/v2/Users`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, body: 'x'.repeat(5 * 1024 * 1024) })
    expect(huge.status).toBe(413)
    const discovery = await fetch(`${server.url}/scim/v2/ServiceProviderConfig`)
    expect(discovery.status).toBe(200)
    const health = await fetch(`${server.url}/healthz`)
    // Nothing applied yet: no access to compute.
    expect(await health.json()).toEqual({ status: 'ok', checks: { cachedUsers: 0, isWarming: false } })
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready', revision: 1 })
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toContain('rolecall_http_requests_total{method="POST",route="/scim/v2/Users",status="201"} 1')
    expect(metrics).toContain('rolecall_http_request_duration_seconds_bucket')
    server.child.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)
    const requests = server.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry['msg'] === 'request')
    expect(requests.map((entry) => [entry['method'], entry['route'], entry['status']])).toEqual([
      ['POST', '/scim/v2/Users', 201],
      ['GET', '/scim/v2/Users', 401],
      ['GET', '/scim/v2/Users/:id', 304],
      ['PUT', '/scim/v2/Users/:id', 412],
      ['POST', '/scim/v2/Users', 413],
      ['GET', '/scim/v2/ServiceProviderConfig', 200],
      ['GET', '/healthz', 200],
      ['GET', '/readyz', 200],
      ['GET', '/metrics', 200],
    ])
    expect(requests[0]?.['connection']).toBe('okta')
    expect(server.lines.join('\n')).not.toContain(token.slice(4))
    expect(server.lines.join('\n')).not.toContain('rcs_wrong')
  })

  it('finishes in-flight requests on SIGTERM, then closes the database cleanly', async () => {
    const db = await tempDb()
    const token = createToken(db, 'okta')
    const server = await startServer(db)
    servers.push(server)
    let isSignalled = false
    const writes = Array.from({ length: 40 }, async (_, i) => {
      try {
        const response = await scim(server, token, 'POST', '/Users', { userName: `drain${i}@example.com` })
        if (!isSignalled) {
          isSignalled = true
          server.child.kill('SIGTERM')
        }
        return { i, status: response.status }
      } catch {
        return { i, status: 0 }
      }
    })
    const results = await Promise.all(writes)
    expect((await server.exited).code).toBe(0)
    expect(results.every((result) => result.status === 201 || result.status === 0)).toBe(true)
    expect(existsSync(`${db}-wal`)).toBe(false)
    const acknowledged = results.filter((result) => result.status === 201).map((result) => `drain${result.i}@example.com`)
    const again = await startServer(db)
    servers.push(again)
    for (const userName of acknowledged) {
      const found = await scim(again, token, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)
      expect(found.body?.['totalResults']).toBe(1)
    }
  })

  it('lists and revokes tokens without ever printing them again', async () => {
    const db = await tempDb()
    const token = createToken(db, 'entra')
    const listed = runCli(['token', 'list', '--db', db])
    expect(listed.status).toBe(0)
    expect(listed.stdout).toMatch(/^tok_[0-9a-f]+ {2}entra {2}rcs_/)
    expect(listed.stdout).not.toContain(token)
    const first = listed.stdout.split(' ')[0] ?? ''
    const rotated = runCli(['token', 'rotate', first, '--db', db])
    expect(rotated.status).toBe(0)
    const replacement = rotated.stdout.trimEnd().split('\n').at(-1) ?? ''
    expect(replacement).toMatch(/^rcs_/)
    expect(replacement).not.toBe(token)
    expect(runCli(['token', 'revoke', first, '--db', db]).status).toBe(1)
    const id =
      (
        runCli(['token', 'list', '--db', db])
          .stdout.split('\n')
          .find((line) => !line.includes('revoked')) ?? ''
      ).split(' ')[0] ?? ''
    expect(runCli(['token', 'revoke', id, '--db', db]).status).toBe(0)
    expect(runCli(['token', 'revoke', id, '--db', db]).status).toBe(1)
    expect(JSON.parse(runCli(['token', 'list', '--format', 'json', '--db', db]).stdout)[0]).toHaveProperty('revokedAt')
    expect(runCli(['token', 'create', '--db', db]).status).toBe(1)
    expect(runCli(['token', 'create', '--connection', 'bad name!', '--db', db]).status).toBe(1)
  })

  it('verifies and exports the audit chain', async () => {
    const db = await tempDb()
    createToken(db, 'okta')
    const verified = runCli(['audit', 'verify', '--db', db])
    expect(verified.status).toBe(0)
    expect(verified.stdout).toMatch(/^Audit chain intact: 2 entries\.\nHead: entry 2, hash [0-9a-f]{64}\n$/)
    const exported = runCli(['audit', 'export', '--db', db])
    const entries = exported.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; action: string })
    expect(entries.map((entry) => [entry.seq, entry.action])).toEqual([
      [1, 'connection.create'],
      [2, 'token.create'],
    ])
    expect(runCli(['audit', 'verify', '--db', join(tmpdir(), 'no-such-rolecall.db')]).status).toBe(1)
  })

  it('reads ROLECALL_* settings and refuses a bad port', () => {
    expect(runCli(['serve', '--port', 'eighty']).status).toBe(1)
    expect(runCli(['serve'], { ROLECALL_PORT: '99999' }).status).toBe(1)
  })
})

// As an operator runs it: --log-level, /metrics behind a metrics-scoped admin token, the served OpenAPI description.
describe('rolecall serve for operators (end to end)', () => {
  it('with --metrics-auth token and --log-level warn: /metrics needs the metrics scope, and request lines are not logged', async () => {
    const db = await tempDb()
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

  it('refuses a log level or metrics setting it does not know, naming the near miss', async () => {
    const db = await tempDb()
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
