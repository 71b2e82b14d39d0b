// A group's members read back as written: `display` is the server's, declared readOnly, and the same in every read (RFC 7643 §4.2).
import { describe, expect, it } from 'vitest'
import { aUser, groupSchemaUrn, patch, scimFixture, type Json } from '../helpers/scim.js'

async function aTeam() {
  const fixture = await scimFixture()
  const ann = (await fixture.request('POST', '/Users', aUser('ann@x.com', { displayName: 'Ann Example' }))).body.id as string
  const bob = (await fixture.request('POST', '/Users', aUser('bob@x.com'))).body.id as string
  // Okta sends each member's login as its display; rolecall does not keep it.
  const created = await fixture.request('POST', '/Groups', {
    schemas: [groupSchemaUrn],
    displayName: 'team',
    members: [
      { value: ann, display: 'ann-login-at-okta' },
      { value: bob, display: 'Someone Else' },
    ],
  })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  const member = (id: string, display: string) => ({ value: id, display, $ref: `http://localhost/scim/v2/Users/${id}`, type: 'User' })
  // What every read returns: display is the member's displayName, or its userName when it has none.
  const members = [member(ann, 'Ann Example'), member(bob, 'bob@x.com')]
  return { ...fixture, ann, bob, group: created.body as Json, members }
}

const search = (body: Record<string, unknown>) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], ...body })

describe('scim group members (RFC 7643 §4.2)', () => {
  it('declares members.display readOnly, and the other sub-attributes immutable, in /Schemas', async () => {
    const { app } = await scimFixture()
    const schema = (await (await app.request(`http://localhost/scim/v2/Schemas/${groupSchemaUrn}`)).json()) as Json
    const members = schema.attributes.find((attribute: Json) => attribute.name === 'members')
    expect(members).toMatchObject({ type: 'complex', multiValued: true, mutability: 'readWrite', returned: 'default' })
    expect(Object.fromEntries(members.subAttributes.map((sub: Json) => [sub.name, sub.mutability]))).toEqual({
      value: 'immutable',
      $ref: 'immutable',
      display: 'readOnly',
      type: 'immutable',
    })
  })

  it('returns the same members, with the server\'s display, from POST, GET, list, .search, PUT and PATCH', async () => {
    const { request, group, members, ann, bob } = await aTeam()
    expect(group.members).toEqual(members)
    expect((await request('GET', `/Groups/${group.id}`)).body.members).toEqual(members)
    expect((await request('GET', `/Groups?filter=${encodeURIComponent('displayName eq "team"')}`)).body.Resources[0].members).toEqual(members)
    expect((await request('POST', '/Groups/.search', search({ filter: 'displayName eq "team"' }))).body.Resources[0].members).toEqual(members)
    const put = await request('PUT', `/Groups/${group.id}`, { displayName: 'team', members: [{ value: ann, display: 'typed by hand' }, { value: bob }] })
    expect(put.status).toBe(200)
    expect(put.body.members).toEqual(members)
    const patched = await request('PATCH', `/Groups/${group.id}?attributes=members`, patch({ op: 'add', path: 'members', value: [{ value: ann, display: 'again' }] }))
    expect(patched.status).toBe(200)
    expect(patched.body.members).toEqual(members)
  })

  it.each([
    ['attributes=members', (members: Json[]) => members],
    ['attributes=members.display', (members: Json[]) => members.map((member) => ({ display: member.display }))],
    ['attributes=members.value', (members: Json[]) => members.map((member) => ({ value: member.value }))],
    ['excludedAttributes=members.display', (members: Json[]) => members.map(({ display: _display, ...rest }) => rest)],
  ])('projects members with %s alike in GET, list and .search', async (query, expected) => {
    const { request, group, members } = await aTeam()
    const [name, value] = query.split('=') as [string, string]
    expect((await request('GET', `/Groups/${group.id}?${query}`)).body.members).toEqual(expected(members))
    expect((await request('GET', `/Groups?${query}`)).body.Resources[0].members).toEqual(expected(members))
    expect((await request('POST', '/Groups/.search', search({ [name]: [value] }))).body.Resources[0].members).toEqual(expected(members))
  })

  it('filters on the display it returns, not on the one a client sent', async () => {
    const { request, group } = await aTeam()
    const found = await request('GET', `/Groups?filter=${encodeURIComponent('members.display eq "Ann Example"')}&attributes=displayName`)
    expect(found.body.Resources.map((item: Json) => item.id)).toEqual([group.id])
    const sent = await request('GET', `/Groups?filter=${encodeURIComponent('members[display eq "ann-login-at-okta"]')}&attributes=displayName`)
    expect(sent.body.totalResults).toBe(0)
  })

  it('shows a member\'s display as the member is now named', async () => {
    const { request, group, ann } = await aTeam()
    expect((await request('PATCH', `/Users/${ann}`, patch({ op: 'replace', path: 'displayName', value: 'Ann Renamed' }))).status).toBe(200)
    const read = await request('GET', `/Groups/${group.id}?attributes=members.display`)
    expect(read.body.members).toEqual([{ display: 'Ann Renamed' }, { display: 'bob@x.com' }])
  })

  it('refuses to write a member\'s display, which is readOnly, with 400 mutability', async () => {
    const { request, group, ann, members } = await aTeam()
    const response = await request('PATCH', `/Groups/${group.id}`, patch({ op: 'replace', path: `members[value eq "${ann}"].display`, value: 'mine' }))
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('mutability')
    expect((await request('GET', `/Groups/${group.id}`)).body.members).toEqual(members)
  })
})
