// POST /api/v1/check against `rolecall serve`, which answers it straight from Node's request (direct-check.ts):
// the same answers, refusals, log line and metrics as every other route.
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { applyExampleAccess } from '../helpers/apply-example.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { startServer, type RunningServer } from '../helpers/serve.js'

const write = { actor: 'test' }
let dir: string
let server: RunningServer
let checkToken: string
let planToken: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rolecall-check-e2e-'))
  const db = join(dir, 'rolecall.db')
  const store = openSqliteStore(db, { clock: () => fixtureNow })
  const sasha = await store.createUser('okta', { userName: 'sasha@acme.example', active: true }, write)
  await store.createUser('okta', { userName: 'casey@acme.example', active: true }, write)
  await store.createGroup('okta', { displayName: 'security-admins' }, [sasha.id], write)
  await applyExampleAccess(store)
  checkToken = (await store.createAdminToken(['check'])).token
  planToken = (await store.createAdminToken(['plan'])).token
  await store.close()
  server = await startServer(db)
})

afterAll(async () => {
  server.child.kill('SIGTERM')
  await server.exited
  rmSync(dir, { recursive: true, force: true })
})

async function post(body: string, headers: Record<string, string>, path = '/api/v1/check') {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers, body })
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> }
}

const json = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' })
const ssoManage = (user: string) => JSON.stringify({ user, permission: 'sso:manage', authMethod: 'sso' })

/** A chunked body (no Content-Length) of `size` bytes. */
function postChunked(size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${server.url}/api/v1/check`)
    const sent = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: json(checkToken) }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    sent.on('error', reject)
    for (let written = 0; written < size; written += 16 * 1024) sent.write('x'.repeat(16 * 1024))
    sent.end()
  })
}

describe('POST /api/v1/check on rolecall serve', () => {
  it('answers as the YAML says, with the chain', async () => {
    const allowed = await post(ssoManage('SASHA@acme.example'), json(checkToken))
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('content-type')).toBe('application/json')
    expect(allowed.body).toMatchObject({ allowed: true, denials: [], revision: 'r1' })
    expect(String((allowed.body['reasons'] as string[])[0])).toContain('okta group "security-admins"')
    expect((await post(ssoManage('casey@acme.example'), json(checkToken))).body).toMatchObject({ allowed: false, reasons: [] })
    // With a query string the request goes through the router: the same answer.
    expect((await post(ssoManage('sasha@acme.example'), json(checkToken), '/api/v1/check?trace=1')).body).toEqual(allowed.body)
  })

  it('refuses missing, wrong and under-scoped tokens, and bodies that are not a question, as the router does', async () => {
    const missing = await post(ssoManage('sasha@acme.example'), { 'content-type': 'application/json' })
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="rolecall-admin"')
    expect(missing.body).toEqual({ error: 'an admin bearer token is required' })
    expect((await post(ssoManage('sasha@acme.example'), json(`${checkToken}x`))).status).toBe(401)
    expect(await post(ssoManage('sasha@acme.example'), json(planToken))).toMatchObject({ status: 403, body: { error: 'this token lacks the "check" scope' } })
    expect(await post(ssoManage('sasha@acme.example'), { ...json(checkToken), 'content-type': 'text/plain' })).toMatchObject({ status: 415 })
    expect(await post('{"user":', json(checkToken))).toMatchObject({ status: 400, body: { error: 'the body is not valid JSON' } })
    expect(await post('{"user":"a@b","permission":"x","admin":true}', json(checkToken))).toMatchObject({ status: 400, body: { error: 'unknown field: admin' } })
    expect(await post('{"user":"a@b","action":"run","resource":"nope"}', json(checkToken))).toMatchObject({ status: 400 })
  })

  it('refuses bodies over 64 KiB, declared or chunked', async () => {
    expect(await post(JSON.stringify({ user: 'x'.repeat(70 * 1024) }), json(checkToken))).toMatchObject({ status: 413, body: { error: 'request body exceeds 65536 bytes' } })
    expect(await postChunked(200 * 1024)).toBe(413)
    // The server is still answering.
    expect((await post(ssoManage('sasha@acme.example'), json(checkToken))).status).toBe(200)
  })

  it('logs one line per check, without the token, and counts it in /metrics', async () => {
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(/rolecall_http_requests_total\{method="POST",route="\/api\/v1\/check",status="200"\} \d+/)
    expect(metrics).toMatch(/rolecall_http_requests_total\{method="POST",route="\/api\/v1\/check",status="401"\} 2/)
    // Log lines are written in batches, at least every 250 ms.
    const logged = () => server.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry['path'] === '/api/v1/check')
    for (let i = 0; i < 40 && logged().length < 13; i++) await new Promise((resolve) => setTimeout(resolve, 50))
    const checks = logged()
    expect(checks.map((entry) => entry["route"])).toEqual(Array(13).fill("/api/v1/check"))
    expect(checks.map((entry) => entry["status"])).toEqual([200, 200, 200, 401, 401, 403, 415, 400, 400, 400, 413, 413, 200])
    expect(checks[0]).toMatchObject({ msg: 'request', method: 'POST', path: '/api/v1/check', status: 200 })
    expect(server.lines.join('\n')).not.toContain(checkToken.slice(4))
  })
})

describe('POST /api/v1/check when the client goes away', () => {
  it('keeps serving after a client that sent half a body and left', async () => {
    const url = new URL(`${server.url}/api/v1/check`)
    await new Promise<void>((resolve) => {
      const sent = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...json(checkToken), 'content-length': '1000' } })
      sent.on('error', () => resolve())
      sent.write('{"user":')
      setTimeout(() => {
        sent.destroy()
        resolve()
      }, 50)
    })
    expect((await post(ssoManage('sasha@acme.example'), json(checkToken))).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(server.lines.join('\n')).not.toContain('unexpected error')
  })
})
