// POST /scim/v2/.search (RFC 7644 §3.4.3): Users and Groups together, filtered, sorted and paged across both.
import { describe, expect, it } from 'vitest'
import { nativeFilter } from '../../src/scim/root-search.js'
import { parseFilter } from '../../src/scim/filter/parser.js'
import { groupType, userType } from '../../src/scim/schemas.js'
import { aUser, enterpriseUrn, groupSchemaUrn, scimFixture, userSchemaUrn, type Json, type ScimResponse } from '../helpers/scim.js'
import { testBackend } from '../helpers/test-store.js'

const listUrn = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'

/** Okta: ann, bob, cy and the groups admins (ann) and builders (bob, cy); Entra: dee and its own admins. */
async function directory() {
  const fixture = await scimFixture(['okta', 'entra'])
  const okta = fixture.clients['okta']!
  const entra = fixture.clients['entra']!
  const post = async (client: typeof okta, path: string, body: Json) => {
    const response = await client.request('POST', path, body)
    expect(response.status, JSON.stringify(response.body)).toBe(201)
    return response.body
  }
  const ann = await post(okta, '/Users', { ...aUser('ann@acme.example', { displayName: 'Zed Ann', title: 'CTO' }), [enterpriseUrn]: { department: 'R&D' } })
  const bob = await post(okta, '/Users', aUser('bob@acme.example', { displayName: 'Alpha Bob' }))
  const cy = await post(okta, '/Users', aUser('cy@acme.example'))
  const admins = await post(okta, '/Groups', { schemas: [groupSchemaUrn], displayName: 'admins', externalId: 'g-1', members: [{ value: ann.id }] })
  const builders = await post(okta, '/Groups', { schemas: [groupSchemaUrn], displayName: 'builders', members: [{ value: bob.id }, { value: cy.id }] })
  const dee = await post(entra, '/Users', aUser('dee@acme.example', { displayName: 'admins' }))
  await post(entra, '/Groups', { schemas: [groupSchemaUrn], displayName: 'admins', members: [{ value: dee.id }] })
  const search = async (body: Json, client = okta) => client.request('POST', '/.search', body)
  return { ...fixture, okta, entra, ann, bob, cy, admins, builders, dee, search }
}

/** Each resource as `User:userName` or `Group:displayName`, in the order answered. */
function names(body: Json): string[] {
  return (body.Resources as Json[]).map((resource) => `${resource.meta?.resourceType ?? '?'}:${resource.userName ?? resource.displayName}`)
}

function expectList(response: ScimResponse, total: number, startIndex: number, resources: string[]): void {
  expect(response.status, JSON.stringify(response.body)).toBe(200)
  expect(response.headers.get('content-type')).toBe('application/scim+json')
  expect(response.body.schemas).toEqual([listUrn])
  expect(response.body.totalResults).toBe(total)
  expect(response.body.startIndex).toBe(startIndex)
  expect(response.body.itemsPerPage).toBe(resources.length)
  expect(names(response.body)).toEqual(resources)
}

describe('POST /.search at the root', () => {
  it('answers a ListResponse mixing users and groups, each in its own schema, users first in creation order', async () => {
    const { search, ann, admins } = await directory()
    const response = await search({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] })
    expect(response.headers.get('content-type')).toBe('application/scim+json')
    expectList(response, 5, 1, ['User:ann@acme.example', 'User:bob@acme.example', 'User:cy@acme.example', 'Group:admins', 'Group:builders'])
    const [user, , , group] = response.body.Resources as Json[]
    // As GET /Users/{id} and GET /Groups/{id} answer them: users without groups (returned: request), groups with members.
    const { body: annAlone } = await search({ filter: `id eq "${ann.id}"` })
    expect(user).toEqual(annAlone.Resources[0])
    expect(user.schemas).toEqual([userSchemaUrn, enterpriseUrn])
    expect(user.meta).toMatchObject({ resourceType: 'User', location: `http://localhost/scim/v2/Users/${ann.id}` })
    expect(user).not.toHaveProperty('groups')
    expect(group.schemas).toEqual([groupSchemaUrn])
    expect(group.meta).toMatchObject({ resourceType: 'Group', location: `http://localhost/scim/v2/Groups/${admins.id}` })
    expect(group.members.map((member: Json) => member.value)).toEqual([ann.id])
  })

  it('pages across the boundary between users and groups, totalResults counting both', async () => {
    const { search } = await directory()
    expectList(await search({ startIndex: 3, count: 2 }), 5, 3, ['User:cy@acme.example', 'Group:admins'])
    expectList(await search({ startIndex: 2, count: 3 }), 5, 2, ['User:bob@acme.example', 'User:cy@acme.example', 'Group:admins'])
    expectList(await search({ startIndex: 5, count: 10 }), 5, 5, ['Group:builders'])
    expectList(await search({ startIndex: 6 }), 5, 6, [])
    expectList(await search({ count: 0 }), 5, 1, [])
    // RFC 7644 §3.4.2.4: startIndex below 1 is 1, a negative count 0.
    expectList(await search({ startIndex: -4, count: 1 }), 5, 1, ['User:ann@acme.example'])
    expectList(await search({ filter: 'displayName pr', startIndex: 2, count: 2 }), 4, 2, ['User:bob@acme.example', 'Group:admins'])
  })

  it('sorts across both types by an attribute both have, case-insensitively, those without one last', async () => {
    const { search } = await directory()
    const order = ['Group:admins', 'User:bob@acme.example', 'Group:builders', 'User:ann@acme.example', 'User:cy@acme.example']
    expectList(await search({ sortBy: 'displayName' }), 5, 1, order)
    expectList(await search({ sortBy: 'displayName', sortOrder: 'descending' }), 5, 1, ['User:ann@acme.example', 'Group:builders', 'User:bob@acme.example', 'Group:admins', 'User:cy@acme.example'])
    // Paged through the sorted whole: page 2 of 2 continues where page 1 stopped.
    expectList(await search({ sortBy: 'displayName', startIndex: 3, count: 2 }), 5, 3, order.slice(2, 4))
    // An attribute only users have: the groups follow, in their own order, whichever the direction.
    expectList(await search({ sortBy: 'userName', sortOrder: 'descending' }), 5, 1, ['User:cy@acme.example', 'User:bob@acme.example', 'User:ann@acme.example', 'Group:admins', 'Group:builders'])
    expectList(await search({ sortBy: 'externalId', count: 2 }), 5, 1, ['Group:admins', 'User:ann@acme.example'])
  })

  it('matches an attribute only one type has on that type alone; a comparison with one a resource lacks is false', async () => {
    const { search, ann, bob } = await directory()
    const cases: [string, string[]][] = [
      [`members.value eq "${ann.id}"`, ['Group:admins']],
      [`members[value eq "${bob.id}"]`, ['Group:builders']],
      ['members pr', ['Group:admins', 'Group:builders']],
      ['userName sw "b"', ['User:bob@acme.example']],
      ['userName ne "bob@acme.example"', ['User:ann@acme.example', 'User:cy@acme.example']],
      ['not (userName pr)', ['Group:admins', 'Group:builders']],
      ['not (members pr)', ['User:ann@acme.example', 'User:bob@acme.example', 'User:cy@acme.example']],
      ['userName eq "ann@acme.example" or displayName eq "builders"', ['User:ann@acme.example', 'Group:builders']],
      ['userName pr and displayName pr', ['User:ann@acme.example', 'User:bob@acme.example']],
      ['displayName sw "A"', ['User:bob@acme.example', 'Group:admins']],
      ['meta.resourceType eq "Group"', ['Group:admins', 'Group:builders']],
      ['meta.resourceType eq "User" and emails.value ew "@acme.example"', ['User:ann@acme.example', 'User:bob@acme.example', 'User:cy@acme.example']],
      [`${groupSchemaUrn}:displayName eq "admins"`, ['Group:admins']],
      [`${userSchemaUrn}:displayName eq "Alpha Bob"`, ['User:bob@acme.example']],
      [`${enterpriseUrn}:department eq "R&D"`, ['User:ann@acme.example']],
      [`not (${enterpriseUrn}:department eq "R&D")`, ['User:bob@acme.example', 'User:cy@acme.example', 'Group:admins', 'Group:builders']],
      ['title eq "CTO" or members.value eq "nobody"', ['User:ann@acme.example']],
      ['emails[type eq "work"] and members pr', []],
      ['externalId eq "g-1"', ['Group:admins']],
    ]
    for (const [filter, expected] of cases) {
      const response = await search({ filter })
      expect(response.status, `${filter}: ${JSON.stringify(response.body)}`).toBe(200)
      expect(names(response.body), filter).toEqual(expected)
      expect(response.body.totalResults, filter).toBe(expected.length)
    }
  })

  it('projects attributes per type: names of either type, always id and schemas, members only when returned', async () => {
    const { search, ann, admins } = await directory()
    const byDisplay = await search({ attributes: ['displayName'], filter: `id eq "${ann.id}" or id eq "${admins.id}"` })
    expect(byDisplay.body.Resources).toEqual([
      { schemas: [userSchemaUrn, enterpriseUrn], id: ann.id, displayName: 'Zed Ann' },
      { schemas: [groupSchemaUrn], id: admins.id, displayName: 'admins' },
    ])
    const byUserName = await search({ attributes: 'userName,name.givenName', count: 1, startIndex: 4 })
    expect(byUserName.body.Resources).toEqual([{ schemas: [groupSchemaUrn], id: admins.id }])
    const withMembers = await search({ attributes: 'members,userName', filter: `id eq "${ann.id}" or id eq "${admins.id}"` })
    expect(withMembers.body.Resources[0]).toEqual({ schemas: [userSchemaUrn, enterpriseUrn], id: ann.id, userName: 'ann@acme.example' })
    expect(withMembers.body.Resources[1].members.map((member: Json) => member.value)).toEqual([ann.id])
    const withGroups = await search({ attributes: 'groups', filter: `id eq "${ann.id}"` })
    expect(withGroups.body.Resources[0].groups.map((group: Json) => group.display)).toEqual(['admins'])
    const excluded = await search({ excludedAttributes: 'members,emails,meta', filter: 'meta.resourceType eq "Group" or userName eq "ann@acme.example"' })
    for (const resource of excluded.body.Resources as Json[]) {
      expect(resource).not.toHaveProperty('members')
      expect(resource).not.toHaveProperty('emails')
      expect(resource).not.toHaveProperty('meta')
    }
    expect(excluded.body.Resources[0]).toMatchObject({ userName: 'ann@acme.example', title: 'CTO' })
    const unknown = await search({ attributes: 'nosuch' })
    expect(unknown.status).toBe(400)
    expect(unknown.body).toMatchObject({ status: '400', scimType: 'invalidValue' })
    expect(unknown.body.detail).toContain('nosuch')
  })

  it("sees only the token's connection", async () => {
    const { search, entra } = await directory()
    expectList(await search({}, entra), 2, 1, ['User:dee@acme.example', 'Group:admins'])
    expectList(await search({ filter: 'displayName eq "admins"' }, entra), 2, 1, ['User:dee@acme.example', 'Group:admins'])
    expectList(await search({ filter: 'userName eq "ann@acme.example" or displayName eq "builders"' }, entra), 0, 1, [])
    expect((await search({ filter: 'displayName eq "admins"' })).body.totalResults).toBe(1)
  })

  it('answers other methods with 405 and Allow: POST, and asks for a token first', async () => {
    const { okta, app } = await directory()
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
      const response = await okta.request(method, '/.search')
      expect(response.status, method).toBe(405)
      expect(response.headers.get('allow'), method).toBe('POST')
      expect(response.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '405' })
    }
    const anonymous = await app.request('http://localhost/scim/v2/.search', { method: 'POST', headers: { 'content-type': 'application/scim+json' }, body: '{}' })
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toContain('Bearer')
  })

  it('refuses bad bodies with RFC 7644 errors', async () => {
    const { okta, search } = await directory()
    const cases: [Json, number, string, string][] = [
      ['{"filter": ', 400, 'invalidSyntax', 'not valid JSON'],
      ['[]', 400, 'invalidSyntax', 'must be a JSON object'],
      ['"userName pr"', 400, 'invalidSyntax', 'must be a JSON object'],
      [{ filter: 'userName eq' }, 400, 'invalidFilter', 'unexpected end of filter'],
      [{ filter: 'nosuch eq "x"' }, 400, 'invalidFilter', 'unknown attribute "nosuch"'],
      [{ filter: 'members.nosuch eq "x"' }, 400, 'invalidFilter', 'unknown sub-attribute'],
      [{ filter: 'userName eq "\\u0000"' }, 400, 'invalidFilter', 'contains the control character U+0000'],
      [{ filter: { op: 'eq' } }, 400, 'invalidValue', 'filter has the wrong type'],
      [{ sortBy: 'nosuch' }, 400, 'invalidValue', 'unknown attribute "nosuch"'],
      [{ sortBy: 'name' }, 400, 'invalidValue', 'complex attribute'],
      [{ sortBy: 'displayName', sortOrder: 'sideways' }, 400, 'invalidValue', 'sortOrder'],
      [{ startIndex: 'first' }, 400, 'invalidValue', 'startIndex must be an integer'],
    ]
    for (const [body, status, scimType, detail] of cases) {
      const response = typeof body === 'string' ? await okta.request('POST', '/.search', body) : await search(body)
      expect(response.status, JSON.stringify(body)).toBe(status)
      expect(response.body, JSON.stringify(body)).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), scimType })
      expect(response.body.detail, JSON.stringify(body)).toContain(detail)
    }
    const wrongType = await okta.request('POST', '/.search', '{}', { 'content-type': 'text/plain' })
    expect(wrongType.status).toBe(415)
  })
})

describe('POST /.search past a stored document SQLite refuses', () => {
  it('searches and sorts as the per-type lists do: the document matches no filter and sorts last (on PostgreSQL, as any other)', async () => {
    const { request, store } = await scimFixture()
    const { body: plain } = await request('POST', '/Users', aUser('plain@acme.example', { title: 'Engineer' }))
    const { body: group } = await request('POST', '/Groups', { displayName: 'ops' })
    // As the store may hold it from before request bodies were bounded: 1001 levels, past SQLite's JSON limit.
    let deep: Json = []
    for (let i = 1; i < 1000; i++) deep = [deep]
    const stored = await store.createUser('okta', { schemas: [userSchemaUrn], userName: 'deep@acme.example', title: 'Deep', x: deep }, { actor: 'test' })
    const ids = async (body: Json) => {
      const response = await request('POST', '/.search', body)
      expect(response.status, JSON.stringify(response.body)).toBe(200)
      return { total: response.body.totalResults, ids: (response.body.Resources as Json[]).map((resource) => resource.id) }
    }
    // PostgreSQL's JSON has no depth limit: there the document is read as any other.
    const isRefused = testBackend() === 'sqlite'
    expect(await ids({ filter: 'title pr' })).toEqual(isRefused ? { total: 1, ids: [plain.id] } : { total: 2, ids: [plain.id, stored.id] })
    expect(await ids({ filter: 'not (title eq "Nobody")' })).toEqual(isRefused ? { total: 2, ids: [plain.id, group.id] } : { total: 3, ids: [plain.id, stored.id, group.id] })
    expect(await ids({ sortBy: 'title' })).toEqual({ total: 3, ids: isRefused ? [plain.id, stored.id, group.id] : [stored.id, plain.id, group.id] })
    expect(await ids({ filter: 'userName eq "deep@acme.example"' })).toEqual({ total: 1, ids: [stored.id] })
  })
})

describe('nativeFilter', () => {
  const folded = (type: typeof userType, text: string, as = userType) => nativeFilter(type, parseFilter(as, text))
  it('turns what a type lacks into false and folds it away', () => {
    expect(folded(groupType, 'userName eq "a"')).toBe(false)
    expect(folded(groupType, 'not (userName eq "a")')).toBe(true)
    expect(folded(groupType, 'userName eq "a" or not (title pr)')).toBe(true)
    expect(folded(groupType, 'userName eq "a" and displayName eq "b"')).toBe(false)
    expect(folded(groupType, 'userName eq "a" or displayName eq "b"')).toEqual(parseFilter(groupType, 'displayName eq "b"'))
    expect(folded(userType, 'userName eq "a" or displayName eq "b"')).toEqual(parseFilter(userType, 'userName eq "a" or displayName eq "b"'))
    // An extension no schema here defines is kept as sent on either type.
    expect(folded(groupType, 'urn:example:x:1.0:Custom:badge eq "b"')).toEqual(parseFilter(groupType, 'urn:example:x:1.0:Custom:badge eq "b"'))
    expect(folded(groupType, `${enterpriseUrn}:department eq "b"`)).toBe(false)
  })
})
