// Request shapes as Okta and Microsoft Entra ID document them for their SCIM 2.0 clients.
import { describe, expect, it } from 'vitest'
import { enterpriseUrn, groupSchemaUrn, patchUrn, scimFixture, userSchemaUrn } from '../helpers/scim.js'

describe('okta habits', () => {
  const oktaUser = {
    schemas: [userSchemaUrn],
    userName: 'test.user@okta.local',
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
    displayName: 'Test User',
    locale: 'en-US',
    externalId: '00ujl29u0le5T6Aj10h7',
    groups: [],
    password: '1mz050nq',
    active: true,
  }

  it('looks the user up by userName before creating it', async () => {
    const { request } = await scimFixture()
    const before = await request('GET', '/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100')
    expect(before.status).toBe(200)
    expect(before.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] })
    const created = await request('POST', '/Users', oktaUser)
    expect(created.status).toBe(201)
    const after = await request('GET', '/Users?filter=userName%20eq%20%22TEST.USER%40okta.local%22&startIndex=1&count=100')
    expect(after.body.totalResults).toBe(1)
    expect(after.body.Resources[0].id).toBe(created.body.id)
    const plusEncoded = await request('GET', '/Users?filter=userName+eq+%22test.user%40okta.local%22')
    expect(plusEncoded.body.totalResults).toBe(1)
    const probe = await request('GET', '/Users?startIndex=1&count=2')
    expect(probe.status).toBe(200)
  })

  it('updates a whole user with PUT, and deactivates with PUT active=false', async () => {
    const { request, store } = await scimFixture()
    const { body: user } = await request('POST', '/Users', oktaUser)
    const put = await request('PUT', `/Users/${user.id}`, {
      schemas: [userSchemaUrn],
      id: user.id,
      userName: 'test.user@okta.local',
      name: { givenName: 'Another', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      active: true,
      groups: [],
      meta: { resourceType: 'User' },
    })
    expect(put.status).toBe(200)
    expect(put.body.name).toEqual({ givenName: 'Another', familyName: 'User' })
    expect(put.body.displayName).toBeUndefined()
    const off = await request('PUT', `/Users/${user.id}`, { ...put.body, active: false })
    expect(off.status).toBe(200)
    expect(off.body.active).toBe(false)
    expect((await store.snapshot()).users[0]?.active).toBe(false)
  })

  it('deactivates with PATCH {"active": false} and no path', async () => {
    const { request, store } = await scimFixture()
    const { body: user } = await request('POST', '/Users', oktaUser)
    const response = await request('PATCH', `/Users/${user.id}`, { schemas: [patchUrn], Operations: [{ op: 'replace', value: { active: false } }] })
    expect(response.status).toBe(200)
    expect(response.body.active).toBe(false)
    expect((await store.snapshot()).users.map((u) => u.active)).toEqual([false])
  })

  it('pushes a group, renames it, and changes many members at once', async () => {
    const { request, store } = await scimFixture()
    const ids: string[] = []
    for (let i = 0; i < 25; i++) ids.push((await request('POST', '/Users', { ...oktaUser, userName: `u${i}@okta.local`, externalId: `x${i}` })).body.id)
    const created = await request('POST', '/Groups', { schemas: [groupSchemaUrn], displayName: 'Test SCIMv2', members: [] })
    expect(created.status).toBe(201)
    const group = created.body
    const renamed = await request('PATCH', `/Groups/${group.id}`, {
      schemas: [patchUrn],
      Operations: [{ op: 'replace', value: { id: group.id, displayName: 'Test SCIMv2 renamed' } }],
    })
    expect(renamed.status).toBe(204)
    const added = await request('PATCH', `/Groups/${group.id}`, {
      schemas: [patchUrn],
      Operations: [{ op: 'add', path: 'members', value: ids.map((value, i) => ({ value, display: `u${i}@okta.local` })) }],
    })
    expect(added.status).toBe(204)
    const removed = await request('PATCH', `/Groups/${group.id}`, {
      schemas: [patchUrn],
      Operations: ids.slice(0, 10).map((value) => ({ op: 'remove', path: `members[value eq "${value}"]` })),
    })
    expect(removed.status).toBe(204)
    const got = await request('GET', `/Groups/${group.id}`)
    expect(got.body.displayName).toBe('Test SCIMv2 renamed')
    expect(got.body.members).toHaveLength(15)
    expect((await store.snapshot()).memberships).toHaveLength(15)
    const found = await request('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Test SCIMv2 renamed"')}&startIndex=1&count=100`)
    expect(found.body.totalResults).toBe(1)
  })
})

describe('entra habits', () => {
  const entraUser = {
    schemas: [userSchemaUrn, enterpriseUrn],
    externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
    userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@testuser.com',
    active: true,
    emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
    [enterpriseUrn]: { employeeNumber: '701984', department: 'Tour Operations' },
  }

  it('creates and finds a user with ?aadOptscim062020=true', async () => {
    const { request } = await scimFixture(['entra'])
    const created = await request('POST', '/Users?aadOptscim062020=true', entraUser)
    expect(created.status).toBe(201)
    const filter = encodeURIComponent(`userName eq "${entraUser.userName}"`)
    const found = await request('GET', `/Users?aadOptscim062020=true&filter=${filter}`)
    expect(found.body.totalResults).toBe(1)
    const byExternalId = await request('GET', `/Users?filter=${encodeURIComponent(`externalId eq "${entraUser.externalId}"`)}`)
    expect(byExternalId.body.totalResults).toBe(1)
  })

  it('sends capitalised ops, string booleans, filtered paths and enterprise paths', async () => {
    const { request } = await scimFixture(['entra'])
    const { body: user } = await request('POST', '/Users', entraUser)
    const response = await request('PATCH', `/Users/${user.id}?aadOptscim062020=true`, {
      schemas: [patchUrn],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        { op: 'Add', path: 'nickName', value: 'Babs' },
        { op: 'Add', path: `${enterpriseUrn}:manager`, value: '37589' },
        { op: 'Replace', path: 'active', value: 'False' },
      ],
    })
    expect(response.status).toBe(200)
    expect(response.body.emails[0].value).toBe('updatedEmail@microsoft.com')
    expect(response.body.name.familyName).toBe('updatedFamilyName')
    expect(response.body.nickName).toBe('Babs')
    expect(response.body[enterpriseUrn].manager).toEqual({ value: '37589' })
    expect(response.body.active).toBe(false)
  })

  it('replaces without a path using dotted keys and string booleans', async () => {
    const { request } = await scimFixture(['entra'])
    const { body: user } = await request('POST', '/Users', entraUser)
    const response = await request('PATCH', `/Users/${user.id}`, {
      schemas: [patchUrn],
      Operations: [
        {
          op: 'Replace',
          value: {
            'name.givenName': 'Alba',
            'name.familyName': 'Zhou',
            'emails[type eq "work"].value': 'alba@contoso.example',
            [`${enterpriseUrn}:department`]: 'Finance',
            active: 'True',
          },
        },
      ],
    })
    expect(response.status).toBe(200)
    expect(response.body.name).toMatchObject({ givenName: 'Alba', familyName: 'Zhou' })
    expect(response.body.emails[0].value).toBe('alba@contoso.example')
    expect(response.body[enterpriseUrn].department).toBe('Finance')
    expect(response.body.active).toBe(true)
  })

  it('keeps custom extension attributes sent under a URN that "schemas" does not list, and lists it', async () => {
    // Entra sends an app's custom attributes as flattened `urn:…:attr` keys, on create as on update, without adding
    // their schema to "schemas"; servers that refuse them break provisioning.
    const custom = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User'
    const { request } = await scimFixture(['entra'])
    const created = await request('POST', '/Users', { ...entraUser, [`${custom}:costCenter`]: 'CC-1' })
    expect(created.status).toBe(201)
    expect(created.body[custom]).toEqual({ costCenter: 'CC-1' })
    expect(created.body.schemas).toContain(custom)
    const other = 'urn:ietf:params:scim:schemas:extension:Contoso:2.0:User'
    const patched = await request('PATCH', `/Users/${created.body.id}`, {
      schemas: [patchUrn],
      Operations: [
        { op: 'Add', path: `${other}:badge`, value: '1234' },
        { op: 'Replace', value: { [`${custom}:costCenter`]: 'CC-2' } },
      ],
    })
    expect(patched.status).toBe(200)
    expect(patched.body[custom]).toEqual({ costCenter: 'CC-2' })
    expect(patched.body[other]).toEqual({ badge: '1234' })
    expect(patched.body.schemas).toEqual(expect.arrayContaining([userSchemaUrn, enterpriseUrn, custom, other]))
  })

  it('disables a user with "Replace" active "False"', async () => {
    const { request, store } = await scimFixture(['entra'])
    const { body: user } = await request('POST', '/Users', entraUser)
    const response = await request('PATCH', `/Users/${user.id}`, { schemas: [patchUrn], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] })
    expect(response.status).toBe(200)
    expect((await store.snapshot()).users[0]?.active).toBe(false)
  })

  it('reads groups with excludedAttributes=members and removes members named in value', async () => {
    const { request, store } = await scimFixture(['entra'])
    const a = (await request('POST', '/Users', entraUser)).body.id
    const b = (await request('POST', '/Users', { ...entraUser, userName: 'second@testuser.com', externalId: 'e2' })).body.id
    const created = await request('POST', '/Groups', { schemas: [groupSchemaUrn], externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'displayName', meta: { resourceType: 'Group' } })
    expect(created.status).toBe(201)
    const id = created.body.id
    const found = await request('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "displayName"')}`)
    expect(found.body.Resources).toHaveLength(1)
    expect(found.body.Resources[0].members).toBeUndefined()
    expect((await request('PATCH', `/Groups/${id}`, { schemas: [patchUrn], Operations: [{ op: 'Add', path: 'members', value: [{ value: a }, { value: b }] }] })).status).toBe(204)
    expect((await request('PATCH', `/Groups/${id}`, { schemas: [patchUrn], Operations: [{ op: 'Remove', path: 'members', value: [{ value: a }] }] })).status).toBe(204)
    expect((await store.snapshot()).memberships.map((m) => m.userId)).toEqual([b])
    const single = await request('GET', `/Groups/${id}?excludedAttributes=members`)
    expect(single.body).toMatchObject({ id, displayName: 'displayName', externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159' })
    expect(single.body.members).toBeUndefined()
    expect((await request('PATCH', `/Groups/${id}`, { schemas: [patchUrn], Operations: [{ op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }] })).status).toBe(204)
    expect((await request('DELETE', `/Groups/${id}`)).status).toBe(204)
  })
})
