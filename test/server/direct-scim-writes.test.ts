// Group PATCHes and user POSTs answered before Hono (direct-scim-writes.ts), on real HTTP servers on 127.0.0.1
// sharing one store: one composed as rolecall serve composes it (the direct writes first), one with the Hono app
// alone. The same write sent through each (to twin groups, or as twin users) gets the same answer, byte for byte,
// and leaves the same group and audit entry.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { afterEach, describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/server/app.js'
import { directScimWrites } from '../../src/server/direct-scim-writes.js'
import type { RequestRecord } from '../../src/server/request-record.js'
import type { AuditEntry } from '../../src/store/store.js'
import { memoryStore } from '../helpers/memory-store.js'
import { aUser, groupSchemaUrn, patch } from '../helpers/scim.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

async function listen(listener: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(listener)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function setUp() {
  // One instant for every write: twins created through either server carry the same meta.created.
  const store = memoryStore(() => new Date('2026-01-02T03:04:05.678Z'))
  const okta = (await store.createToken('okta')).token
  const entra = (await store.createToken('entra')).token
  const { app, recordRequest } = createServerApp({ store })
  const direct: RequestRecord[] = []
  const unexpected: unknown[] = []
  const writes = directScimWrites({ store, recordRequest: (record) => (direct.push(record), recordRequest(record)), onUnexpected: (error) => unexpected.push(error) })
  const toHono = getRequestListener(app.fetch)
  const composed = await listen((req, res) => {
    const toApp = () => void toHono(req, res)
    if (!writes(req, res, toApp)) toApp()
  })
  const routed = await listen((req, res) => void toHono(req, res))
  const create = async (token: string, path: string, body: unknown): Promise<string> => {
    const response = await app.request(`/scim/v2/${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) })
    expect(response.status).toBe(201)
    return ((await response.json()) as { id: string }).id
  }
  return { store, app, direct, unexpected, composed, routed, okta, entra, create }
}

type Answer = { status: number; headers: Record<string, string | undefined>; body: string }

/** One request over the wire with exactly these headers and body (chunked when no Content-Length is given). */
function send(origin: string, path: string, headers: Record<string, string>, body: string, method = 'PATCH'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${origin}${path}`, { method, headers }, (incoming) => {
      const chunks: Buffer[] = []
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: pick(incoming.headers), body: Buffer.concat(chunks).toString('utf8') }))
    })
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

function pick(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  return Object.fromEntries(['content-type', 'content-length', 'etag', 'location', 'www-authenticate', 'retry-after'].map((name) => [name, headers[name] as string | undefined]))
}

const scim = 'application/scim+json'

describe('directScimWrites', () => {
  it('answers plain group PATCHes itself, successes and failures, exactly as the Hono app does', async () => {
    const { store, app, direct, unexpected, composed, routed, okta, entra, create } = await setUp()
    const [u1, u2, u3] = [await create(okta, 'Users', aUser('u1@acme.example')), await create(okta, 'Users', aUser('u2@acme.example')), await create(okta, 'Users', aUser('u3@acme.example'))]
    const foreignUser = await create(entra, 'Users', aUser('kim@acme.example'))
    const twin = async (name: string) => create(okta, 'Groups', { schemas: [groupSchemaUrn], displayName: name, members: [{ value: u1 }] })
    const viaDirect = await twin('pair-dir')
    const viaApp = await twin('pair-app')
    await twin('taken')
    const foreignGroup = await create(entra, 'Groups', { schemas: [groupSchemaUrn], displayName: 'pair-dir' })
    const auth = { authorization: `Bearer ${okta}` }
    const json = (body: unknown) => JSON.stringify(body)
    const unknownId = '00000000-0000-4000-8000-000000000000'
    const cases: { what: string; body: string; headers?: Record<string, string>; group?: 'unknown' | 'foreign'; status: number }[] = [
      { what: 'Okta: add members', body: json(patch({ op: 'add', path: 'members', value: [{ value: u2 }, { value: u3 }] })), status: 204 },
      { what: 'adding a member again', body: json(patch({ op: 'add', path: 'members', value: [{ value: u2 }] })), status: 204 },
      { what: 'remove by value filter', body: json(patch({ op: 'remove', path: `members[value eq "${u3}"]` })), status: 204 },
      { what: 'Entra: Remove with the member in value', body: json(patch({ op: 'Remove', path: 'members', value: [{ value: u1 }] })), status: 204 },
      { what: 'removing an absent member', body: json(patch({ op: 'remove', path: `members[value eq "${u3}"]` })), status: 204 },
      { what: 'Entra: Replace without a path', body: json(patch({ op: 'Replace', value: { externalId: 'ext-1' } })), headers: { 'content-type': 'application/json' }, status: 204 },
      { what: 'no content type', body: json(patch({ op: 'add', path: 'members', value: [{ value: u3 }] })), headers: { 'content-type': '' }, status: 204 },
      { what: 'a Host that names no host', body: json(patch({ op: 'add', path: 'members', value: [{ value: u1 }] })), headers: { host: '999.0.0.1' }, status: 400 },
      { what: 'an unknown member', body: json(patch({ op: 'add', path: 'members', value: [{ value: u1 }, { value: unknownId }] })), status: 400 },
      { what: "another connection's user", body: json(patch({ op: 'add', path: 'members', value: [{ value: foreignUser }] })), status: 400 },
      { what: 'a rename to a taken displayName', body: json(patch({ op: 'replace', path: 'displayName', value: 'taken' })), status: 409 },
      { what: 'a write to id', body: json(patch({ op: 'replace', path: 'id', value: 'x' })), status: 400 },
      { what: 'an unknown op', body: json(patch({ op: 'move', path: 'members' })), status: 400 },
      { what: 'no Operations', body: json({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] }), status: 400 },
      { what: 'malformed JSON', body: '{"Operations": [', status: 400 },
      { what: 'an array body', body: '[]', status: 400 },
      { what: 'an empty body', body: '', status: 400 },
      { what: 'a body nested too deep', body: `${'['.repeat(100)}${']'.repeat(100)}`, status: 400 },
      { what: '__proto__ in the body', body: '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":{"__proto__":{"x":1}}}]}', status: 400 },
      { what: 'an unknown group', body: json(patch({ op: 'add', path: 'members', value: [{ value: u1 }] })), group: 'unknown', status: 404 },
      { what: "another connection's group", body: json(patch({ op: 'add', path: 'members', value: [{ value: u1 }] })), group: 'foreign', status: 404 },
    ]
    for (const { what, body, headers = {}, group, status } of cases) {
      const before = direct.length
      const ids = group === 'unknown' ? [unknownId, unknownId] : group === 'foreign' ? [foreignGroup, foreignGroup] : [viaDirect, viaApp]
      const sent = (origin: string, id: string) => send(origin, `/scim/v2/Groups/${id}`, { ...auth, 'content-type': scim, 'content-length': String(Buffer.byteLength(body)), ...headers }, body)
      const answered = await sent(composed, ids[0] as string)
      expect(direct.length, what).toBe(before + 1)
      const routedAnswer = await sent(routed, ids[1] as string)
      expect(answered.status, what).toBe(status)
      expect({ ...answered, body: answered.body.replaceAll(viaDirect, viaApp) }, what).toEqual(routedAnswer)
    }
    expect(unexpected).toEqual([])
    expect(direct.map((record) => [record.route, record.connection])).toEqual(cases.map(() => ['/scim/v2/Groups/:id', 'okta']))
    expect(direct.map((record) => record.status)).toEqual(cases.map((item) => item.status))

    // The twins ended alike: attributes, members, version; and each write left the same audit entry.
    const read = async (id: string) => {
      const group = (await (await app.request(`/scim/v2/Groups/${id}`, { headers: auth })).json()) as Record<string, unknown> & { meta: Record<string, unknown> }
      return { ...group, id: undefined, displayName: undefined, meta: { ...group.meta, location: undefined, created: undefined, lastModified: undefined } }
    }
    expect(await read(viaDirect)).toEqual(await read(viaApp))
    expect(((await read(viaDirect)) as { members?: { value: string }[] }).members?.map((member) => member.value).sort()).toEqual([u2, u3].sort())
    const entries: AuditEntry[] = []
    await store.exportAudit((entry) => entries.push(entry))
    const of = (id: string) => entries.filter((entry) => entry.resourceId === id && entry.action === 'group.modify').map((entry) => [entry.actor, entry.detail])
    expect(of(viaDirect)).toHaveLength(7)
    expect(of(viaDirect)).toEqual(of(viaApp))
    expect((await store.verifyAudit()).ok).toBe(true)
  })

  it('answers plain user POSTs itself, exactly as the Hono app does, and writes nothing it refuses', async () => {
    const { store, direct, unexpected, composed, routed, okta, create } = await setUp()
    await create(okta, 'Users', aUser('taken@acme.example'))
    const auth = { authorization: `Bearer ${okta}`, 'content-type': scim }
    const json = (body: unknown) => JSON.stringify(body)
    // Twin bodies: the same user but for one letter of the userName (both must be new), unless a case gives one body.
    const cases: { what: string; body: (side: 'd' | 'a') => string; headers?: Record<string, string>; status: number }[] = [
      { what: 'Okta: a new user', body: (side) => json(aUser(`new-${side}@acme.example`, { externalId: '00u1' })), status: 201 },
      {
        what: 'Entra: a user with the enterprise extension and an unknown one',
        body: (side) =>
          json({
            ...aUser(`ent-${side}@acme.example`),
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
            'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Sales', manager: { value: 'm1' } },
            'urn:example:custom:2.0:User': { badge: 'B-7' },
            active: 'True',
          }),
        headers: { 'content-type': 'application/json' },
        status: 201,
      },
      { what: 'a taken userName, in another case', body: () => json(aUser('TAKEN@acme.example')), status: 409 },
      { what: 'no userName', body: () => json({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] }), status: 400 },
      { what: 'a wrong type', body: () => json(aUser('typed@acme.example', { active: 'maybe' })), status: 400 },
      { what: 'malformed JSON', body: () => '{"userName": ', status: 400 },
      { what: 'a Host that names no host', body: (side) => json(aUser(`host-${side}@acme.example`)), headers: { host: '999.0.0.1' }, status: 400 },
    ]
    const before = await store.listUsers('okta', { startIndex: 1, count: 0 }, false)
    for (const { what, body, headers = {}, status } of cases) {
      const sent = (origin: string, side: 'd' | 'a') => {
        const text = body(side)
        return send(origin, '/scim/v2/Users', { ...auth, 'content-length': String(Buffer.byteLength(text)), ...headers }, text, 'POST')
      }
      const count = direct.length
      const answered = await sent(composed, 'd')
      expect(direct.length, what).toBe(count + 1)
      const routedAnswer = await sent(routed, 'a')
      expect(answered.status, what).toBe(status)
      let { body: text, headers: seen } = answered
      if (status === 201) {
        const [directId, routedId] = [JSON.parse(answered.body).id as string, JSON.parse(routedAnswer.body).id as string]
        // The other twin's id, userName and server: the two servers listen on different ports.
        const twin = (value: string) => value.replaceAll(directId, routedId).replaceAll(composed, routed).replace(/\b(new|ent)-d\b/g, '$1-a')
        expect(seen['content-length']).toBe(String(Buffer.byteLength(text)))
        text = twin(text)
        seen = { ...seen, location: twin(seen.location ?? ''), 'content-length': String(Buffer.byteLength(text)) }
      }
      expect({ ...answered, headers: seen, body: text }, what).toEqual(routedAnswer)
    }
    expect(unexpected).toEqual([])
    expect(direct.map((record) => [record.method, record.route, record.status, record.connection])).toEqual(cases.map((item) => ['POST', '/scim/v2/Users', item.status, 'okta']))
    // Two users through each server; nothing from the refused ones, the Host one included.
    expect((await store.listUsers('okta', { startIndex: 1, count: 0 }, false)).total).toBe(before.total + 4)
  })

  it('hands on, body unread, what the app must decide: tokens, conditions, parameters, other content types, chunked or oversized bodies', async () => {
    const { direct, composed, routed, okta, create } = await setUp()
    const user = await create(okta, 'Users', aUser('u1@acme.example'))
    const viaDirect = await create(okta, 'Groups', { schemas: [groupSchemaUrn], displayName: 'pair-dir' })
    const viaApp = await create(okta, 'Groups', { schemas: [groupSchemaUrn], displayName: 'pair-app' })
    const body = JSON.stringify(patch({ op: 'add', path: 'members', value: [{ value: user }] }))
    const length = String(Buffer.byteLength(body))
    const plain = { authorization: `Bearer ${okta}`, 'content-type': scim, 'content-length': length }
    const huge = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[],"pad":"${'x'.repeat(4 * 1024 * 1024)}"}`
    const cases: { what: string; headers: Record<string, string>; query?: string; body?: string; status: number }[] = [
      { what: 'no token', headers: { 'content-type': scim, 'content-length': length }, status: 401 },
      { what: 'a wrong token', headers: { ...plain, authorization: 'Bearer rcs_wrong' }, status: 401 },
      { what: 'another scheme', headers: { ...plain, authorization: `Basic ${okta}` }, status: 401 },
      { what: 'a stale If-Match', headers: { ...plain, 'if-match': 'W/"7"' }, status: 412 },
      { what: 'a current If-Match', headers: { ...plain, 'if-match': 'W/"1"' }, status: 204 },
      { what: 'attributes asked for', headers: plain, query: '?attributes=displayName', status: 200 },
      { what: 'Entra’s feature flag', headers: plain, query: '?aadOptscim062020=true', status: 204 },
      { what: 'another content type', headers: { ...plain, 'content-type': 'text/plain' }, status: 415 },
      { what: 'a chunked body', headers: { authorization: `Bearer ${okta}`, 'content-type': scim, 'transfer-encoding': 'chunked' }, status: 204 },
      { what: 'a body over the limit', headers: { ...plain, 'content-length': String(Buffer.byteLength(huge)) }, body: huge, status: 413 },
    ]
    for (const { what, headers, query = '', body: sentBody = body, status } of cases) {
      const answered = await send(composed, `/scim/v2/Groups/${viaDirect}${query}`, headers, sentBody)
      const routedAnswer = await send(routed, `/scim/v2/Groups/${viaApp}${query}`, headers, sentBody)
      expect(answered.status, what).toBe(status)
      expect({ ...answered, body: answered.body.replaceAll(viaDirect, viaApp).replaceAll('pair-dir', 'pair-app') }, what).toEqual(routedAnswer)
    }
    const user2 = JSON.stringify(aUser('u2@acme.example'))
    const posts: [Record<string, string>, string, number][] = [
      [{ authorization: 'Bearer rcs_wrong', 'content-type': scim, 'content-length': String(user2.length) }, '', 401],
      [{ ...plain, 'content-type': 'text/plain', 'content-length': String(user2.length) }, '', 415],
      [{ ...plain, 'content-length': String(user2.length) }, '?attributes=userName', 201],
    ]
    for (const [headers, query, status] of posts) {
      const answered = await send(composed, `/scim/v2/Users${query}`, headers, user2, 'POST')
      expect(answered.status, query).toBe(status)
      if (status !== 201) expect(answered, query).toEqual(await send(routed, `/scim/v2/Users${query}`, headers, user2, 'POST'))
    }
    expect(direct).toEqual([])
  })

  it('records a client that goes away mid-body as 499, and writes nothing', async () => {
    const { store, direct, composed, okta, create } = await setUp()
    const user = await create(okta, 'Users', aUser('u1@acme.example'))
    const group = await create(okta, 'Groups', { schemas: [groupSchemaUrn], displayName: 'g' })
    const revision = await store.revision()
    const outgoing = request(`${composed}/scim/v2/Groups/${group}`, { method: 'PATCH', headers: { authorization: `Bearer ${okta}`, 'content-type': scim, 'content-length': '1000' } })
    outgoing.on('error', () => undefined)
    outgoing.write(JSON.stringify(patch({ op: 'add', path: 'members', value: [{ value: user }] })).slice(0, 40))
    await expect.poll(() => direct.length).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 50))
    outgoing.destroy()
    await expect.poll(() => direct.map((record) => record.status)).toEqual([499])
    expect(await store.revision()).toBe(revision)
  })
})
