// An empty multi-valued attribute is unassigned (RFC 7643 §2.5): omitted from every answer, whatever wrote it, and `pr` agrees.
import { describe, expect, it } from 'vitest'
import { aUser, enterpriseUrn, patch, scimFixture, userSchemaUrn, type Json } from '../helpers/scim.js'

/** Each multi-valued attribute of a User, with one value of it and a value filter that selects that value. */
const userAttributes: [name: string, element: Record<string, string>, filter: string][] = [
  ['emails', { value: 'pat@home.example', type: 'home' }, 'value eq "pat@home.example"'],
  ['phoneNumbers', { value: '+1 555 0100', type: 'work' }, 'value eq "+1 555 0100"'],
  ['ims', { value: 'pat', type: 'xmpp' }, 'value eq "pat"'],
  ['photos', { value: 'https://photos.example/pat.png', type: 'photo' }, 'type eq "photo"'],
  ['addresses', { formatted: '1 Main St', type: 'work' }, 'formatted eq "1 Main St"'],
  ['entitlements', { value: 'badge' }, 'value eq "badge"'],
  ['roles', { value: 'auditor' }, 'value eq "auditor"'],
  ['x509Certificates', { value: 'MIIBszCCAVmgAwIBAgIJAK' }, 'value eq "MIIBszCCAVmgAwIBAgIJAK"'],
]

type Writer = (attr: string, element: Record<string, string>, filter: string) => { create: Record<string, unknown>; operations?: unknown[]; put?: Record<string, unknown> }

/** Every way a client can leave a multi-valued attribute empty. */
const writers: [string, Writer][] = [
  ['POST with []', (attr) => ({ create: { [attr]: [] } })],
  ['PUT with []', (attr, element) => ({ create: { [attr]: [element] }, put: { [attr]: [] } })],
  ['PATCH replace with []', (attr, element) => ({ create: { [attr]: [element] }, operations: [{ op: 'replace', path: attr, value: [] }] })],
  ['PATCH path-less replace with []', (attr, element) => ({ create: { [attr]: [element] }, operations: [{ op: 'Replace', value: { [attr]: [] } }] })],
  ['PATCH add of []', (attr) => ({ create: {}, operations: [{ op: 'add', path: attr, value: [] }] })],
  ['PATCH remove of the last value by a value filter', (attr, element, filter) => ({ create: { [attr]: [element] }, operations: [{ op: 'remove', path: `${attr}[${filter}]` }] })],
  ['PATCH remove of the last value named in value (Entra)', (attr, element) => ({ create: { [attr]: [element] }, operations: [{ op: 'remove', path: attr, value: [element] }] })],
]

const cases = userAttributes.flatMap(([attr, element, filter]) => writers.map(([how, writer]) => [attr, how, writer(attr, element, filter), element] as const))

async function twoUsers(create: Record<string, unknown>, attr: string, element: Record<string, string>) {
  const fixture = await scimFixture()
  // `emails` is left out of the fixture's user unless the case writes it, so that only the case decides.
  const { emails: _emails, ...base } = aUser('pat@x.com')
  const pat = await fixture.request('POST', '/Users', { ...base, ...create })
  expect(pat.status, JSON.stringify(pat.body)).toBe(201)
  // Someone who holds the attribute, so that the `pr` filter below is shown to find what is there.
  const kim = await fixture.request('POST', '/Users', { ...aUser('kim@x.com'), [attr]: [element] })
  expect(kim.status, JSON.stringify(kim.body)).toBe(201)
  return { ...fixture, pat: pat.body as Json, kim: kim.body as Json }
}

describe('scim unassigned values (RFC 7643 §2.5)', () => {
  it.each(cases)('omits %s after %s', async (attr, _how, write, element) => {
    const { request, pat, kim } = await twoUsers(write.create, attr, element)
    let written: Json = pat
    if (write.put !== undefined) {
      const { emails: _emails, ...base } = aUser('pat@x.com')
      const put = await request('PUT', `/Users/${pat.id}`, { ...base, ...write.put })
      expect(put.status, JSON.stringify(put.body)).toBe(200)
      written = put.body
    }
    if (write.operations !== undefined) {
      const patched = await request('PATCH', `/Users/${pat.id}`, patch(...write.operations))
      expect(patched.status, JSON.stringify(patched.body)).toBe(200)
      written = patched.body
    }
    expect(Object.keys(written)).not.toContain(attr)
    const read = await request('GET', `/Users/${pat.id}`)
    expect(read.body).toEqual(written)
    expect(Object.keys((await request('GET', `/Users/${pat.id}?attributes=${attr}`)).body)).toEqual(['schemas', 'id'])
    const present = await request('GET', `/Users?filter=${encodeURIComponent(`${attr} pr`)}`)
    expect(present.body.Resources.map((user: Json) => user.id)).toEqual([kim.id])
    const absent = await request('GET', `/Users?filter=${encodeURIComponent(`not (${attr} pr)`)}`)
    expect(absent.body.Resources.map((user: Json) => user.id)).toEqual([pat.id])
  })

  async function aTeam() {
    const fixture = await scimFixture()
    const users: string[] = []
    for (const name of ['ann', 'bob']) users.push((await fixture.request('POST', '/Users', aUser(`${name}@x.com`))).body.id)
    const team = await fixture.request('POST', '/Groups', { displayName: 'team', members: users.map((value) => ({ value })) })
    const other = await fixture.request('POST', '/Groups', { displayName: 'other', members: [{ value: users[0] }] })
    return { ...fixture, users, team: team.body as Json, other: other.body as Json }
  }

  it.each([
    ['a remove per member by value filter', (users: string[]) => users.map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` }))],
    ['one remove naming both in a filter', (users: string[]) => [{ op: 'remove', path: `members[value eq "${users[0]}" or value eq "${users[1]}"]` }]],
    ['Entra\'s remove with the members in value', (users: string[]) => [{ op: 'Remove', path: 'members', value: users.map((value) => ({ value })) }]],
    ['a remove of members', () => [{ op: 'remove', path: 'members' }]],
    ['a replace of members with []', () => [{ op: 'replace', path: 'members', value: [] }]],
    ['a path-less replace with "members": []', () => [{ op: 'replace', value: { members: [] } }]],
  ])('omits members once %s leaves the group empty, in every read', async (_name, operations) => {
    const { request, users, team, other } = await aTeam()
    const patched = await request('PATCH', `/Groups/${team.id}?attributes=members,displayName`, patch(...operations(users)))
    expect(patched.status, JSON.stringify(patched.body)).toBe(200)
    expect(patched.body).toEqual({ schemas: [team.schemas[0]], id: team.id, displayName: 'team' })
    const read = await request('GET', `/Groups/${team.id}`)
    expect(Object.keys(read.body)).toEqual(['schemas', 'id', 'displayName', 'meta'])
    expect((await request('GET', `/Groups/${team.id}?attributes=members`)).body).toEqual({ schemas: team.schemas, id: team.id })
    const listed = await request('GET', `/Groups?filter=${encodeURIComponent('displayName eq "team"')}`)
    expect(listed.body.Resources).toEqual([read.body])
    const searched = await request('POST', '/Groups/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'displayName eq "team"', attributes: ['members'] })
    expect(searched.body.Resources).toEqual([{ schemas: team.schemas, id: team.id }])
    const present = await request('GET', `/Groups?filter=${encodeURIComponent('members pr')}&attributes=displayName`)
    expect(present.body.Resources.map((group: Json) => group.id)).toEqual([other.id])
    // Bob is in no group now: no `groups`, not `"groups": []`.
    const bob = await request('GET', `/Users/${users[1]}?attributes=groups`)
    expect(bob.body).toEqual({ schemas: [userSchemaUrn], id: users[1] })
    const inGroups = await request('GET', `/Users?filter=${encodeURIComponent('groups pr')}&attributes=userName`)
    expect(inGroups.body.Resources.map((user: Json) => user.id)).toEqual([users[0]])
  })

  it('omits members of a group created or replaced with none', async () => {
    const { request, team } = await aTeam()
    const created = await request('POST', '/Groups', { displayName: 'empty', members: [] })
    expect(created.status).toBe(201)
    expect(Object.keys(created.body)).toEqual(['schemas', 'id', 'displayName', 'meta'])
    const replaced = await request('PUT', `/Groups/${team.id}`, { displayName: 'team', members: [] })
    expect(replaced.status).toBe(200)
    expect(Object.keys(replaced.body)).toEqual(['schemas', 'id', 'displayName', 'meta'])
  })

  it('drops an extension left with nothing, and its URN from schemas', async () => {
    const { request } = await scimFixture()
    const created = await request('POST', '/Users', { ...aUser('pat@x.com'), schemas: [userSchemaUrn, enterpriseUrn], [enterpriseUrn]: {} })
    expect(created.body.schemas).toEqual([userSchemaUrn])
    expect(Object.keys(created.body)).not.toContain(enterpriseUrn)
    // A manager with only the displayName, which is readOnly and ignored, is no manager.
    const managed = await request('PATCH', `/Users/${created.body.id}`, patch({ op: 'add', path: `${enterpriseUrn}:manager`, value: { displayName: 'Boss' } }))
    expect(managed.status, JSON.stringify(managed.body)).toBe(200)
    expect(managed.body.schemas).toEqual([userSchemaUrn])
    expect(Object.keys(managed.body)).not.toContain(enterpriseUrn)
    const added = await request('PATCH', `/Users/${created.body.id}`, patch({ op: 'add', path: `${enterpriseUrn}:department`, value: 'Risk' }))
    expect(added.body[enterpriseUrn]).toEqual({ department: 'Risk' })
    const removed = await request('PATCH', `/Users/${created.body.id}`, patch({ op: 'remove', path: `${enterpriseUrn}:department` }))
    expect(removed.body.schemas).toEqual([userSchemaUrn])
    expect(Object.keys(removed.body)).not.toContain(enterpriseUrn)
  })

  it('omits a complex attribute given with no sub-attribute, or only null ones', async () => {
    const { request } = await scimFixture()
    const created = await request('POST', '/Users', { ...aUser('pat@x.com'), name: { givenName: null, familyName: null } })
    expect(Object.keys(created.body)).not.toContain('name')
    const patched = await request('PATCH', `/Users/${created.body.id}`, patch({ op: 'add', path: 'name', value: {} }))
    expect(Object.keys(patched.body)).not.toContain('name')
    const named = await request('GET', `/Users?filter=${encodeURIComponent('name pr')}`)
    expect(named.body.totalResults).toBe(0)
  })

  it('reads a document stored with empty values before they were dropped on write as if they had been', async () => {
    const { store, request } = await scimFixture()
    const doc = { schemas: [userSchemaUrn, enterpriseUrn], userName: 'old@x.com', emails: [], roles: [], name: {}, [enterpriseUrn]: {} }
    const stored = await store.createUser('okta', doc, { actor: 'test' })
    const read = await request('GET', `/Users/${stored.id}`)
    expect(read.status).toBe(200)
    expect(read.body).toEqual({ schemas: [userSchemaUrn], id: stored.id, userName: 'old@x.com', meta: expect.any(Object) })
    expect((await request('GET', `/Users?filter=${encodeURIComponent('emails pr or roles pr or name pr')}`)).body.totalResults).toBe(0)
  })
})
