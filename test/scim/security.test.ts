import { describe, expect, it } from 'vitest'
import { activeMemberships } from '../../src/store/store.js'
import { aUser, patch, scimFixture } from '../helpers/scim.js'

describe('scim security', () => {
  it.each([
    ['no header', {}],
    ['a wrong token', { authorization: 'Bearer rcs_not-a-real-token' }],
    ['another scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('answers 401 with WWW-Authenticate for %s', async (_case, headers) => {
    const { app } = await scimFixture()
    for (const path of ['/Users', '/Groups', '/Users/x', '/Groups/x/', '/Users/.search']) {
      const response = await app.request(`http://localhost/scim/v2${path}`, { headers })
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
      expect(await response.json()).toMatchObject({ status: '401' })
    }
  })

  it('refuses a revoked token', async () => {
    const { store, app } = await scimFixture()
    const { token, info } = await store.createToken('okta')
    expect((await app.request('http://localhost/scim/v2/Users', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    await store.revokeToken(info.id)
    expect((await app.request('http://localhost/scim/v2/Users', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)
  })

  it('keeps each connection to its own users and groups (404, not 403)', async () => {
    const { clients } = await scimFixture(['okta', 'entra'])
    const okta = clients['okta']!
    const entra = clients['entra']!
    const { body: user } = await okta.request('POST', '/Users', aUser('shared@example.com'))
    const { body: group } = await okta.request('POST', '/Groups', { displayName: 'okta-only', members: [{ value: user.id }] })
    expect((await entra.request('GET', `/Users/${user.id}`)).status).toBe(404)
    expect((await entra.request('GET', `/Groups/${group.id}`)).status).toBe(404)
    expect((await entra.request('PUT', `/Users/${user.id}`, aUser('shared@example.com'))).status).toBe(404)
    expect((await entra.request('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'active', value: false }))).status).toBe(404)
    expect((await entra.request('DELETE', `/Users/${user.id}`)).status).toBe(404)
    expect((await entra.request('DELETE', `/Groups/${group.id}`)).status).toBe(404)
    expect((await entra.request('GET', '/Users')).body.totalResults).toBe(0)
    expect((await entra.request('GET', `/Groups?filter=${encodeURIComponent(`members[value eq "${user.id}"]`)}`)).body.totalResults).toBe(0)
    // The same userName may exist in another connection; the other connection's users cannot be members.
    const { body: own } = await entra.request('POST', '/Users', aUser('shared@example.com'))
    expect(own.id).not.toBe(user.id)
    const borrowed = await entra.request('POST', '/Groups', { displayName: 'entra', members: [{ value: user.id }] })
    expect(borrowed.status).toBe(400)
    expect(borrowed.body.scimType).toBe('invalidValue')
    expect((await okta.request('GET', `/Users/${user.id}`)).body.active).toBe(true)
  })

  it('gives deactivated and deleted users no memberships in effective access', async () => {
    const { request, store } = await scimFixture()
    const ids: string[] = []
    for (const name of ['stay', 'leave', 'gone']) ids.push((await request('POST', '/Users', aUser(`${name}@example.com`))).body.id)
    const { body: group } = await request('POST', '/Groups', { displayName: 'security-admins', members: ids.map((value) => ({ value })) })
    await request('PATCH', `/Users/${ids[1]}`, patch({ op: 'replace', value: { active: false } }))
    await request('DELETE', `/Users/${ids[2]}`)
    const snapshot = await store.snapshot()
    expect(snapshot.memberships.map((m) => m.userId).sort()).toEqual([ids[0], ids[1]].sort())
    expect(activeMemberships(snapshot)).toEqual([{ groupId: group.id, userId: ids[0] }])
  })

  it('ignores tenant headers', async () => {
    const { clients } = await scimFixture(['okta', 'entra'])
    const { body: user } = await clients['okta']!.request('POST', '/Users', aUser('t@example.com'))
    for (const header of ['x-tenant-id', 'x-connection', 'x-scim-connection']) {
      const response = await clients['entra']!.request('GET', `/Users/${user.id}`, undefined, { [header]: 'okta' })
      expect(response.status).toBe(404)
    }
  })

  it('refuses oversized bodies with 413', async () => {
    const { request } = await scimFixture()
    const huge = { ...aUser('big@example.com'), title: 'x'.repeat(5 * 1024 * 1024) }
    const response = await request('POST', '/Users', huge)
    expect(response.status).toBe(413)
    expect(response.body).toMatchObject({ status: '413' })
  })

  it('refuses too many PATCH operations', async () => {
    const { request } = await scimFixture()
    const { body: user } = await request('POST', '/Users', aUser('ops@example.com'))
    const operations = Array.from({ length: 1001 }, () => ({ op: 'replace', path: 'title', value: 'x' }))
    const response = await request('PATCH', `/Users/${user.id}`, patch(...operations))
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('tooMany')
  })

  it('answers unknown SCIM paths with a SCIM 404', async () => {
    const { request } = await scimFixture()
    const response = await request('GET', '/Devices')
    expect(response.status).toBe(404)
    expect(response.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error'])
  })
})
