// What compiled filters select where stored values are unassigned, empty, of another JSON type, or at the edges of text order.
import { beforeAll, describe, expect, it } from 'vitest'
import { aUser, scimFixture, type ScimClient } from '../helpers/scim.js'

const ext = 'urn:acme:ext:1.0:User'

let client: ScimClient
const ids: Record<string, string> = {}

async function found(filter: string, endpoint = '/Users'): Promise<string[]> {
  const response = await client.request('GET', `${endpoint}?filter=${encodeURIComponent(filter)}`)
  expect(response.status, `${filter}: ${JSON.stringify(response.body)}`).toBe(200)
  const key = endpoint === '/Users' ? 'userName' : 'displayName'
  return response.body.Resources.map((resource: Record<string, string>) => resource[key]).sort()
}

describe('scim filter values', () => {
  beforeAll(async () => {
    client = (await scimFixture()).client
    const users = [
      // Sent without `active`: the store holds no access back from it, but its resource has no `active` either.
      { userName: 'plain', name: { givenName: 'Pia' } },
      aUser('brackets', { title: '[]', displayName: 'Uma', addresses: [{ type: 'home' }], [ext]: { level: 5, tags: { a: 1 } } }),
      aUser('empty', { title: '', active: false, addresses: [{ type: '' }], [ext]: { level: '5', tags: 'a' } }),
      aUser('z\u{10FFFF}x'),
      aUser('\u{10FFFF}'),
    ]
    for (const user of users) {
      const response = await client.request('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], ...user })
      expect(response.status, JSON.stringify(response.body)).toBe(201)
      ids[user.userName] = response.body.id
    }
    for (const [displayName, members] of [['both', ['plain', 'brackets']], ['one', ['brackets']], ['none', []]] as const) {
      const response = await client.request('POST', '/Groups', { displayName, members: members.map((name) => ({ value: ids[name] })) })
      expect(response.status, JSON.stringify(response.body)).toBe(201)
      ids[displayName] = response.body.id
    }
  })

  it.each([
    // `active` is compared as the resource holds it: a user sent without it has none.
    ['active eq true', ['\u{10FFFF}', 'z\u{10FFFF}x', 'brackets']],
    ['active pr', ['\u{10FFFF}', 'z\u{10FFFF}x', 'brackets', 'empty']],
    ['not (active pr)', ['plain']],
    // "[]" is a string like any other; "" is empty (RFC 7644 §3.4.2.2 `pr`), so it is also `eq null`.
    ['title pr', ['brackets']],
    ['title eq null', ['\u{10FFFF}', 'z\u{10FFFF}x', 'empty', 'plain']],
    ['title ne null', ['brackets']],
    ['title ew ""', ['brackets', 'empty']],
    ['title sw ""', ['brackets', 'empty']],
    ['title co ""', ['brackets', 'empty']],
    ['userName ew ""', ['\u{10FFFF}', 'z\u{10FFFF}x', 'brackets', 'empty', 'plain']],
    ['userName ew "ty"', ['empty']],
    // U+10FFFF is the last code point, and a string continuing past it still starts with it.
    ['userName sw "\u{10FFFF}"', ['\u{10FFFF}']],
    ['userName sw "z"', ['z\u{10FFFF}x']],
    ['userName sw "Z\u{10FFFF}"', ['z\u{10FFFF}x']],
    ['userName sw ""', ['\u{10FFFF}', 'z\u{10FFFF}x', 'brackets', 'empty', 'plain']],
    ['userName gt "plain"', ['\u{10FFFF}', 'z\u{10FFFF}x']],
    // An entry holding only empty values is no value (RFC 7643 §2.5): no filter on the entries of its attribute sees it.
    ['addresses[not (type eq "work")]', ['brackets']],
    ['addresses.locality ne "Paris"', ['brackets']],
    ['addresses[locality eq null]', ['brackets']],
    ['addresses[type eq null]', []],
    ['addresses pr', ['brackets']],
    // Values of an extension rolecall does not define are compared only with values of their JSON type.
    [`${ext}:level eq 5`, ['brackets']],
    [`${ext}:level eq "5"`, ['empty']],
    [`${ext}:level gt "4"`, ['empty']],
    [`${ext}:level lt 6`, ['brackets']],
    [`${ext}:level ne 5`, ['\u{10FFFF}', 'z\u{10FFFF}x', 'empty', 'plain']],
    [`${ext}:tags co "a"`, ['empty']],
    [`${ext}:tags pr`, ['brackets', 'empty']],
  ])('%s', async (filter, expected) => {
    expect(await found(filter)).toEqual([...expected].sort())
  })

  it('compares meta.version with the ETag a read returns', async () => {
    const { body } = await client.request('GET', `/Users/${ids['plain']}`)
    expect(body.meta.version).toBe('W/"1"')
    expect(await found('meta.version eq "W/\\"1\\"" and userName eq "plain"')).toEqual(['plain'])
    expect(await found('meta.version ne "W/\\"1\\""')).toEqual([])
  })

  it.each([
    ['members[value eq "{brackets}"].display eq "uma"', ['both', 'one']],
    ['members[value eq "{plain}"].display eq "Uma"', []],
    ['members[value eq "{plain}"].display eq "plain"', ['both']],
    ['members[value eq "{plain}"].type eq "user"', ['both']],
    ['members[display eq "Uma"].value eq "{brackets}" and not (members[value eq "{plain}"])', ['one']],
    ['members[value eq "{plain}"].value pr or members.value eq null', ['both', 'none']],
    ['members pr', ['both', 'one']],
    // Entra asks whether a user is still in a group before deleting it.
    ['id eq "{one}" and members eq "{brackets}"', ['one']],
    ['id eq "{one}" and members eq "{plain}"', []],
  ])('finds groups by a sub-attribute of a member value path: %s', async (filter, expected) => {
    const resolved = filter.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? '')
    expect(await found(resolved, '/Groups')).toEqual(expected)
  })

  it.each(['members.$ref pr', 'members[$ref eq "x"]'])('refuses %j: $ref is built from the request URL', async (filter) => {
    const response = await client.request('GET', `/Groups?filter=${encodeURIComponent(filter)}`)
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('invalidFilter')
    expect(response.body.detail).toMatch(/members\.\$ref.*request URL/)
  })
})
