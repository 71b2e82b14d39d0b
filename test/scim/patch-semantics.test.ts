import { describe, expect, it } from 'vitest'
import { aUser, enterpriseUrn, groupSchemaUrn, patch, scimFixture, userSchemaUrn, type Json } from '../helpers/scim.js'

async function aPerson(extra: Record<string, unknown> = {}) {
  const fixture = await scimFixture()
  const created = await fixture.request('POST', '/Users', { ...aUser('pat@x.com'), ...extra })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  const id = created.body.id as string
  const apply = (...operations: unknown[]) => fixture.request('PATCH', `/Users/${id}`, patch(...operations))
  const read = async () => (await fixture.request('GET', `/Users/${id}`)).body
  return { ...fixture, id, apply, read }
}

const primaries = (user: Json) => (user.emails ?? []).filter((email: Json) => email.primary === true).map((email: Json) => email.value)

describe('scim patch: at most one primary value (RFC 7644 §3.5.2, RFC 7643 §2.4)', () => {
  it('demotes the other values when a filter sets primary true (the QA shape, one request)', async () => {
    const { apply, read } = await aPerson()
    const response = await apply(
      { op: 'add', path: 'emails', value: [{ value: 'home@x.com', type: 'home' }] },
      { op: 'replace', path: 'emails[type eq "home"].primary', value: true },
    )
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    expect(response.body.emails).toEqual([
      { value: 'pat@x.com', type: 'work', primary: false },
      { value: 'home@x.com', type: 'home', primary: true },
    ])
    expect(primaries(await read())).toEqual(['home@x.com'])
  })

  it('does not add a value that is already there, whatever the order of its sub-attributes (RFC 7644 §3.5.2.1)', async () => {
    const { apply, read } = await aPerson()
    expect((await apply({ op: 'add', path: 'emails', value: [{ primary: true, type: 'work', value: 'PAT@x.com' }] })).status).toBe(200)
    expect((await apply({ op: 'add', path: 'emails', value: [{ value: 'pat@x.com' }] })).status).toBe(200)
    expect((await read()).emails).toEqual([{ value: 'pat@x.com', type: 'work', primary: true }])
    // Sub-attributes given with a value already there change it in place: here, which email is primary.
    expect((await apply({ op: 'add', path: 'emails', value: [{ value: 'home@x.com', type: 'home' }] })).status).toBe(200)
    expect((await apply({ op: 'add', path: 'emails', value: [{ value: 'home@x.com', type: 'home', primary: true }] })).status).toBe(200)
    expect((await read()).emails).toEqual([
      { value: 'pat@x.com', type: 'work', primary: false },
      { value: 'home@x.com', type: 'home', primary: true },
    ])
  })

  it('demotes across requests, and for Entra\'s path-less "True"', async () => {
    const { apply, read } = await aPerson()
    expect((await apply({ op: 'add', path: 'emails', value: [{ value: 'home@x.com', type: 'home' }] })).status).toBe(200)
    expect((await apply({ op: 'replace', path: 'emails[type eq "home"].primary', value: true })).status).toBe(200)
    expect(primaries(await read())).toEqual(['home@x.com'])
    expect((await apply({ op: 'Replace', value: { 'emails[type eq "work"].primary': 'True' } })).status).toBe(200)
    expect(primaries(await read())).toEqual(['pat@x.com'])
  })

  it.each([
    ['adding a primary value', { op: 'add', path: 'emails', value: [{ value: 'new@x.com', type: 'other', primary: true }] }, ['new@x.com']],
    ['replacing an element with a primary one', { op: 'replace', path: 'emails[type eq "home"]', value: { value: 'h2@x.com', type: 'home', primary: true } }, ['h2@x.com']],
    ['adding primary through a filter that creates the element', { op: 'add', path: 'emails[type eq "other"]', value: { value: 'o@x.com', primary: true } }, ['o@x.com']],
    ['replacing the attribute', { op: 'replace', path: 'emails', value: [{ value: 'only@x.com', primary: true }] }, ['only@x.com']],
    ['setting primary false', { op: 'replace', path: 'emails[type eq "work"].primary', value: false }, []],
  ])('keeps one primary after %s', async (_name, operation, expected) => {
    const { apply } = await aPerson({ emails: [{ value: 'pat@x.com', type: 'work', primary: true }, { value: 'home@x.com', type: 'home' }] })
    const response = await apply(operation)
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    expect(primaries(response.body)).toEqual(expected)
  })

  it.each([
    ['a filter that matches two values', { op: 'replace', path: 'emails[value ew "x.com"].primary', value: true }],
    ['primary on every value at once', { op: 'replace', path: 'emails.primary', value: true }],
    ['two primary values added', { op: 'add', path: 'emails', value: [{ value: 'a@x.com', primary: true }, { value: 'b@x.com', primary: true }] }],
    ['two primary values replacing the attribute', { op: 'replace', path: 'emails', value: [{ value: 'a@x.com', primary: true }, { value: 'b@x.com', primary: 'True' }] }],
  ])('refuses %s with 400 invalidValue, changing nothing', async (_name, operation) => {
    const { apply, read } = await aPerson({ emails: [{ value: 'pat@x.com', type: 'work', primary: true }, { value: 'home@x.com', type: 'home' }] })
    const before = await read()
    const response = await apply({ op: 'replace', path: 'title', value: 'changed' }, operation)
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('invalidValue')
    expect(response.body.detail).toMatch(/primary/)
    expect(await read()).toEqual(before)
  })

  it('refuses a POST or PUT with two primary values of one attribute, saying which', async () => {
    const { request, id } = await aPerson()
    const twoPrimary = { emails: [{ value: 'a@x.com', type: 'work', primary: true }, { value: 'b@x.com', type: 'home', primary: 'True' }] }
    for (const [method, path] of [['POST', '/Users'], ['PUT', `/Users/${id}`]] as const) {
      const response = await request(method, path, aUser(method === 'POST' ? 'other@x.com' : 'pat@x.com', twoPrimary))
      expect(response.status, method).toBe(400)
      expect(response.body.scimType).toBe('invalidValue')
      expect(response.body.detail).toBe('emails has 2 values with "primary": true; at most one value may be primary')
    }
    // One primary per attribute is fine.
    const fine = await request('POST', '/Users', aUser('fine@x.com', { phoneNumbers: [{ value: '+1 555 0100', primary: true }] }))
    expect(fine.status).toBe(201)
  })
})

describe('scim patch: every entry of emails, phoneNumbers… keeps its value (RFC 7643 §2.4)', () => {
  const twoEmails = { emails: [{ value: 'pat@x.com', type: 'work', primary: true }, { value: 'home@x.com', type: 'home' }] }

  it.each([
    ['replacing a whole entry through a filter (the QA shape)', { op: 'replace', path: 'emails[type eq "work"]', value: { type: 'work' } }],
    ['replacing a whole entry through a filter, path-less (Entra)', { op: 'replace', value: { 'emails[type eq "work"]': { type: 'work', primary: true } } }],
    ['adding an entry through a filter that creates it', { op: 'add', path: 'emails[type eq "other"]', value: { display: 'Other' } }],
    ['adding a sub-attribute through a filter that creates the entry', { op: 'add', path: 'phoneNumbers[type eq "mobile"].primary', value: true }],
    ['adding an entry', { op: 'add', path: 'emails', value: [{ type: 'other' }] }],
    ['adding an entry with an empty value', { op: 'add', path: 'emails', value: [{ value: ' ', type: 'other' }] }],
    ['replacing the attribute', { op: 'replace', path: 'emails', value: [{ value: 'new@x.com' }, { type: 'home' }] }],
    ['adding without a path', { op: 'add', value: { roles: [{ display: 'Admin' }] } }],
    ['replacing without a path', { op: 'replace', value: { phoneNumbers: [{ type: 'work', primary: true }] } }],
    ['removing the value through a filter', { op: 'remove', path: 'emails[type eq "home"].value' }],
    ['setting the value to null through a filter', { op: 'replace', path: 'emails[type eq "home"].value', value: null }],
    ['removing every value', { op: 'remove', path: 'emails.value' }],
  ])('refuses %s with 400 invalidValue, changing nothing', async (_name, operation) => {
    const { apply, read, store, id } = await aPerson(twoEmails)
    const before = await read()
    const stored = await store.getUser('okta', id, false)
    const response = await apply({ op: 'replace', path: 'title', value: 'changed' }, operation)
    expect(response.status, JSON.stringify(response.body)).toBe(400)
    expect(response.body).toMatchObject({ status: '400', scimType: 'invalidValue' })
    expect(response.body.detail).toMatch(/^each entry of (emails|phoneNumbers|roles) needs a "value" \((emails|phoneNumbers|roles)\.value is required\)$/)
    expect(await read()).toEqual(before)
    expect(await store.getUser('okta', id, false)).toEqual(stored)
  })

  it('still replaces a whole entry that keeps a value', async () => {
    const { apply, read } = await aPerson(twoEmails)
    const response = await apply({ op: 'replace', path: 'emails[type eq "work"]', value: { type: 'work', value: 'new@x.com' } })
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    expect((await read()).emails).toEqual([{ type: 'work', value: 'new@x.com' }, { value: 'home@x.com', type: 'home' }])
  })

  it('refuses a POST or PUT with an entry without a value', async () => {
    const { request, id } = await aPerson()
    for (const [method, path] of [['POST', '/Users'], ['PUT', `/Users/${id}`]] as const) {
      const response = await request(method, path, aUser(method === 'POST' ? 'other@x.com' : 'pat@x.com', { phoneNumbers: [{ type: 'work' }] }))
      expect(response.status, method).toBe(400)
      expect(response.body).toMatchObject({ scimType: 'invalidValue', detail: 'each entry of phoneNumbers needs a "value" (phoneNumbers.value is required)' })
    }
  })

  it('still patches a user stored with a value-less entry before the rule, until the write touches that attribute', async () => {
    const { request, store } = await scimFixture()
    const user = await store.createUser('okta', { schemas: [userSchemaUrn], userName: 'old', emails: [{ type: 'work' }] }, { actor: 'test' })
    const apply = (...operations: unknown[]) => request('PATCH', `/Users/${user.id}`, patch(...operations))
    expect((await apply({ op: 'replace', path: 'active', value: false })).status).toBe(200)
    expect((await apply({ op: 'add', path: 'emails', value: [{ value: 'old@x.com' }] })).body.scimType).toBe('invalidValue')
    const fixed = await apply({ op: 'replace', path: 'emails', value: [{ value: 'old@x.com', type: 'work' }] })
    expect(fixed.status).toBe(200)
    expect(fixed.body).toMatchObject({ active: false, emails: [{ value: 'old@x.com', type: 'work' }] })
  })

  it('advertises value as required in /Schemas', async () => {
    const { request } = await scimFixture()
    const { body } = await request('GET', `/Schemas/${userSchemaUrn}`)
    const emails = body.attributes.find((attribute: Json) => attribute.name === 'emails')
    expect(emails.subAttributes.find((sub: Json) => sub.name === 'value')).toMatchObject({ required: true })
  })
})

describe('scim patch: attribute names with their core schema URN (RFC 7644 §3.10)', () => {
  async function aGroup() {
    const fixture = await scimFixture()
    const users: string[] = []
    for (const name of ['a', 'b']) users.push((await fixture.request('POST', '/Users', aUser(`${name}@x.com`))).body.id)
    const { body } = await fixture.request('POST', '/Groups', { schemas: [groupSchemaUrn], displayName: 'team' })
    const apply = (...operations: unknown[]) => fixture.request('PATCH', `/Groups/${body.id}`, patch(...operations))
    const read = async () => (await fixture.request('GET', `/Groups/${body.id}`)).body
    return { ...fixture, users, id: body.id as string, apply, read }
  }

  it('adds members named urn:…:Group:members in a path-less add (the QA shape)', async () => {
    const { apply, read, users } = await aGroup()
    const response = await apply({ op: 'add', value: { [`${groupSchemaUrn}:members`]: [{ value: users[0] }] } })
    expect(response.status).toBe(204)
    const group = await read()
    expect(group.members.map((member: Json) => member.value)).toEqual([users[0]])
    // The stored document did not grow a members array of its own.
    expect(Object.keys(group).filter((key) => key.toLowerCase().includes('members'))).toEqual(['members'])
  })

  it.each([
    ['a path-less replace', (users: string[]) => ({ op: 'replace', value: { [`${groupSchemaUrn}:members`]: [{ value: users[1] }] } }), 1],
    ['a remove naming the member in value (Entra)', (users: string[]) => ({ op: 'remove', path: `${groupSchemaUrn}:members`, value: [{ value: users[0] }] }), 0],
    ['a path', (users: string[]) => ({ op: 'add', path: `${groupSchemaUrn}:members`, value: [{ value: users[1] }] }), 2],
    ['a value-filter path', (users: string[]) => ({ op: 'remove', path: `${groupSchemaUrn}:members[value eq "${users[0]}"]` }), 0],
    ['an object under the core URN itself', (users: string[]) => ({ op: 'add', value: { [groupSchemaUrn]: { members: [{ value: users[1] }], displayName: 'renamed' } } }), 2],
    ['a full name inside that object', (users: string[]) => ({ op: 'add', value: { [groupSchemaUrn]: { [`${groupSchemaUrn}:members`]: [{ value: users[1] }] } } }), 2],
  ])('resolves urn:…:Group:members in %s', async (_name, operation, count) => {
    const { apply, read, users } = await aGroup()
    expect((await apply({ op: 'add', path: 'members', value: [{ value: users[0] }] })).status).toBe(204)
    expect((await apply(operation(users))).status).toBe(204)
    const group = await read()
    expect(group.members?.length ?? 0).toBe(count)
    expect(Object.keys(group).some((key) => key.startsWith(`${groupSchemaUrn}`))).toBe(false)
  })

  it('resolves core User attribute URNs in path-less values and in paths', async () => {
    const { apply, read } = await aPerson()
    const response = await apply(
      { op: 'replace', value: { [`${userSchemaUrn}:displayName`]: 'Pat', [`${userSchemaUrn}:name.givenName`]: 'Patricia', [`${userSchemaUrn}:active`]: 'False' } },
      { op: 'add', path: `${userSchemaUrn}:emails`, value: [{ value: 'home@x.com', type: 'home' }] },
      { op: 'replace', path: `${userSchemaUrn}:emails[type eq "home"].primary`, value: true },
      { op: 'add', value: { [userSchemaUrn]: { title: 'CTO' } } },
    )
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    const user = await read()
    expect(user).toMatchObject({ displayName: 'Pat', name: { givenName: 'Patricia' }, active: false, title: 'CTO' })
    expect(primaries(user)).toEqual(['home@x.com'])
    expect(user.schemas).toEqual([userSchemaUrn])
    expect(Object.keys(user).filter((key) => key.startsWith('urn:'))).toEqual([])
  })

  it('reads urn:…:User:id and urn:…:User:meta as id and meta: another id refused, meta in a value ignored', async () => {
    const { apply, read } = await aPerson()
    const before = await read()
    const moved = await apply({ op: 'replace', value: { [`${userSchemaUrn}:id`]: 'another-id' } })
    expect(moved.status).toBe(400)
    expect(moved.body.scimType).toBe('mutability')
    const ignored = await apply({ op: 'replace', value: { [`${userSchemaUrn}:meta`]: { created: 'x' } } })
    expect(ignored.status).toBe(200)
    expect(ignored.body.meta.created).toBe(before.meta.created)
  })

  it('reads the core URN alone in attributes and excludedAttributes as every core attribute', async () => {
    const { request, id } = await aPerson({ schemas: [userSchemaUrn, enterpriseUrn], [enterpriseUrn]: { department: 'Risk' } })
    const only = await request('GET', `/Users/${id}?attributes=${encodeURIComponent(userSchemaUrn)}`)
    expect(only.status).toBe(200)
    expect(only.body).toMatchObject({ id, userName: 'pat@x.com', active: true })
    expect(only.body[enterpriseUrn]).toBeUndefined()
    const without = await request('GET', `/Users/${id}?excludedAttributes=${encodeURIComponent(userSchemaUrn)}`)
    expect(without.status).toBe(200)
    expect(Object.keys(without.body).sort()).toEqual(['id', 'schemas', enterpriseUrn].sort())
  })

  it('files core-URN keys of a POST body as core attributes', async () => {
    const { request, users } = await aGroup()
    const created = await request('POST', '/Groups', { [`${groupSchemaUrn}:displayName`]: 'by-urn', [`${groupSchemaUrn}:members`]: [{ value: users[0] }] })
    expect(created.status).toBe(201)
    expect(created.body.displayName).toBe('by-urn')
    expect(created.body.members.map((member: Json) => member.value)).toEqual([users[0]])
  })
})

describe('scim patch: member sub-attributes', () => {
  async function aTeam() {
    const fixture = await scimFixture()
    const users: string[] = []
    for (const name of ['a', 'b']) users.push((await fixture.request('POST', '/Users', aUser(`${name}@x.com`))).body.id)
    const { body } = await fixture.request('POST', '/Groups', { displayName: 'team', members: users.map((value) => ({ value })) })
    const apply = (...operations: unknown[]) => fixture.request('PATCH', `/Groups/${body.id}`, patch(...operations))
    const read = async () => (await fixture.request('GET', `/Groups/${body.id}`)).body
    return { users, apply, read }
  }

  it.each([
    ['remove members[value eq "…"].display (the QA shape)', (id: string) => ({ op: 'remove', path: `members[value eq "${id}"].display` })],
    ['remove members[value eq "…"].value', (id: string) => ({ op: 'remove', path: `members[value eq "${id}"].value` })],
    ['replace members[value eq "…"].display', (id: string) => ({ op: 'replace', path: `members[value eq "${id}"].display`, value: 'x' })],
    ['replace members[value eq "…"]', (id: string) => ({ op: 'replace', path: `members[value eq "${id}"]`, value: { value: id } })],
    ['remove members.display', () => ({ op: 'remove', path: 'members.display' })],
    ['remove members.value', () => ({ op: 'remove', path: 'members.value' })],
  ])('refuses %s with 400 mutability and changes nothing', async (_name, operation) => {
    const { users, apply, read } = await aTeam()
    const before = await read()
    const response = await apply({ op: 'replace', path: 'displayName', value: 'renamed' }, operation(users[0] as string))
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('mutability')
    expect(await read()).toEqual(before)
  })

  it('still removes a whole member', async () => {
    const { users, apply, read } = await aTeam()
    expect((await apply({ op: 'remove', path: `members[value eq "${users[0]}"]` })).status).toBe(204)
    expect((await read()).members.map((member: Json) => member.value)).toEqual([users[1]])
  })
})

describe('scim patch: a whole extension as the path', () => {
  const withEnterprise = { schemas: [userSchemaUrn, enterpriseUrn], [enterpriseUrn]: { costCenter: 'C0', department: 'Risk', manager: { value: 'boss' } } }

  it('replaces the given sub-attributes and keeps the others (the QA shape)', async () => {
    const { apply, read } = await aPerson(withEnterprise)
    const response = await apply({ op: 'replace', path: enterpriseUrn, value: { costCenter: 'C1' } })
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    expect((await read())[enterpriseUrn]).toEqual({ costCenter: 'C1', department: 'Risk', manager: { value: 'boss' } })
  })

  it('removes the extension and its URN from schemas (the QA shape)', async () => {
    const { apply, read } = await aPerson(withEnterprise)
    const response = await apply({ op: 'remove', path: enterpriseUrn })
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    const user = await read()
    expect(user[enterpriseUrn]).toBeUndefined()
    expect(user.schemas).toEqual([userSchemaUrn])
  })

  it('adds the extension to a user without it, with its URN in schemas, in any case of the URN', async () => {
    const { apply, read } = await aPerson()
    const response = await apply({ op: 'add', path: enterpriseUrn.toUpperCase(), value: { department: 'Ops', employeeNumber: '7' } })
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    const user = await read()
    expect(user[enterpriseUrn]).toEqual({ department: 'Ops', employeeNumber: '7' })
    expect(user.schemas).toEqual([userSchemaUrn, enterpriseUrn])
  })

  it('clears the sub-attributes a replace sets to null, and drops an extension left empty', async () => {
    const { apply, read } = await aPerson({ schemas: [userSchemaUrn, enterpriseUrn], [enterpriseUrn]: { costCenter: 'C0' } })
    expect((await apply({ op: 'replace', path: enterpriseUrn, value: { costCenter: null } })).status).toBe(200)
    const user = await read()
    expect(user[enterpriseUrn]).toBeUndefined()
    expect(user.schemas).toEqual([userSchemaUrn])
  })

  it.each([
    ['a value that is not an object', { op: 'replace', path: enterpriseUrn, value: 'C1' }, 'invalidValue'],
    ['an unknown attribute inside it', { op: 'replace', path: enterpriseUrn, value: { shoeSize: 42 } }, 'invalidPath'],
  ])('refuses %s', async (_name, operation, scimType) => {
    const { apply, read } = await aPerson(withEnterprise)
    const before = await read()
    const response = await apply(operation)
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe(scimType)
    expect(await read()).toEqual(before)
  })

  it('removes an unknown extension stored whole', async () => {
    const custom = 'urn:example:ext:1.0:User'
    const { apply, read } = await aPerson({ schemas: [userSchemaUrn, custom], [custom]: { colour: 'red' } })
    expect((await apply({ op: 'remove', path: custom })).status).toBe(200)
    const user = await read()
    expect(user[custom]).toBeUndefined()
    expect(user.schemas).toEqual([userSchemaUrn])
  })
})
