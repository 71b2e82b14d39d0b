import { describe, expect, it } from 'vitest'
import { maxBodyBytes, maxBodyDepth } from '../../src/scim/http.js'
import { createServerApp } from '../../src/server/app.js'
import type { JsonObject } from '../../src/store/store.js'
import { isNestedDeeperThan } from '../../src/util/json-depth.js'
import { aUser, scimFixture, type Json } from '../helpers/scim.js'
import { testBackend } from '../helpers/test-store.js'

const maxSafe = Number.MAX_SAFE_INTEGER
const scimType = 'application/scim+json'

/** JSON text of arrays `levels` deep: `[[]]` is 2. */
function nested(levels: number): string {
  return `${'['.repeat(levels)}${']'.repeat(levels)}`
}

/** A user body whose unknown attribute makes the whole body `depth` levels deep (the body itself is level 1). */
function deepUser(userName: string, depth: number): string {
  return `{"userName":${JSON.stringify(userName)},"x":${nested(depth - 1)}}`
}

/** A value nested `levels` deep, built without JSON.parse. */
function nestedValue(levels: number): Json {
  let value: Json = []
  for (let i = 1; i < levels; i++) value = [value]
  return value
}

async function auditCount(store: { exportAudit: (sink: () => void) => Promise<number> }): Promise<number> {
  return store.exportAudit(() => {})
}

describe('isNestedDeeperThan', () => {
  it.each([
    ['{}', 1],
    ['[]', 1],
    ['"x"', 0],
    ['{"a":[{"b":1}],"c":{}}', 3],
    ['{"a":"[[[[{{{{"}', 1],
    ['{"a":"\\"[[[[\\\\"}', 1],
    ['["\\u005b", "\\\\", [["]]]]"]]]', 3],
    ['["\\\\\\"[[["]', 1],
    ['["\\\\\\\\"]', 1],
    [nested(100), 100],
  ])('measures %s as %i levels', (text, depth) => {
    expect(isNestedDeeperThan(text, depth)).toBe(false)
    if (depth > 0) expect(isNestedDeeperThan(text, depth - 1)).toBe(true)
  })

  it('stops at the first level past the limit, even in text that is not JSON', () => {
    expect(isNestedDeeperThan(`${'['.repeat(65)}not json`, 64)).toBe(true)
    expect(isNestedDeeperThan('[[[ unclosed', 64)).toBe(false)
    expect(isNestedDeeperThan('[[["unclosed [[[[', 3)).toBe(false)
  })
})

describe('scim request bodies nested too deeply', () => {
  it('accepts a body exactly as deep as the limit, and lists it with filters and sorting', async () => {
    const { request } = await scimFixture()
    const created = await request('POST', '/Users', deepUser('deep@example.com', maxBodyDepth))
    expect(created.status).toBe(201)
    expect(created.body.x).toEqual(nestedValue(maxBodyDepth - 1))
    for (const query of ['filter=title%20pr', `filter=${encodeURIComponent('name.familyName eq "Test"')}`, 'sortBy=name.familyName']) {
      expect((await request('GET', `/Users?${query}`)).status).toBe(200)
    }
  })

  it.each([maxBodyDepth + 1, 1001, 9000])('refuses a user nested %i levels with 400 invalidSyntax and stores nothing', async (depth) => {
    const { request, store } = await scimFixture()
    const audited = await auditCount(store)
    const response = await request('POST', '/Users', deepUser('deep@example.com', depth))
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toBe(scimType)
    expect(response.body).toMatchObject({ status: '400', scimType: 'invalidSyntax' })
    expect(response.body.detail).toContain(String(maxBodyDepth))
    expect((await request('GET', '/Users')).body.totalResults).toBe(0)
    expect(await auditCount(store)).toBe(audited)
  })

  it('refuses every kind of body the same way, changing nothing', async () => {
    const { request, store } = await scimFixture()
    const { body: user } = await request('POST', '/Users', aUser('kept@example.com', { title: 'Engineer' }))
    const { body: group } = await request('POST', '/Groups', { displayName: 'kept', members: [{ value: user.id }] })
    const audited = await auditCount(store)
    const deep = nested(1001)
    const attempts: Array<[string, string, string]> = [
      ['POST', '/Users', deepUser('new@example.com', 1001)],
      ['PUT', `/Users/${user.id}`, `{"userName":"kept@example.com","title":"Changed","x":${deep}}`],
      ['PATCH', `/Users/${user.id}`, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"x","value":${deep}}]}`],
      ['PATCH', `/Users/${user.id}`, `{"Operations":[{"op":"replace","value":{"title":"Changed","x":${deep}}}]}`],
      ['POST', '/Users/.search', `{"filter":"title pr","x":${deep}}`],
      ['POST', '/Groups', `{"displayName":"new","x":${deep}}`],
      ['PUT', `/Groups/${group.id}`, `{"displayName":"changed","x":${deep}}`],
      ['PATCH', `/Groups/${group.id}`, `{"Operations":[{"op":"replace","path":"displayName","value":"changed"},{"op":"add","path":"x","value":${deep}}]}`],
      ['POST', '/Groups/.search', `{"x":${deep}}`],
    ]
    for (const [method, path, body] of attempts) {
      const response = await request(method, path, body)
      expect([method, path, response.status, response.body.scimType]).toEqual([method, path, 400, 'invalidSyntax'])
    }
    expect(await auditCount(store)).toBe(audited)
    const after = await request('GET', `/Users/${user.id}`)
    expect(after.body.title).toBe('Engineer')
    expect(after.body.x).toBeUndefined()
    expect(after.body.meta.version).toBe(user.meta.version)
    expect((await request('GET', `/Groups/${group.id}`)).body.displayName).toBe('kept')
    expect((await request('GET', '/Users')).body.totalResults).toBe(1)
    expect((await request('GET', '/Groups')).body.totalResults).toBe(1)
  })

  it('refuses a body as large as allowed and made only of brackets quickly, without parsing it', async () => {
    const { request } = await scimFixture()
    const half = maxBodyBytes / 2 - 8
    const started = performance.now()
    const response = await request('POST', '/Users', `{"x":${nested(half)}}`)
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('invalidSyntax')
    expect(performance.now() - started).toBeLessThan(2000)
  })

  it('counts brackets inside strings as text, not nesting', async () => {
    const { request } = await scimFixture()
    const title = `${'['.repeat(500)}"{{{${'\\'.repeat(3)}`
    const response = await request('POST', '/Users', aUser('brackets@example.com', { title }))
    expect(response.status).toBe(201)
    expect(response.body.title).toBe(title)
  })

  it('lists a connection whose store already holds a document SQLite refuses: it matches no filter and sorts last (on PostgreSQL, as any other)', async () => {
    const { request, store } = await scimFixture()
    const { body: plain } = await request('POST', '/Users', aUser('plain@example.com', { title: 'Engineer' }))
    // As the store may hold it from before request bodies were bounded: 1001 levels, past SQLite's JSON limit.
    const stored = await store.createUser('okta', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'deep@example.com', title: 'Deep', name: { familyName: 'Aaa' }, x: nestedValue(1000) } as JsonObject, { actor: 'test' })
    const ids = async (query: string) => {
      const response = await request('GET', `/Users?${query}`)
      expect([query, response.status]).toEqual([query, 200])
      return { total: response.body.totalResults, ids: response.body.Resources.map((user: { id: string }) => user.id) }
    }
    // PostgreSQL's JSON has no depth limit: there the document is read as any other.
    const both = [plain.id, stored.id]
    const isRefused = testBackend() === 'sqlite'
    expect(await ids('filter=title%20pr')).toEqual(isRefused ? { total: 1, ids: [plain.id] } : { total: 2, ids: both })
    expect(await ids(`filter=${encodeURIComponent('name.familyName eq "Test"')}`)).toEqual({ total: 1, ids: [plain.id] })
    expect(await ids(`filter=${encodeURIComponent('not (title eq "Nobody")')}`)).toEqual(isRefused ? { total: 1, ids: [plain.id] } : { total: 2, ids: both })
    expect(await ids(`filter=${encodeURIComponent('emails[type eq "work"]')}`)).toEqual({ total: 1, ids: [plain.id] })
    expect(await ids(`filter=${encodeURIComponent('title pr')}&startIndex=2`)).toEqual(isRefused ? { total: 1, ids: [] } : { total: 2, ids: [stored.id] })
    expect(await ids('sortBy=name.familyName')).toEqual({ total: 2, ids: isRefused ? both : [stored.id, plain.id] })
    expect(await ids('sortBy=name.familyName&sortOrder=descending')).toEqual({ total: 2, ids: [plain.id, stored.id] })
    expect(await ids('sortBy=emails')).toEqual({ total: 2, ids: [plain.id, stored.id] })
    // Filters that need no document still find it, and it can be read, repaired and deleted.
    expect(await ids(`filter=${encodeURIComponent('userName eq "deep@example.com"')}`)).toEqual({ total: 1, ids: [stored.id] })
    expect(await ids(`filter=${encodeURIComponent(`id eq "${stored.id}"`)}`)).toEqual({ total: 1, ids: [stored.id] })
    expect((await request('GET', `/Users/${stored.id}`)).status).toBe(200)
    expect((await request('PUT', `/Users/${stored.id}`, aUser('deep@example.com', { title: 'Repaired' }))).status).toBe(200)
    expect(await ids('filter=title%20pr')).toEqual({ total: 2, ids: [plain.id, stored.id] })
    expect((await request('DELETE', `/Users/${stored.id}`)).status).toBe(204)
  })

  it('lists groups past such a stored document too', async () => {
    const { request, store } = await scimFixture()
    const { body: plain } = await request('POST', '/Groups', { displayName: 'plain' })
    const deep = await store.createGroup('okta', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'deep', x: nestedValue(1000) } as JsonObject, [], { actor: 'test' })
    // Both read the stored document (SQLite's JSON functions), though neither attribute is kept in it.
    const filtered = await request('GET', `/Groups?filter=${encodeURIComponent('not (urn:acme:ext:1.0:Group:tier pr)')}`)
    expect(filtered.status).toBe(200)
    expect(filtered.body.Resources.map((group: { id: string }) => group.id)).toEqual(testBackend() === 'sqlite' ? [plain.id] : [plain.id, deep.id])
    const sorted = await request('GET', '/Groups?sortBy=members.value&sortOrder=descending')
    expect(sorted.status).toBe(200)
    expect(sorted.body.Resources.map((group: { id: string }) => group.id)).toEqual([plain.id, deep.id])
  })
})

describe('scim list bounds', () => {
  async function withUsers(n: number) {
    const fixture = await scimFixture()
    for (let i = 0; i < n; i++) await fixture.request('POST', '/Users', aUser(`user${i}@example.com`, { title: 'Engineer' }))
    return fixture
  }

  it.each([
    ['99999999999999999999', '99999999999999999999', maxSafe],
    ['2^53 + 1', '9007199254740993', maxSafe],
    ['2^53', '9007199254740992', maxSafe],
    ['MAX_SAFE_INTEGER', '9007199254740991', maxSafe],
    ['5000 nines between spaces', `  ${'9'.repeat(5000)}  `, maxSafe],
    ['MAX_SAFE_INTEGER - 1', '9007199254740990', maxSafe - 1],
    ['one past the last', '4', 4],
    ['-99999999999999999999', '-99999999999999999999', 1],
    ['0', '0', 1],
  ])('answers startIndex %s with an empty page, totalResults and the startIndex used', async (_case, startIndex, used) => {
    const { request } = await withUsers(3)
    for (const filter of ['', `&filter=${encodeURIComponent('title pr')}`, `&filter=${encodeURIComponent('userName eq "user1@example.com"')}`, '&sortBy=userName']) {
      const response = await request('GET', `/Users?startIndex=${encodeURIComponent(startIndex)}&count=2${filter}`)
      expect(response.status).toBe(200)
      expect(response.body.startIndex).toBe(used)
      expect(response.body.totalResults).toBe(filter.includes('eq') ? 1 : 3)
      if (used > 3) expect(response.body).toMatchObject({ itemsPerPage: 0, Resources: [] })
    }
  })

  it.each([
    ['a huge number', 99999999999999999999, maxSafe],
    ['an integer in exponent form', 1e21, maxSafe],
    ['a number past what a double holds', '1e400', maxSafe],
    ['a huge string', '"99999999999999999999"', maxSafe],
    ['a huge negative number', -99999999999999999999, 1],
    ['2.0', '2.0', 2],
  ])('answers POST /.search with startIndex as %s the same way', async (_case, startIndex, used) => {
    const { request } = await withUsers(3)
    const body = `{"startIndex":${String(startIndex)},"count":2}`
    for (const path of ['/Users/.search', '/Groups/.search']) {
      const response = await request('POST', path, body)
      expect([path, response.status]).toEqual([path, 200])
      expect(response.body.startIndex).toBe(used)
    }
    const users = await request('POST', '/Users/.search', body)
    expect(users.body.totalResults).toBe(3)
    expect(users.body.Resources).toHaveLength(used === 2 ? 2 : used > 3 ? 0 : 2)
  })

  it.each([
    ['99999999999999999999', 3],
    ['9007199254740993', 3],
    ['-99999999999999999999', 0],
  ])('caps count=%s', async (count, items) => {
    const { request } = await withUsers(3)
    for (const response of [await request('GET', `/Users?count=${count}`), await request('POST', '/Users/.search', `{"count":${count}}`), await request('GET', `/Groups?count=${count}`)]) {
      expect(response.status).toBe(200)
      expect(response.body.itemsPerPage).toBe(response.body.Resources.length)
    }
    const response = await request('GET', `/Users?count=${count}`)
    expect(response.body).toMatchObject({ totalResults: 3, itemsPerPage: items })
  })

  it.each([
    ['startIndex', '1.5'],
    ['startIndex', '1e3'],
    ['startIndex', 'Infinity'],
    ['startIndex', '0x10'],
    ['count', '2.5'],
    ['count', 'many'],
  ])('still refuses %s=%s, which is not an integer, with 400 invalidValue', async (name, value) => {
    const { request } = await scimFixture()
    const response = await request('GET', `/Users?${name}=${encodeURIComponent(value)}`)
    expect(response.status).toBe(400)
    expect(response.body).toMatchObject({ status: '400', scimType: 'invalidValue' })
  })

  it.each([
    ['startIndex', '1.5'],
    ['startIndex', '"1.5"'],
    ['count', '-0.5'],
    ['count', 'true'],
  ])('still refuses POST /.search with %s %s with 400 invalidValue', async (name, value) => {
    const { request } = await scimFixture()
    const response = await request('POST', '/Users/.search', `{"${name}":${value}}`)
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('invalidValue')
  })
})

describe('scim endpoints that do not exist or are not supported', () => {
  /** Both the SCIM app alone and the server app that mounts it (whose own notFound would answer text/plain). */
  async function apps() {
    const { app, store, client } = await scimFixture()
    return { apps: [app, createServerApp({ store }).app], token: client.token }
  }

  async function ask(app: { request: (url: string, init: RequestInit) => Response | Promise<Response> }, method: string, path: string, token?: string) {
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` }
    const hasBody = !['GET', 'HEAD', 'DELETE'].includes(method)
    if (hasBody) headers['content-type'] = scimType
    const response = await app.request(`http://localhost/scim/v2${path}`, { method, headers, ...(hasBody ? { body: '{}' } : {}) })
    const text = await response.text()
    return { status: response.status, type: response.headers.get('content-type'), allow: response.headers.get('allow'), body: (text === '' ? undefined : JSON.parse(text)) as Json }
  }

  it.each([
    ['GET', '/Me'],
    ['PUT', '/Me'],
    ['PATCH', '/Me'],
    ['DELETE', '/Me'],
    ['GET', '/Me/groups'],
    ['POST', '/Bulk'],
    ['GET', '/Bulk'],
  ])('answers %s %s with 501 in the SCIM error schema, with or without a token', async (method, path) => {
    const { apps: both, token } = await apps()
    for (const app of both) {
      for (const credentials of [token, undefined]) {
        const response = await ask(app, method, path, credentials)
        expect(response.status).toBe(501)
        expect(response.type).toBe(scimType)
        expect(response.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '501' })
      }
    }
  })

  it('answers POST /.search at the root (RFC 7644 §3.4.3) in both apps, behind the token, and other methods with 405', async () => {
    const { apps: both, token } = await apps()
    for (const app of both) {
      const searched = await ask(app, 'POST', '/.search', token)
      expect(searched.status).toBe(200)
      expect(searched.type).toBe(scimType)
      expect(searched.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, Resources: [] })
      expect((await ask(app, 'POST', '/.search')).status).toBe(401)
      const got = await ask(app, 'GET', '/.search', token)
      expect(got.status).toBe(405)
      expect(got.allow).toBe('POST')
      expect(got.type).toBe(scimType)
    }
  })

  it('says bulk is unsupported in ServiceProviderConfig, as /Bulk does', async () => {
    const { apps: both } = await apps()
    const config = await ask(both[1]!, 'GET', '/ServiceProviderConfig')
    expect(config.body.bulk).toMatchObject({ supported: false, maxOperations: 0 })
    expect((await ask(both[1]!, 'POST', '/Bulk')).status).toBe(501)
  })

  it.each([
    ['DELETE', '/Users', 'GET, HEAD, POST'],
    ['PUT', '/Users', 'GET, HEAD, POST'],
    ['PATCH', '/Users', 'GET, HEAD, POST'],
    ['PUT', '/Groups', 'GET, HEAD, POST'],
    ['DELETE', '/Groups', 'GET, HEAD, POST'],
    ['POST', '/Users/some-id', 'GET, HEAD, PUT, PATCH, DELETE'],
    ['POST', '/Groups/some-id', 'GET, HEAD, PUT, PATCH, DELETE'],
    ['GET', '/Users/.search', 'POST'],
    ['DELETE', '/Groups/.search', 'POST'],
    ['POST', '/ServiceProviderConfig', 'GET, HEAD'],
    ['DELETE', '/Schemas', 'GET, HEAD'],
    ['PUT', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User', 'GET, HEAD'],
    ['POST', '/ResourceTypes', 'GET, HEAD'],
    ['PATCH', '/ResourceTypes/User', 'GET, HEAD'],
  ])('answers %s %s with 405, Allow: %s, in the SCIM error schema', async (method, path, allow) => {
    const { apps: both, token } = await apps()
    for (const app of both) {
      const response = await ask(app, method, path, token)
      expect(response.status).toBe(405)
      expect(response.type).toBe(scimType)
      expect(response.allow).toBe(allow)
      expect(response.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '405' })
    }
  })

  it('authenticates before saying a method is not allowed on Users and Groups', async () => {
    const { apps: both } = await apps()
    for (const app of both) {
      expect((await ask(app, 'DELETE', '/Users')).status).toBe(401)
      expect((await ask(app, 'PUT', '/Groups')).status).toBe(401)
      expect((await ask(app, 'GET', '/Users/a/b')).status).toBe(401)
    }
  })

  it.each([
    ['GET', '/Users/a/b'],
    ['DELETE', '/Groups/a/b'],
    ['GET', '/Users/'],
    ['GET', '/Nope'],
    ['POST', '/Nope'],
    ['GET', '/Schemas/a/b'],
    ['GET', ''],
    ['GET', '/'],
  ])('answers %s %s with 404 in the SCIM error schema', async (method, path) => {
    const { apps: both, token } = await apps()
    for (const app of both) {
      const response = await ask(app, method, path, token)
      expect(response.status).toBe(404)
      expect(response.type).toBe(scimType)
      expect(response.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404' })
    }
  })

  it('still serves every supported method', async () => {
    const { apps: both, token } = await apps()
    for (const app of both) {
      expect((await ask(app, 'GET', '/Users', token)).status).toBe(200)
      expect((await ask(app, 'HEAD', '/Users', token)).status).toBe(200)
      expect((await ask(app, 'POST', '/Users/.search', token)).status).toBe(200)
      expect((await ask(app, 'GET', '/Users/missing', token)).status).toBe(404)
      expect((await ask(app, 'GET', '/ServiceProviderConfig')).status).toBe(200)
    }
  })
})
