import { describe, expect, it } from 'vitest'
import { aUser, enterpriseUrn, patch, scimFixture, type Json } from '../helpers/scim.js'

async function userWith(extra: Record<string, unknown> = {}) {
  const fixture = await scimFixture()
  const { body } = await fixture.request('POST', '/Users', {
    ...aUser('pat@example.com'),
    emails: [
      { value: 'pat@example.com', type: 'work', primary: true },
      { value: 'pat@home.example', type: 'home' },
    ],
    ...extra,
  })
  const apply = async (...operations: unknown[]) => {
    const response = await fixture.request('PATCH', `/Users/${body.id}`, patch(...operations))
    return response
  }
  return { ...fixture, id: body.id as string, apply }
}

describe('scim patch: users', () => {
  it.each([
    ['add a simple attribute', { op: 'add', path: 'title', value: 'CTO' }, (u: Json) => expect(u.title).toBe('CTO')],
    ['replace a simple attribute', { op: 'replace', path: 'displayName', value: 'Pat' }, (u: Json) => expect(u.displayName).toBe('Pat')],
    ['remove a simple attribute', { op: 'remove', path: 'active' }, (u: Json) => expect(u.active).toBeUndefined()],
    ['replace a sub-attribute', { op: 'replace', path: 'name.givenName', value: 'Patricia' }, (u: Json) => expect(u.name).toEqual({ givenName: 'Patricia', familyName: 'Test' })],
    ['add a sub-attribute', { op: 'add', path: 'name.middleName', value: 'Q' }, (u: Json) => expect(u.name.middleName).toBe('Q')],
    ['remove a sub-attribute', { op: 'remove', path: 'name.familyName' }, (u: Json) => expect(u.name).toEqual({ givenName: 'pat' })],
    ['merge a complex attribute', { op: 'replace', path: 'name', value: { familyName: 'New' } }, (u: Json) => expect(u.name).toEqual({ givenName: 'pat', familyName: 'New' })],
    [
      'add to a multi-valued attribute',
      { op: 'add', path: 'emails', value: [{ value: 'p@other.example', type: 'other' }] },
      (u: Json) => expect(u.emails.map((e: Json) => e.value)).toEqual(['pat@example.com', 'pat@home.example', 'p@other.example']),
    ],
    [
      'add an existing value once',
      { op: 'add', path: 'emails', value: [{ value: 'pat@home.example', type: 'home' }] },
      (u: Json) => expect(u.emails).toHaveLength(2),
    ],
    [
      'add a new primary value, demoting the old one',
      { op: 'add', path: 'emails', value: [{ value: 'new@example.com', type: 'work', primary: true }] },
      (u: Json) => expect(u.emails.filter((e: Json) => e.primary === true).map((e: Json) => e.value)).toEqual(['new@example.com']),
    ],
    ['replace a multi-valued attribute', { op: 'replace', path: 'emails', value: [{ value: 'only@example.com' }] }, (u: Json) => expect(u.emails).toEqual([{ value: 'only@example.com' }])],
    ['remove a multi-valued attribute', { op: 'remove', path: 'emails' }, (u: Json) => expect(u.emails).toBeUndefined()],
    [
      'replace through a value filter',
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'pat@new.example' },
      (u: Json) => expect(u.emails[0]).toEqual({ value: 'pat@new.example', type: 'work', primary: true }),
    ],
    [
      'replace a whole element through a value filter',
      { op: 'replace', path: 'emails[type eq "home"]', value: { value: 'h@example.com', type: 'home' } },
      (u: Json) => expect(u.emails[1]).toEqual({ value: 'h@example.com', type: 'home' }),
    ],
    [
      'add through a value filter that matches nothing (creates it)',
      { op: 'add', path: 'phoneNumbers[type eq "work"].value', value: '+1 555 0101' },
      (u: Json) => expect(u.phoneNumbers).toEqual([{ type: 'work', value: '+1 555 0101' }]),
    ],
    ['remove through a value filter', { op: 'remove', path: 'emails[type eq "home"]' }, (u: Json) => expect(u.emails.map((e: Json) => e.type)).toEqual(['work'])],
    ['remove a sub-attribute through a value filter', { op: 'remove', path: 'emails[type eq "work"].primary' }, (u: Json) => expect(u.emails[0]).toEqual({ value: 'pat@example.com', type: 'work' })],
    ['remove through a filter that matches nothing (no-op)', { op: 'remove', path: 'emails[type eq "pager"]' }, (u: Json) => expect(u.emails).toHaveLength(2)],
    ['set an extension attribute by URN path', { op: 'add', path: `${enterpriseUrn}:department`, value: 'Risk' }, (u: Json) => expect(u[enterpriseUrn]).toEqual({ department: 'Risk' })],
    ['set an extension sub-attribute by URN path', { op: 'replace', path: `${enterpriseUrn}:manager.value`, value: 'boss' }, (u: Json) => expect(u[enterpriseUrn]).toEqual({ manager: { value: 'boss' } })],
    ['replace without a path', { op: 'replace', value: { displayName: 'P', title: 'Dr' } }, (u: Json) => expect([u.displayName, u.title]).toEqual(['P', 'Dr'])],
    ['add without a path, nested extension object', { op: 'add', value: { [enterpriseUrn]: { costCenter: 'CC1' } } }, (u: Json) => expect(u[enterpriseUrn]).toEqual({ costCenter: 'CC1' })],
    ['add without a path, flattened URN key', { op: 'add', value: { [`${enterpriseUrn}:division`]: 'EMEA' } }, (u: Json) => expect(u[enterpriseUrn]).toEqual({ division: 'EMEA' })],
    ['attribute names in any case', { op: 'replace', path: 'NAME.GIVENNAME', value: 'Up' }, (u: Json) => expect(u.name.givenName).toBe('Up')],
    ['keep an unknown extension sent without a path', { op: 'add', value: { 'urn:example:ext:1.0:User': { colour: 'red' } } }, (u: Json) => expect(u['urn:example:ext:1.0:User']).toEqual({ colour: 'red' })],
  ])('%s', async (_name, operation, check) => {
    const { apply } = await userWith()
    const response = await apply(operation)
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    check(response.body)
  })

  it('applies several operations in order, atomically', async () => {
    const { apply, request, id } = await userWith()
    const ok = await apply({ op: 'add', path: 'title', value: 'A' }, { op: 'replace', path: 'title', value: 'B' })
    expect(ok.body.title).toBe('B')
    const bad = await apply({ op: 'replace', path: 'title', value: 'C' }, { op: 'replace', path: 'nosuch', value: 1 })
    expect(bad.status).toBe(400)
    expect(bad.body.scimType).toBe('invalidPath')
    expect((await request('GET', `/Users/${id}`)).body.title).toBe('B')
  })

  it.each([
    ['an unknown attribute', { op: 'replace', path: 'shoeSize', value: 1 }, 400, 'invalidPath'],
    ['a malformed filter in a path', { op: 'remove', path: 'emails[type eq ]' }, 400, 'invalidPath'],
    ['a filter on a simple attribute', { op: 'remove', path: 'title[value eq "x"]' }, 400, 'invalidPath'],
    ['replace through a filter matching nothing', { op: 'replace', path: 'emails[value co "nowhere"].type', value: 'x' }, 400, 'noTarget'],
    ['remove without a path', { op: 'remove' }, 400, 'noTarget'],
    ['add without a value', { op: 'add', path: 'title' }, 400, 'invalidValue'],
    ['an unknown op', { op: 'merge', path: 'title', value: 'x' }, 400, 'invalidSyntax'],
    ['a wrong type', { op: 'replace', path: 'active', value: 'perhaps' }, 400, 'invalidValue'],
    ['removing userName', { op: 'remove', path: 'userName' }, 400, 'invalidValue'],
  ])('refuses %s', async (_name, operation, status, scimType) => {
    const { apply } = await userWith()
    const response = await apply(operation)
    expect(response.status).toBe(status)
    expect(response.body.scimType).toBe(scimType)
  })

  it('refuses a body that is not a PatchOp', async () => {
    const { request, id } = await userWith()
    expect((await request('PATCH', `/Users/${id}`, { schemas: ['urn:wrong'], Operations: [{ op: 'add', path: 'title', value: 'x' }] })).body.scimType).toBe('invalidSyntax')
    expect((await request('PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [] })).body.scimType).toBe('invalidSyntax')
  })
})

describe('scim patch: groups', () => {
  async function groupWith(memberCount: number) {
    const fixture = await scimFixture()
    const ids: string[] = []
    for (let i = 0; i < memberCount; i++) ids.push((await fixture.request('POST', '/Users', aUser(`m${i}@example.com`))).body.id)
    const { body } = await fixture.request('POST', '/Groups', { displayName: 'team', members: ids.slice(0, 2).map((value) => ({ value })) })
    const members = async () => {
      const got = await fixture.request('GET', `/Groups/${body.id}`)
      return (got.body.members ?? []).map((member: { value: string }) => member.value).sort()
    }
    const apply = (...operations: unknown[]) => fixture.request('PATCH', `/Groups/${body.id}`, patch(...operations))
    return { ...fixture, ids, id: body.id as string, members, apply }
  }

  it('adds members with a path', async () => {
    const { apply, members, ids } = await groupWith(3)
    expect((await apply({ op: 'add', path: 'members', value: [{ value: ids[2] }] })).status).toBe(204)
    expect(await members()).toEqual([...ids].sort())
  })

  it('adds members without a path', async () => {
    const { apply, members, ids } = await groupWith(3)
    expect((await apply({ op: 'add', value: { members: [{ value: ids[2] }] } })).status).toBe(204)
    expect(await members()).toEqual([...ids].sort())
  })

  it('removes a member with a value-path filter', async () => {
    const { apply, members, ids } = await groupWith(2)
    expect((await apply({ op: 'remove', path: `members[value eq "${ids[0]}"]` })).status).toBe(204)
    expect(await members()).toEqual([ids[1]])
  })

  it('removes members named by a filter on their display name', async () => {
    const { apply, members, ids } = await groupWith(2)
    expect((await apply({ op: 'remove', path: 'members[display eq "m1@example.com"]' })).status).toBe(204)
    expect(await members()).toEqual([ids[0]])
  })

  it('removes all members', async () => {
    const { apply, members } = await groupWith(2)
    expect((await apply({ op: 'remove', path: 'members' })).status).toBe(204)
    expect(await members()).toEqual([])
  })

  it('replaces the member list', async () => {
    const { apply, members, ids } = await groupWith(3)
    expect((await apply({ op: 'replace', path: 'members', value: [{ value: ids[2] }] })).status).toBe(204)
    expect(await members()).toEqual([ids[2]])
  })

  it('treats adding an existing member and removing an absent one as successful no-ops', async () => {
    const { apply, members, ids } = await groupWith(3)
    expect((await apply({ op: 'add', path: 'members', value: [{ value: ids[0] }] })).status).toBe(204)
    expect((await apply({ op: 'remove', path: `members[value eq "${ids[2]}"]` })).status).toBe(204)
    expect((await apply({ op: 'remove', path: 'members[value eq "deleted-long-ago"]' })).status).toBe(204)
    expect(await members()).toEqual([ids[0], ids[1]].sort())
  })

  it('refuses an unknown user id with 400 invalidValue and changes nothing', async () => {
    const { apply, members, ids, request, id } = await groupWith(3)
    const response = await apply(
      { op: 'replace', path: 'displayName', value: 'renamed' },
      { op: 'add', path: 'members', value: [{ value: ids[2] }, { value: 'not-a-user' }] },
    )
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('invalidValue')
    expect(await members()).toEqual([ids[0], ids[1]].sort())
    expect((await request('GET', `/Groups/${id}`)).body.displayName).toBe('team')
  })

  it('refuses editing a member in place', async () => {
    const { apply, ids } = await groupWith(1)
    const response = await apply({ op: 'replace', path: `members[value eq "${ids[0]}"].display`, value: 'x' })
    expect(response.status).toBe(400)
    // RFC 7644 §3.5.2: not compatible with the sub-attribute's mutability (members.display is readOnly).
    expect(response.body.scimType).toBe('mutability')
  })
})
