// One behaviour, every transport: the SCIM endpoint and the check API answered through the one request pipeline, in
// process and on a real socket, with the same statuses, headers, bodies, audit entries and request records.
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/server/app.js'
import type { AuditEntry, Store } from '../../src/store/store.js'
import { faultyStore, testStore } from '../helpers/test-store.js'
import { aUser, groupSchemaUrn, patch } from '../helpers/scim.js'
import { authority, transports, type Answer, type Transport } from '../helpers/transports.js'

const scimType = 'application/scim+json'
const base = `http://${authority}/scim/v2`
const open: Transport[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((transport) => transport.close()))
})

async function chunks(...parts: (string | Error)[]): Promise<AsyncIterable<Uint8Array>> {
  return (async function* () {
    for (const part of parts) {
      if (part instanceof Error) throw part
      yield new TextEncoder().encode(part)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })()
}

function json(answer: Answer): Record<string, unknown> {
  return JSON.parse(answer.body) as Record<string, unknown>
}

describe.each(transports)('the server through %s', (_name, make) => {
  async function setUp() {
    const store = await testStore(() => new Date('2026-01-02T03:04:05.678Z'))
    const okta = (await store.createToken('okta')).token
    const entra = (await store.createToken('entra')).token
    const server = createServerApp({ store, clock: () => new Date('2026-11-23T00:00:00Z') })
    const transport = await make(server.pipeline)
    open.push(transport)
    const scim =
      (token: string) =>
      (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
        transport.send(`/scim/v2${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': scimType }), ...headers },
          ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        })
    const audit = async () => {
      const entries: AuditEntry[] = []
      await store.exportAudit((entry) => entries.push(entry))
      return entries
    }
    return { store, server, transport, okta: scim(okta), entra: scim(entra), audit }
  }

  it('creates and reads users: 201 with Location and ETag, the same body by id and by filter, 304 and HEAD', async () => {
    const { okta } = await setUp()
    const created = await okta('POST', '/Users', aUser('ada@acme.example'))
    expect(created.status).toBe(201)
    const id = json(created)['id'] as string
    expect(created.headers['location']).toBe(`${base}/Users/${id}`)
    expect(created.headers['content-type']).toBe(scimType)
    expect(created.headers['etag']).toBe('W/"1"')
    expect(created.headers['content-length']).toBe(String(Buffer.byteLength(created.body)))
    const read = await okta('GET', `/Users/${id}`)
    expect(read.status).toBe(200)
    expect(read.headers['etag']).toBe('W/"1"')
    expect(read.body).toBe(created.body)
    expect(read.headers['content-length']).toBe(String(Buffer.byteLength(read.body)))
    const found = await okta('GET', `/Users?filter=${encodeURIComponent('userName eq "ADA@acme.example"')}`)
    expect(found.status).toBe(200)
    expect(json(found)).toMatchObject({ totalResults: 1, Resources: [JSON.parse(read.body)] })
    expect((await okta('GET', `/Users/${id}`, undefined, { 'if-none-match': 'W/"1"' })).status).toBe(304)
    const head = await okta('HEAD', `/Users/${id}`)
    expect(head).toMatchObject({ status: 200, body: '' })
    expect(head.headers['content-length']).toBe(read.headers['content-length'])
    // A percent-escaped id is the id.
    expect((await okta('GET', `/Users/${encodeURIComponent(id)}`)).body).toBe(read.body)
  })

  it('refuses with RFC 7644 error bodies: tokens, unknown and foreign ids, filters, methods, paths', async () => {
    const { okta, entra, transport } = await setUp()
    const id = json(await okta('POST', '/Users', aUser('ada@acme.example')))['id'] as string
    const error = (status: number, detail: string | RegExp, scimTypeName?: string) => ({
      status,
      body: expect.objectContaining({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), detail: expect.stringMatching(detail), ...(scimTypeName === undefined ? {} : { scimType: scimTypeName }) }),
    })
    const cases: [string, Answer, ReturnType<typeof error>][] = [
      ['no token', await transport.send(`/scim/v2/Users/${id}`), error(401, 'a bearer token is required')],
      ['a wrong token', await transport.send(`/scim/v2/Users/${id}`, { headers: { authorization: 'Bearer rcs_wrong' } }), error(401, 'the bearer token is not valid')],
      ['another connection', await entra('GET', `/Users/${id}`), error(404, `User ${id} not found`)],
      ['an unknown id', await okta('GET', '/Users/nobody'), error(404, 'User nobody not found')],
      ['a malformed filter', await okta('GET', '/Users?filter=userName%20eq'), error(400, /./, 'invalidFilter')],
      ['GET on .search', await okta('GET', '/Users/.search'), error(405, 'GET is not supported on /scim/v2/Users/.search; use POST')],
      ['a method the endpoint does not take', await okta('DELETE', '/Users'), error(405, 'DELETE is not supported on /scim/v2/Users; use GET, HEAD, POST')],
      ['an unknown path', await okta('GET', '/Nothing'), error(404, 'no such SCIM endpoint')],
      ['a path below a resource', await okta('GET', `/Users/${id}/more`), error(404, 'no such SCIM endpoint')],
      ['/Me', await okta('GET', '/Me'), error(501, 'The /Me alias is not supported by this service provider')],
      ['/Bulk', await okta('POST', '/Bulk/x', '{}'), error(501, /^Bulk/)],
    ]
    for (const [what, answer, expected] of cases) {
      expect({ status: answer.status, body: JSON.parse(answer.body) as unknown }, what).toEqual(expected)
      expect(answer.headers['content-type'], what).toBe(scimType)
    }
    expect(cases[0]?.[1].headers['www-authenticate']).toBe('Bearer realm="rolecall-scim"')
    expect(cases[5]?.[1].headers['allow']).toBe('POST')
    // Discovery takes no token.
    expect((await transport.send('/scim/v2/ServiceProviderConfig')).status).toBe(200)
  })

  it('patches a group: 204 with its ETag, the audit entry, and nothing written for a refused PATCH', async () => {
    const { store, okta, audit } = await setUp()
    const user = json(await okta('POST', '/Users', aUser('ada@acme.example')))['id'] as string
    const group = json(await okta('POST', '/Groups', { schemas: [groupSchemaUrn], displayName: 'checkout-team' }))['id'] as string
    const added = await okta('PATCH', `/Groups/${group}`, patch({ op: 'add', path: 'members', value: [{ value: user }] }))
    expect({ status: added.status, body: added.body, etag: added.headers['etag'] }).toEqual({ status: 204, body: '', etag: 'W/"2"' })
    expect(added.headers['content-length']).toBeUndefined()
    expect((await audit()).at(-1)).toMatchObject({ actor: 'scim:okta', action: 'group.modify' })
    const revision = await store.revision()
    const entries = (await audit()).length
    const refusals: [string, Answer, number, string | undefined][] = [
      ['an unknown member', await okta('PATCH', `/Groups/${group}`, patch({ op: 'add', path: 'members', value: [{ value: 'nobody' }] })), 400, 'invalidValue'],
      ['a stale If-Match', await okta('PATCH', `/Groups/${group}`, patch({ op: 'add', path: 'members', value: [{ value: user }] }), { 'if-match': 'W/"1"' }), 412, undefined],
      ['another content type', await okta('PATCH', `/Groups/${group}`, '{}', { 'content-type': 'text/plain' }), 415, undefined],
      ['malformed JSON', await okta('PATCH', `/Groups/${group}`, '{"schemas":'), 400, 'invalidSyntax'],
    ]
    for (const [what, answer, status, type] of refusals) {
      expect(answer.status, what).toBe(status)
      if (type !== undefined) expect(json(answer)['scimType'], what).toBe(type)
    }
    expect(await store.revision()).toBe(revision)
    expect((await audit()).length).toBe(entries)
  })

  it('refuses a body that is not UTF-8 with 400 invalidValue, byte for byte as sent', async () => {
    const { transport, store } = await setUp()
    const revision = await store.revision()
    const bytes = Buffer.concat([Buffer.from('{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')])
    const answer = await transport.send('/scim/v2/Users', { method: 'POST', headers: { authorization: (await tokenOf(store)) ?? '', 'content-type': scimType }, body: new Uint8Array(bytes) })
    expect(answer.status).toBe(400)
    expect(json(answer)).toMatchObject({ scimType: 'invalidValue', detail: 'userName is not valid UTF-8 at byte 70 (0xff)' })
    expect(await store.revision()).toBe(revision)
  })

  it('reads a chunked body, refuses one over the limit with 413, and records a client gone mid-body as 499', async () => {
    const { store, okta, transport } = await setUp()
    const created = await transport.send('/scim/v2/Users', { method: 'POST', headers: { authorization: (await tokenOf(store)) ?? '', 'content-type': scimType }, body: await chunks('{"userName":', '"ada@acme.example"}') })
    expect(created.status).toBe(201)
    const huge = `{"userName":"x","pad":"${'x'.repeat(4 * 1024 * 1024)}"}`
    const tooLarge = await okta('POST', '/Users', huge)
    expect({ status: tooLarge.status, detail: json(tooLarge)['detail'] }).toEqual({ status: 413, detail: 'request body exceeds 4194304 bytes' })
    const revision = await store.revision()
    const gone = await transport.send('/scim/v2/Users', { method: 'POST', headers: { authorization: (await tokenOf(store)) ?? '', 'content-type': scimType }, body: await chunks('{"userName":', new Error('reset')) }).catch(() => undefined)
    // On a socket nobody is left to answer; in process the 499 is what the pipeline recorded.
    if (gone !== undefined) expect(gone.status).toBe(499)
    expect(await store.revision()).toBe(revision)
  })

  it('answers the check API: allowed and denied, and 401, 403, 413, 415 and 400 before any question is asked', async () => {
    const { store, transport, server } = await setUp()
    const check = (await store.createAdminToken(['check'])).token
    const plan = (await store.createAdminToken(['plan'])).token
    const scim = (await store.createToken('okta')).token
    const ask = (token: string | undefined, body: string, type = 'application/json') =>
      transport.send('/api/v1/check', { method: 'POST', headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), 'content-type': type }, body })
    const denied = await ask(check, JSON.stringify({ user: 'ada@acme.example', permission: 'sso:manage' }))
    expect(denied.status).toBe(200)
    expect(json(denied)).toMatchObject({ allowed: false, revision: null })
    expect(denied.headers['content-type']).toBe('application/json')
    const refusals: [Answer, number, string][] = [
      [await ask(undefined, '{}'), 401, 'an admin bearer token is required'],
      [await ask(scim, '{}'), 401, 'the bearer token is not a valid admin token'],
      [await ask(plan, '{}'), 403, 'this token lacks the "check" scope'],
      [await ask(check, `{"user":"${'x'.repeat(70 * 1024)}"}`), 413, 'request body exceeds 65536 bytes'],
      [await ask(check, '{}', 'text/plain'), 415, 'send application/json'],
      [await ask(check, '{"user":'), 400, 'the body is not valid JSON'],
    ]
    for (const [answer, status, error] of refusals) expect({ status: answer.status, body: json(answer) }).toEqual({ status, body: { error } })
    expect(refusals[0]?.[0].headers['www-authenticate']).toBe('Bearer realm="rolecall-admin"')
    expect(server.checks.status().cachedUsers).toBeGreaterThanOrEqual(0)
  })

  it('gives every answer a request id, echoing a sane one, and records each request once under its route', async () => {
    const store = await testStore()
    const okta = (await store.createToken('okta')).token
    const lines: string[] = []
    const server = createServerApp({ store, logger: pino({}, { write: (line: string) => void lines.push(line) }) })
    const transport = await make(server.pipeline)
    open.push(transport)
    const first = await transport.send('/healthz', { headers: { 'x-request-id': 'lb-7f3a' } })
    expect(first.headers['x-request-id']).toBe('lb-7f3a')
    const second = await transport.send('/healthz', { headers: { 'x-request-id': 'no spaces\tor tabs' } })
    expect(second.headers['x-request-id']).toMatch(/^[\w-]+-[0-9a-z]+$/)
    const third = await transport.send('/healthz')
    expect(third.headers['x-request-id']).not.toBe(second.headers['x-request-id'])
    await transport.send('/scim/v2/Users/abc', { headers: { authorization: `Bearer ${okta}` } })
    await transport.send('/nowhere')
    const metrics = (await transport.send('/metrics')).body
    expect(metrics).toContain('rolecall_http_requests_total{method="GET",route="/healthz",status="200"} 3')
    expect(metrics).toContain('rolecall_http_requests_total{method="GET",route="/scim/v2/Users/:id",status="404"} 1')
    expect(metrics).toContain('rolecall_http_requests_total{method="GET",route="unmatched",status="404"} 1')
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['msg'] === 'request')
    expect(logged.map((line) => [line['route'], line['status'], line['requestId']])).toEqual([
      ['/healthz', 200, 'lb-7f3a'],
      ['/healthz', 200, second.headers['x-request-id']],
      ['/healthz', 200, third.headers['x-request-id']],
      ['/scim/v2/Users/:id', 404, expect.any(String)],
      ['unmatched', 404, expect.any(String)],
      ['/metrics', 200, expect.any(String)],
    ])
    expect(logged[3]).toMatchObject({ connection: 'okta', path: '/scim/v2/Users/abc' })
  })

  it('answers failures that are not the client’s fault with a 500 and no detail, and reports them', async () => {
    const { store, fail } = faultyStore(await testStore())
    const okta = (await store.createToken('okta')).token
    const check = (await store.createAdminToken(['check'])).token
    const lines: string[] = []
    const logger = pino({}, { write: (line: string) => void lines.push(line) })
    const server = createServerApp({ store, logger })
    const transport = await make(server.pipeline)
    open.push(transport)
    // Tokens are accepted from the cache once seen; then the store fails.
    await transport.send('/scim/v2/Users', { headers: { authorization: `Bearer ${okta}` } })
    fail()
    const scim = await transport.send('/scim/v2/Users', { headers: { authorization: `Bearer ${okta}` } })
    expect(scim.status).toBe(500)
    expect(json(scim)).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '500', detail: 'internal error' })
    const api = await transport.send('/api/v1/check', { method: 'POST', headers: { authorization: `Bearer ${check}`, 'content-type': 'application/json' }, body: '{"user":"a@b","permission":"x"}' })
    expect(api.status).toBe(500)
    expect(json(api)).toEqual({ error: 'internal error' })
    expect(lines.filter((line) => line.includes('"unexpected error"')).length).toBeGreaterThanOrEqual(2)
    expect(lines.join('')).not.toContain(okta)
  })
})

async function tokenOf(store: Store): Promise<string | undefined> {
  return `Bearer ${(await store.createToken('okta')).token}`
}

describe('the socket transport', () => {
  async function rawExchange(port: number, bytes: Buffer): Promise<string> {
    const { connect } = await import('node:net')
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(bytes))
      const chunks: Buffer[] = []
      socket.on('data', (chunk) => chunks.push(chunk))
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')))
      socket.on('error', reject)
      setTimeout(() => socket.end(), 500)
    })
  }

  it('answers a request before refusing the unframed bytes after it, and refuses what is not HTTP with an error body', async () => {
    const store = await testStore()
    const okta = (await store.createToken('okta')).token
    const { app, pipeline } = createServerApp({ store })
    const created = await app.request('/scim/v2/Groups', { method: 'POST', headers: { authorization: `Bearer ${okta}`, 'content-type': scimType }, body: JSON.stringify({ schemas: [groupSchemaUrn], displayName: 'g' }) })
    const id = ((await created.json()) as { id: string }).id
    const { createNodeServer } = await import('../../src/http/node-server.js')
    const { server } = createNodeServer(pipeline, () => undefined)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    try {
      // A DELETE carries no framed body: the byte after it is no request. The DELETE is done, and says so.
      const answer = await rawExchange(port, Buffer.concat([Buffer.from(`DELETE /scim/v2/Groups/${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${okta}\r\n\r\n`), Buffer.from([0xaf])]))
      expect(answer).toMatch(/^HTTP\/1\.1 204 /)
      expect(answer).not.toContain(' 400 ')
      expect(await store.getGroup('okta', id, false)).toBeUndefined()
      const garbage = await rawExchange(port, Buffer.from('NOT HTTP AT ALL\r\n\r\n'))
      expect(garbage).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
      expect(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4))).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', detail: 'the request is not valid HTTP/1.1' })
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
