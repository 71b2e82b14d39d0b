import { describe, expect, it } from 'vitest'
import { createScimApp } from '../../src/scim/app.js'
import type { Store } from '../../src/store/store.js'
import { aUser, groupSchemaUrn, patch, scimFixture } from '../helpers/scim.js'

async function withUsers(count: number) {
  const fixture = await scimFixture()
  const ids: string[] = []
  for (let i = 0; i < count; i++) ids.push((await fixture.request('POST', '/Users', aUser(`member${i}@example.com`))).body.id)
  return { ...fixture, ids }
}

function memberValues(group: { members?: { value: string }[] }): string[] {
  return (group.members ?? []).map((member) => member.value).sort()
}

describe('scim groups', () => {
  it('creates a group with members, 201 and Location', async () => {
    const { request, ids } = await withUsers(2)
    const created = await request('POST', '/Groups', { schemas: [groupSchemaUrn], displayName: 'checkout-team', externalId: 'okta-123', members: ids.map((value) => ({ value })) })
    expect(created.status).toBe(201)
    expect(created.headers.get('location')).toBe(`http://localhost/scim/v2/Groups/${created.body.id}`)
    expect(created.body).toMatchObject({ schemas: [groupSchemaUrn], displayName: 'checkout-team', externalId: 'okta-123', meta: { resourceType: 'Group' } })
    expect(memberValues(created.body)).toEqual([...ids].sort())
    expect(created.body.members[0]).toMatchObject({ display: 'member0@example.com', type: 'User', $ref: `http://localhost/scim/v2/Users/${ids[0]}` })
  })

  it('refuses a duplicate displayName with 409 uniqueness', async () => {
    const { request } = await scimFixture()
    await request('POST', '/Groups', { displayName: 'Support Tier 2' })
    const duplicate = await request('POST', '/Groups', { displayName: 'support tier 2' })
    expect(duplicate.status).toBe(409)
    expect(duplicate.body.scimType).toBe('uniqueness')
  })

  it('refuses members that are not users of this connection with 400 invalidValue, creating nothing', async () => {
    const { request, store } = await scimFixture()
    const response = await request('POST', '/Groups', { displayName: 'ghosts', members: [{ value: 'no-such-user' }] })
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('invalidValue')
    expect((await store.snapshot()).groups).toEqual([])
    const nested = await request('POST', '/Groups', { displayName: 'nested', members: [{ value: 'x', type: 'Group' }] })
    expect(nested.body.scimType).toBe('invalidValue')
  })

  it('reads a group without touching members when members are excluded', async () => {
    const { request, ids } = await withUsers(1)
    const { body: group } = await request('POST', '/Groups', { displayName: 'eng', members: [{ value: ids[0] }] })
    const got = await request('GET', `/Groups/${group.id}?excludedAttributes=members`)
    expect(got.body.members).toBeUndefined()
    expect(got.body.displayName).toBe('eng')
    const listed = await request('GET', '/Groups?excludedAttributes=members')
    expect(listed.body.Resources[0].members).toBeUndefined()
    const withMembers = await request('GET', `/Groups/${group.id}`)
    expect(memberValues(withMembers.body)).toEqual([ids[0]])
  })

  it('never asks the store for members when they are excluded or not requested', async () => {
    const { store, request, ids } = await withUsers(1)
    const { body: group } = await request('POST', '/Groups', { displayName: 'spied', members: [{ value: ids[0] }] })
    const memberReads: boolean[] = []
    // The real store, with its member-reading calls recorded.
    const spied = new Proxy(store, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver)
        if (key === 'getGroup' || key === 'listGroups') {
          return (...args: unknown[]) => {
            memberReads.push(args[2] === true)
            return (value as (...a: unknown[]) => unknown).apply(target, args)
          }
        }
        return typeof value === 'function' ? value.bind(target) : value
      },
    }) as Store
    const { token } = await store.createToken('okta')
    const app = createScimApp({ store: spied })
    const get = (path: string) => app.request(`http://localhost/scim/v2${path}`, { headers: { authorization: `Bearer ${token}` } })
    await get(`/Groups/${group.id}?excludedAttributes=members`)
    await get('/Groups?excludedAttributes=members')
    await get(`/Groups?attributes=displayName&filter=${encodeURIComponent('displayName eq "spied"')}`)
    expect(memberReads).toEqual([false, false, false])
    await get(`/Groups/${group.id}`)
    expect(memberReads).toEqual([false, false, false, true])
  })

  it('replaces a group with PUT, members included', async () => {
    const { request, ids } = await withUsers(3)
    const { body: group } = await request('POST', '/Groups', { displayName: 'ops', members: [{ value: ids[0] }, { value: ids[1] }] })
    const replaced = await request('PUT', `/Groups/${group.id}`, { schemas: [groupSchemaUrn], id: group.id, displayName: 'ops-renamed', members: [{ value: ids[2] }] })
    expect(replaced.status).toBe(200)
    expect(replaced.body.displayName).toBe('ops-renamed')
    expect(memberValues(replaced.body)).toEqual([ids[2]])
  })

  it('deletes a group and its memberships', async () => {
    const { request, ids, store } = await withUsers(1)
    const { body: group } = await request('POST', '/Groups', { displayName: 'temp', members: [{ value: ids[0] }] })
    expect((await request('DELETE', `/Groups/${group.id}`)).status).toBe(204)
    expect((await request('GET', `/Groups/${group.id}`)).status).toBe(404)
    expect((await store.snapshot()).memberships).toEqual([])
  })

  it('answers group PATCH with 204 and the new ETag, or 200 when attributes are asked for', async () => {
    const { request, ids } = await withUsers(1)
    const { body: group } = await request('POST', '/Groups', { displayName: 'g' })
    const plain = await request('PATCH', `/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: ids[0] }] }))
    expect(plain.status).toBe(204)
    expect(plain.headers.get('etag')).toBe('W/"2"')
    const asked = await request('PATCH', `/Groups/${group.id}?attributes=displayName,members`, patch({ op: 'replace', path: 'displayName', value: 'h' }))
    expect(asked.status).toBe(200)
    expect(asked.body).toMatchObject({ displayName: 'h', members: [{ value: ids[0] }] })
  })

  it('lists groups by member with members[value eq] and members.value', async () => {
    const { request, ids } = await withUsers(2)
    const { body: a } = await request('POST', '/Groups', { displayName: 'a', members: [{ value: ids[0] }] })
    await request('POST', '/Groups', { displayName: 'b', members: [{ value: ids[1] }] })
    for (const filter of [`members[value eq "${ids[0]}"]`, `members.value eq "${ids[0]}"`, `members eq "${ids[0]}"`]) {
      const found = await request('GET', `/Groups?filter=${encodeURIComponent(filter)}&excludedAttributes=members`)
      expect(found.body.Resources.map((group: { id: string }) => group.id), filter).toEqual([a.id])
    }
    const byDisplay = await request('GET', `/Groups?filter=${encodeURIComponent('members[display sw "member1"]')}`)
    expect(byDisplay.body.Resources.map((group: { displayName: string }) => group.displayName)).toEqual(['b'])
  })
})
