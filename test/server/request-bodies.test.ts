// Request bodies through the whole server app (app.request(), an in-memory store): nothing is read before the
// token is checked, limits still hold for authenticated requests, and a client that goes away mid-body is a 499
// at info level, never a 500, on SCIM, the admin API and the routed check API alike.
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/server/app.js'
import { maxAdminBodyBytes } from '../../src/server/admin-api.js'
import { maxBodyBytes } from '../../src/scim/http.js'
import { testStore } from '../helpers/test-store.js'

type Line = { level: number; msg: string; status?: number; path?: string; err?: unknown }

async function server() {
  const store = await testStore()
  const lines: Line[] = []
  const logger = pino({}, { write: (line: string) => void lines.push(JSON.parse(line) as Line) })
  const { app } = createServerApp({ store, logger })
  const scimToken = (await store.createToken('okta')).token
  const planToken = (await store.createAdminToken(['plan'])).token
  const checkToken = (await store.createAdminToken(['check'])).token
  return { app, lines, scimToken, planToken, checkToken }
}

/**
 * A chunked body (no Content-Length) of `size` bytes, pulled only as the server reads it; `pulled` says how much
 * it read. `failAfter` makes the stream fail there, as a client that closes its connection mid-body.
 */
function chunkedBody(size: number, options: { first?: string; failAfter?: number } = {}) {
  const chunk = new Uint8Array(64 * 1024).fill(0x20)
  const state = { pulled: 0 }
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (options.failAfter !== undefined && state.pulled >= options.failAfter) return controller.error(new Error('aborted'))
        if (state.pulled >= size) return controller.close()
        const next = state.pulled === 0 && options.first !== undefined ? new TextEncoder().encode(options.first) : chunk.subarray(0, Math.min(chunk.length, size - state.pulled))
        state.pulled += next.length
        controller.enqueue(next)
      },
    },
    { highWaterMark: 0 },
  )
  return { stream, state }
}

function post(path: string, body: ReadableStream<Uint8Array>, headers: Record<string, string>) {
  return new Request(`http://localhost${path}`, { method: 'POST', body, headers, duplex: 'half' } as RequestInit)
}

const bearer = (token: string, type = 'application/json') => ({ authorization: `Bearer ${token}`, 'content-type': type })

describe('authentication comes before the body', () => {
  it.each([
    ['/scim/v2/Groups', 'rcs_nope'],
    ['/scim/v2/Users', 'rcs_nope'],
    ['/api/v1/plans', 'nope'],
    ['/api/v1/apply', 'nope'],
    ['/api/v1/check', 'nope'],
  ])('answers 401 to an unauthenticated chunked POST %s without reading its body', async (path, token) => {
    const { app } = await server()
    const { stream, state } = chunkedBody(64 * 1024 * 1024)
    const response = await app.request(post(path, stream, bearer(token)))
    expect(response.status).toBe(401)
    expect(state.pulled).toBe(0)
  })

  it('answers 401 to an oversized declared body without a token, as to any other', async () => {
    const { app } = await server()
    const response = await app.request('http://localhost/scim/v2/Groups', { method: 'POST', headers: { 'content-length': String(6 * 1024 * 1024), 'content-type': 'application/scim+json' }, body: '{}' })
    expect(response.status).toBe(401)
  })

  it('still refuses a chunked body over the limit once authenticated, reading no more than the limit', async () => {
    const { app, scimToken, planToken } = await server()
    const scim = chunkedBody(6 * 1024 * 1024)
    const refused = await app.request(post('/scim/v2/Groups', scim.stream, bearer(scimToken, 'application/scim+json')))
    expect(refused.status).toBe(413)
    expect(await refused.json()).toMatchObject({ status: '413', detail: `request body exceeds ${maxBodyBytes} bytes` })
    expect(scim.state.pulled).toBeLessThanOrEqual(maxBodyBytes + 64 * 1024)
    const admin = chunkedBody(maxAdminBodyBytes + 1024 * 1024)
    const tooLarge = await app.request(post('/api/v1/plans', admin.stream, bearer(planToken)))
    expect(tooLarge.status).toBe(413)
    expect(await tooLarge.json()).toEqual({ error: `request body exceeds ${maxAdminBodyBytes} bytes` })
    expect(admin.state.pulled).toBeLessThanOrEqual(maxAdminBodyBytes + 64 * 1024)
  })

  it('hands an authenticated chunked body within the limit to the handler whole', async () => {
    const { app, scimToken, planToken } = await server()
    const user = JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'chunked@example.com' })
    const created = await app.request(post('/scim/v2/Users', chunkedBody(user.length, { first: user }).stream, bearer(scimToken, 'application/scim+json')))
    expect(created.status).toBe(201)
    const plan = await app.request(post('/api/v1/plans', chunkedBody(10, { first: '{"documents"' }).stream, bearer(planToken)))
    expect(plan.status).toBe(400)
  })

  it('keeps the SCIM discovery endpoints open to anyone', async () => {
    const { app } = await server()
    for (const path of ['/ServiceProviderConfig', '/Schemas', '/ResourceTypes']) expect((await app.request(`http://localhost/scim/v2${path}`)).status).toBe(200)
  })
})

describe('a client that goes away mid-body', () => {
  it.each([
    ['SCIM, declared length', '/scim/v2/Users', 'scim', true],
    ['SCIM, chunked', '/scim/v2/Users', 'scim', false],
    ['the admin API, declared length', '/api/v1/plans', 'plan', true],
    ['the admin API, chunked', '/api/v1/plans', 'plan', false],
    ['the routed check API, declared length', '/api/v1/check', 'check', true],
    ['the routed check API, chunked', '/api/v1/check', 'check', false],
  ] as const)('is a 499 logged at info, with no error line and no 500 (%s)', async (_label, path, kind, isDeclared) => {
    const { app, lines, scimToken, planToken, checkToken } = await server()
    const token = kind === 'scim' ? scimToken : kind === 'plan' ? planToken : checkToken
    const { stream } = chunkedBody(100, { first: '{"use', failAfter: 5 })
    const response = await app.request(post(path, stream, { ...bearer(token), ...(isDeclared ? { 'content-length': '100' } : {}) }))
    expect(response.status).toBe(499)
    expect(lines.filter((line) => line.level >= 40)).toEqual([])
    expect(lines.map((line) => [line.msg, line.level, line.status])).toEqual([['request', 30, 499]])
    const metrics = await (await app.request('http://localhost/metrics')).text()
    expect(metrics).toContain(`rolecall_http_requests_total{method="POST",route="${path}",status="499"} 1`)
    expect(metrics).not.toContain('status="500"')
  })
})
