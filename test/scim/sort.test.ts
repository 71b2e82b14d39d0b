import { beforeAll, describe, expect, it } from 'vitest'
import { compileSort } from '../../src/store/sqlite/filter-sql.js'
import { enterpriseUrn, scimFixture, userSchemaUrn, type ScimClient } from '../helpers/scim.js'

// RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its primary value, else its first; not caseExact → case-insensitive.
const people = [
  { userName: 'alpha', emails: [{ value: 'Zed@x.com', type: 'work' }, { value: 'aaa@x.com', type: 'home', primary: true }] },
  { userName: 'beta', emails: [{ value: 'bob@x.com', type: 'other' }, { value: 'AAB@x.com' }] },
  { userName: 'gamma', emails: [{ value: 'Carl@x.com', primary: 'True' }] },
  { userName: 'delta' },
]

describe('scim sortBy on multi-valued attributes', () => {
  let client: ScimClient
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    const fixture = await scimFixture()
    client = fixture.client
    for (const person of people) {
      const created = await client.request('POST', '/Users', { schemas: [userSchemaUrn], ...person })
      expect(created.status).toBe(201)
      ids[person.userName] = created.body.id
    }
    const group = async (displayName: string, members: string[]) =>
      expect((await client.request('POST', '/Groups', { displayName, members: members.map((name) => ({ value: ids[name] })) })).status).toBe(201)
    await group('Zulu', ['alpha'])
    await group('yankee', ['alpha', 'beta'])
    await group('Xray', ['gamma', 'delta'])
    await group('empty', [])
  })

  async function order(resource: 'Users' | 'Groups', query: string): Promise<string[]> {
    const response = await client.request('GET', `/${resource}?${query}`)
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    return response.body.Resources.map((item: { userName?: string; displayName?: string }) => item.userName ?? item.displayName)
  }

  it.each([
    // alpha by its primary aaa@, beta by its first bob@, gamma by Carl@ (not "C" < "Z" < "b" as raw text would); none last.
    ['sortBy=emails.value', ['alpha', 'beta', 'gamma', 'delta']],
    ['sortBy=emails.value&sortOrder=descending', ['gamma', 'beta', 'alpha', 'delta']],
    ['sortBy=EMAILS.VALUE', ['alpha', 'beta', 'gamma', 'delta']],
    ['sortBy=emails', ['alpha', 'beta', 'gamma', 'delta']],
    [`sortBy=${encodeURIComponent(`${userSchemaUrn}:emails.value`)}`, ['alpha', 'beta', 'gamma', 'delta']],
    // alpha by its primary's type (home, not its first's: work), beta by other; the others have none.
    ['sortBy=emails.type', ['alpha', 'beta', 'gamma', 'delta']],
    ['sortBy=emails.type&sortOrder=descending', ['beta', 'alpha', 'gamma', 'delta']],
    ['sortBy=emails.value&filter=emails.value%20co%20%22a%22&startIndex=2&count=1', ['beta']],
    // A user's groups: the first by name (yankee < Zulu case-insensitively; Xray first of all).
    ['sortBy=groups.display', ['gamma', 'delta', 'alpha', 'beta']],
  ])('Users?%s', async (query, expected) => {
    expect(await order('Users', query)).toEqual(expected)
  })

  it.each([
    // A group's members have no primary: the first member stands for the group (alpha@, alpha@, gamma@).
    ['sortBy=members.display', ['Zulu', 'yankee', 'Xray', 'empty']],
    ['sortBy=members.display&sortOrder=descending', ['Xray', 'Zulu', 'yankee', 'empty']],
  ])('Groups?%s', async (query, expected) => {
    expect(await order('Groups', query)).toEqual(expected)
  })

  it('sorts past elements that are not objects, which JSON allows though rolecall never writes them', async () => {
    const { request, store } = await scimFixture()
    const odd = await store.createUser('okta', { schemas: [userSchemaUrn], userName: 'odd', emails: ['text@x.com', { value: 'a@x.com', primary: true }] }, { actor: 'test' })
    const plain = await store.createUser('okta', { schemas: [userSchemaUrn], userName: 'plain', emails: [{ value: 'b@x.com' }] }, { actor: 'test' })
    for (const query of ['sortBy=emails.value', 'sortBy=emails']) {
      const response = await request('GET', `/Users?${query}`)
      expect(response.status).toBe(200)
      expect(response.body.Resources.map((user: { id: string }) => user.id)).toEqual([odd.id, plain.id])
    }
  })

  it('stays one SQL expression (no scan in JS), case-folded for strings that are not caseExact', () => {
    const sort = compileSort('users', { name: 'emails', sub: 'value', type: 'string', caseExact: false, multiValued: true })
    expect(sort.params).toEqual([])
    expect(sort.sql).toMatch(/^lc\(\(SELECT .* FROM json_each\(r\.doc, '\$\."emails"'\) e0 ORDER BY .*'\$\.primary'.* LIMIT 1\)\)$/)
    const exact = compileSort('groups', { name: 'members', sub: 'value', type: 'string', caseExact: true, multiValued: true })
    expect(exact.sql).not.toMatch(/lc\(/)
  })
})

describe('scim sortBy on complex attributes', () => {
  it.each([
    ['Users', 'name', 'sortBy "name" is a complex attribute: name one of its sub-attributes, e.g. name.formatted'],
    ['Users', 'Name', 'sortBy "Name" is a complex attribute: name one of its sub-attributes, e.g. Name.formatted'],
    ['Users', 'meta', 'sortBy "meta" is a complex attribute: name one of its sub-attributes, e.g. meta.resourceType'],
    // Multi-valued but without a `value` to stand for an address.
    ['Users', 'addresses', 'sortBy "addresses" is a complex attribute: name one of its sub-attributes, e.g. addresses.formatted'],
    ['Users', `${enterpriseUrn}:manager`, `sortBy "${enterpriseUrn}:manager" is a complex attribute: name one of its sub-attributes, e.g. ${enterpriseUrn}:manager.value`],
    ['Groups', 'meta', 'sortBy "meta" is a complex attribute: name one of its sub-attributes, e.g. meta.resourceType'],
  ])('refuses /%s?sortBy=%s with 400 invalidValue (RFC 7644 §3.4.2.3)', async (resource, sortBy, detail) => {
    const { request } = await scimFixture()
    const response = await request('GET', `/${resource}?sortBy=${encodeURIComponent(sortBy)}`)
    expect(response.status).toBe(400)
    expect(response.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidValue', detail })
    const search = await request('POST', `/${resource}/.search`, { sortBy })
    expect(search.status).toBe(400)
    expect(search.body).toEqual(response.body)
  })

  it('still sorts by a sub-attribute of a single-valued complex attribute', async () => {
    const { request } = await scimFixture()
    for (const [userName, familyName] of [['a@x.com', 'Young'], ['b@x.com', 'adams'], ['c@x.com', 'Moss']]) {
      expect((await request('POST', '/Users', { schemas: [userSchemaUrn], userName, name: { familyName } })).status).toBe(201)
    }
    const response = await request('GET', '/Users?sortBy=name.familyName')
    expect(response.status).toBe(200)
    expect(response.body.Resources.map((user: { userName: string }) => user.userName)).toEqual(['b@x.com', 'c@x.com', 'a@x.com'])
  })
})
