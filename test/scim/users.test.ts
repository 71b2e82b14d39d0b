import { describe, expect, it } from 'vitest'
import { aUser, enterpriseUrn, patch, scimFixture, userSchemaUrn } from '../helpers/scim.js'

describe('scim users', () => {
  it('creates a user with 201, Location, ETag and scim+json', async () => {
    const { request } = await scimFixture()
    const created = await request('POST', '/Users', aUser('alice@example.com'))
    expect(created.status).toBe(201)
    expect(created.headers.get('content-type')).toBe('application/scim+json')
    expect(created.headers.get('location')).toBe(`http://localhost/scim/v2/Users/${created.body.id}`)
    expect(created.headers.get('etag')).toBe('W/"1"')
    expect(created.body).toMatchObject({
      schemas: [userSchemaUrn],
      userName: 'alice@example.com',
      active: true,
      meta: { resourceType: 'User', version: 'W/"1"', location: created.headers.get('location') },
    })
  })

  it('accepts plain application/json and refuses other media types', async () => {
    const { request } = await scimFixture()
    expect((await request('POST', '/Users', aUser('a@example.com'), { 'content-type': 'application/json' })).status).toBe(201)
    const refused = await request('POST', '/Users', aUser('b@example.com'), { 'content-type': 'text/plain' })
    expect(refused.status).toBe(415)
    expect(refused.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error'])
  })

  it('reads, replaces and deletes a user', async () => {
    const { request } = await scimFixture()
    const { body: user } = await request('POST', '/Users', aUser('bob@example.com'))
    const got = await request('GET', `/Users/${user.id}`)
    expect(got.status).toBe(200)
    expect(got.body.id).toBe(user.id)
    const replaced = await request('PUT', `/Users/${user.id}`, { ...aUser('bob@example.com'), displayName: 'Bob' })
    expect(replaced.status).toBe(200)
    expect(replaced.body.displayName).toBe('Bob')
    expect(replaced.headers.get('etag')).toBe('W/"2"')
    expect((await request('DELETE', `/Users/${user.id}`)).status).toBe(204)
    const gone = await request('GET', `/Users/${user.id}`)
    expect(gone.status).toBe(404)
    expect(gone.body).toMatchObject({ status: '404' })
  })

  it('keeps the enterprise extension and unknown extension attributes', async () => {
    const { request } = await scimFixture()
    const custom = 'urn:example:params:scim:schemas:extension:acme:2.0:User'
    const { body: user } = await request('POST', '/Users', {
      ...aUser('carol@example.com'),
      schemas: [userSchemaUrn, enterpriseUrn, custom],
      [enterpriseUrn]: { employeeNumber: '701984', department: 'Security', manager: { value: 'boss-id' }, badgeColour: 'green' },
      [custom]: { favouriteTeam: 'checkout', shoeSize: 42 },
    })
    const got = await request('GET', `/Users/${user.id}`)
    expect(got.body[enterpriseUrn]).toEqual({ employeeNumber: '701984', department: 'Security', manager: { value: 'boss-id' }, badgeColour: 'green' })
    expect(got.body[custom]).toEqual({ favouriteTeam: 'checkout', shoeSize: 42 })
    expect(got.body.schemas).toEqual([userSchemaUrn, enterpriseUrn, custom])
  })

  it('never stores or returns a password', async () => {
    const { request, store } = await scimFixture()
    const { body: user } = await request('POST', '/Users', { ...aUser('dave@example.com'), password: 't1meMa$heen' })
    expect(user.password).toBeUndefined()
    const stored = await store.getUser('okta', user.id, false)
    expect(JSON.stringify(stored)).not.toContain('t1meMa$heen')
  })

  it('refuses a duplicate userName, whatever its case, with 409 uniqueness', async () => {
    const { request } = await scimFixture()
    await request('POST', '/Users', aUser('erin@example.com'))
    const duplicate = await request('POST', '/Users', aUser('ERIN@Example.com'))
    expect(duplicate.status).toBe(409)
    expect(duplicate.body).toMatchObject({ status: '409', scimType: 'uniqueness' })
  })

  it('refuses a rename onto a taken userName', async () => {
    const { request } = await scimFixture()
    await request('POST', '/Users', aUser('frank@example.com'))
    const { body: other } = await request('POST', '/Users', aUser('gina@example.com'))
    const renamed = await request('PATCH', `/Users/${other.id}`, patch({ op: 'replace', path: 'userName', value: 'Frank@example.com' }))
    expect(renamed.status).toBe(409)
    expect(renamed.body.scimType).toBe('uniqueness')
  })

  it.each([
    ['missing userName', 'invalidValue', { schemas: [userSchemaUrn], active: true }],
    ['active as a number', 'invalidValue', { ...aUser('h@example.com'), active: 3 }],
    ['name as a string', 'invalidValue', { ...aUser('h@example.com'), name: 'Henry' }],
    ['body is an array', 'invalidSyntax', [aUser('h@example.com')]],
  ])('refuses a user with %s as 400 %s', async (_case, scimType, body) => {
    const { request } = await scimFixture()
    const response = await request('POST', '/Users', body)
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe(scimType)
  })

  it('refuses malformed JSON as 400 invalidSyntax', async () => {
    const { request } = await scimFixture()
    const response = await request('POST', '/Users', '{"userName": ')
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('invalidSyntax')
  })

  it('refuses a PUT that changes id as 400 mutability, and ignores meta', async () => {
    const { request } = await scimFixture()
    const { body: user } = await request('POST', '/Users', aUser('ian@example.com'))
    const moved = await request('PUT', `/Users/${user.id}`, { ...aUser('ian@example.com'), id: 'another-id' })
    expect(moved.status).toBe(400)
    expect(moved.body.scimType).toBe('mutability')
    const same = await request('PUT', `/Users/${user.id}`, { ...aUser('ian@example.com'), id: user.id, meta: { resourceType: 'User', created: '1999-01-01T00:00:00Z' } })
    expect(same.status).toBe(200)
    expect(same.body.meta.created).toBe(user.meta.created)
  })

  it.each([
    ['id', { op: 'replace', path: 'id', value: 'x' }],
    ['meta', { op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }],
    ['another id without a path', { op: 'replace', value: { id: 'another-id' } }],
    ['groups', { op: 'add', path: 'groups', value: [{ value: 'g' }] }],
  ])('refuses a PATCH of %s as 400 mutability', async (_case, operation) => {
    const { request } = await scimFixture()
    const { body: user } = await request('POST', '/Users', aUser('jo@example.com'))
    const response = await request('PATCH', `/Users/${user.id}`, patch(operation))
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('mutability')
  })

  it('answers 404 for unknown ids on every verb', async () => {
    const { request } = await scimFixture()
    const id = '00000000-0000-0000-0000-000000000000'
    expect((await request('GET', `/Users/${id}`)).status).toBe(404)
    expect((await request('PUT', `/Users/${id}`, aUser('k@example.com'))).status).toBe(404)
    expect((await request('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }))).status).toBe(404)
    expect((await request('DELETE', `/Users/${id}`)).status).toBe(404)
  })

  it('honours If-Match with 412 and If-None-Match with 304', async () => {
    const { request } = await scimFixture()
    const { body: user } = await request('POST', '/Users', aUser('lee@example.com'))
    expect((await request('GET', `/Users/${user.id}`, undefined, { 'if-none-match': 'W/"1"' })).status).toBe(304)
    expect((await request('GET', `/Users/${user.id}`, undefined, { 'if-none-match': 'W/"7"' })).status).toBe(200)
    const stale = await request('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: 'x' }), { 'if-match': 'W/"7"' })
    expect(stale.status).toBe(412)
    const fresh = await request('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: 'x' }), { 'if-match': 'W/"1"' })
    expect(fresh.status).toBe(200)
    expect((await request('DELETE', `/Users/${user.id}`, undefined, { 'if-match': 'W/"1"' })).status).toBe(412)
    expect((await request('PUT', `/Users/${user.id}`, aUser('lee@example.com'), { 'if-match': '*' })).status).toBe(200)
  })

  it('lists with startIndex, count and totalResults', async () => {
    const { request } = await scimFixture()
    for (let i = 0; i < 5; i++) await request('POST', '/Users', aUser(`user${i}@example.com`))
    const page = await request('GET', '/Users?startIndex=2&count=2')
    expect(page.body).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 })
    expect(page.body.Resources.map((user: { userName: string }) => user.userName)).toEqual(['user1@example.com', 'user2@example.com'])
    const countOnly = await request('GET', '/Users?count=0')
    expect(countOnly.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] })
    const clamped = await request('GET', '/Users?startIndex=0&count=-4')
    expect(clamped.body).toMatchObject({ startIndex: 1, itemsPerPage: 0 })
    expect((await request('GET', '/Users?count=abc')).body.scimType).toBe('invalidValue')
  })

  it('sorts by an attribute in either order', async () => {
    const { request } = await scimFixture()
    for (const name of ['mia', 'Ann', 'zed', 'bea']) await request('POST', '/Users', aUser(`${name}@example.com`))
    const ascending = await request('GET', '/Users?sortBy=userName')
    expect(ascending.body.Resources.map((user: { userName: string }) => user.userName)).toEqual([
      'Ann@example.com',
      'bea@example.com',
      'mia@example.com',
      'zed@example.com',
    ])
    const descending = await request('GET', '/Users?sortBy=name.givenName&sortOrder=descending')
    expect(descending.body.Resources.map((user: { name: { givenName: string } }) => user.name.givenName)).toEqual(['zed', 'mia', 'bea', 'Ann'])
    expect((await request('GET', '/Users?sortBy=userName&sortOrder=sideways')).status).toBe(400)
  })

  it('returns only the attributes asked for, and drops excluded ones', async () => {
    const { request } = await scimFixture()
    const { body: user } = await request('POST', '/Users', {
      ...aUser('nia@example.com'),
      [enterpriseUrn]: { department: 'Ops', costCenter: '42' },
    })
    const some = await request('GET', `/Users/${user.id}?attributes=userName,name.familyName,${enterpriseUrn}:department`)
    expect(some.body).toEqual({
      schemas: user.schemas,
      id: user.id,
      userName: 'nia@example.com',
      name: { familyName: 'Test' },
      [enterpriseUrn]: { department: 'Ops' },
    })
    const fewer = await request('GET', `/Users/${user.id}?excludedAttributes=emails,name,groups,meta,id`)
    expect(Object.keys(fewer.body).sort()).toEqual(['active', 'id', 'schemas', 'userName', enterpriseUrn].sort())
    const listed = await request('GET', '/Users?attributes=userName')
    expect(listed.body.Resources[0]).toEqual({ schemas: user.schemas, id: user.id, userName: 'nia@example.com' })
  })

  it('searches with POST /.search', async () => {
    const { request } = await scimFixture()
    await request('POST', '/Users', aUser('olga@example.com'))
    await request('POST', '/Users', aUser('pete@example.com'))
    const found = await request('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "pe"',
      attributes: ['userName'],
      startIndex: 1,
      count: 10,
    })
    expect(found.status).toBe(200)
    expect(found.body.totalResults).toBe(1)
    expect(found.body.Resources[0].userName).toBe('pete@example.com')
  })

  it('shows the groups a user belongs to when asked (groups is returned on request)', async () => {
    const { request } = await scimFixture()
    const { body: user } = await request('POST', '/Users', aUser('quinn@example.com'))
    const { body: group } = await request('POST', '/Groups', { displayName: 'security-admins', members: [{ value: user.id }] })
    expect((await request('GET', `/Users/${user.id}`)).body.groups).toBeUndefined()
    const got = await request('GET', `/Users/${user.id}?attributes=userName,groups`)
    expect(got.body.groups).toEqual([
      { value: group.id, display: 'security-admins', $ref: `http://localhost/scim/v2/Groups/${group.id}`, type: 'direct' },
    ])
  })

  it('never answers 500 to garbage', async () => {
    const { request } = await scimFixture()
    const { body: user } = await request('POST', '/Users', aUser('rex@example.com'))
    const garbage: [string, string, unknown][] = [
      ['POST', '/Users', { userName: { nested: true } }],
      ['POST', '/Users', { userName: 'x', emails: [7] }],
      ['POST', '/Users', 'null'],
      ['POST', '/Users', '"text"'],
      ['PATCH', `/Users/${user.id}`, { Operations: 'all' }],
      ['PATCH', `/Users/${user.id}`, { Operations: [{ op: 'explode' }] }],
      ['PATCH', `/Users/${user.id}`, { Operations: [{ op: 'add', path: 'emails[type eq', value: 'x' }] }],
      ['PATCH', `/Users/${user.id}`, { Operations: [{ op: 'add', path: 42, value: 'x' }] }],
      ['PATCH', `/Users/${user.id}`, { Operations: [{ op: 'remove', path: 'userName' }] }],
      ['PATCH', `/Users/${user.id}`, { Operations: [{ op: 'replace', path: 'name', value: [1, 2] }] }],
      ['PATCH', `/Users/${user.id}`, { Operations: [{ op: 'add', value: 'string' }] }],
      ['GET', '/Users?filter=((((', undefined],
      ['GET', '/Users?filter=userName eq', undefined],
      ['GET', '/Users?sortBy=%%%', undefined],
      ['GET', `/Users/${user.id}?attributes=..`, undefined],
    ]
    for (const [method, path, body] of garbage) {
      const response = await request(method, path, body)
      expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400)
      expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBeLessThan(500)
      expect(response.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error'])
    }
  })
})
