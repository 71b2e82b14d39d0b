// The admin API's explain and who-can refuse questions about what nothing declares (400) and users nobody knows
// (404), as the CLI does; GET /users/:user/access answers 404 for an unknown user. The check API is unchanged:
// an application asking about anything no file grants is denied.
import { beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../src/server/api.js'
import type { Store } from '../../src/store/store.js'
import { applyExampleAccess } from '../helpers/apply-example.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { deactivateUser, provisionGroup, provisionUser } from '../helpers/provision.js'
import { scimFixture } from '../helpers/scim.js'

let store: Store
let app: ReturnType<typeof createApiApp>
let planToken: string
let checkToken: string
const unknownUser = (user: string) => `unknown user "${user}": no connection has provisioned them and no group, Grant or break-glass grant names them (applied revision r1)`

beforeAll(async () => {
  const fixture = await scimFixture(['okta'])
  store = fixture.store
  const okta = fixture.client
  const ids: Record<string, string> = {}
  for (const name of ['sam', 'sasha', 'idle', 'gone']) ids[name] = await provisionUser(okta, `${name}@acme.example`)
  await provisionGroup(okta, 'support-tier-2', [ids.sam ?? '', ids.gone ?? ''])
  await provisionGroup(okta, 'security-admins', [ids.sasha ?? ''])
  await deactivateUser(okta, ids.gone ?? '')
  await applyExampleAccess(store)
  await store.addBreakGlass({ user: 'oncall@acme.example', actions: ['read'], resource: 'secret:checkout/stripe-key', reason: 'INC-9', expires: '2026-11-24T00:00:00Z', createdBy: 'test' })
  planToken = (await store.createAdminToken(['plan'])).token
  checkToken = (await store.createAdminToken(['check'])).token
  app = createApiApp({ store, clock: () => fixtureNow })
})

async function post(path: string, body: unknown, target = app) {
  const response = await target.request(`http://localhost/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${planToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function accessOf(user: string, target = app) {
  const response = await target.request(`http://localhost/api/v1/users/${encodeURIComponent(user)}/access`, { headers: { authorization: `Bearer ${checkToken}` } })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe('POST /api/v1/who-can and /explain about things nothing declares', () => {
  it.each([
    ['/who-can', { permission: 'sso:mange' }, 'unknown permission "sso:mange"; did you mean "sso:manage"?'],
    ['/who-can', { action: 'fly', resource: 'journey:checkout/x' }, 'unknown action "fly": not an action of resource type "journey" (its actions: delete, edit, run)'],
    ['/who-can', { action: 'run', resource: 'jurney:checkout/x' }, 'unknown resource type "jurney" in resource "jurney:checkout/x"; did you mean "journey"?'],
    ['/who-can', { action: 'run', resource: 'journey:chekout/x' }, 'unknown service "chekout" in resource "journey:chekout/x"; did you mean "checkout"?'],
    ['/who-can', { action: 'run', resource: 'journey:checkout/x', env: 'prod' }, 'unknown environment "prod" (environments: development, production, staging)'],
    ['/explain', { user: 'sasha@acme.example', permission: 'sso:mange' }, 'unknown permission "sso:mange"; did you mean "sso:manage"?'],
    ['/explain', { user: 'sasha@acme.example', action: 'fly', resource: 'journey:checkout/x' }, 'unknown action "fly": not an action of resource type "journey" (its actions: delete, edit, run)'],
  ])('POST %s %j answers 400', async (path, body, error) => {
    expect(await post(path, body)).toEqual({ status: 400, body: { error } })
  })

  it('answers what exists', async () => {
    const whoCan = await post('/who-can', { permission: 'sso:manage' })
    expect(whoCan.status).toBe(200)
    expect((whoCan.body.users as { user: string }[]).map((entry) => entry.user)).toContain('sasha@acme.example')
    expect(await post('/who-can', { action: 'delete', resource: 'journey:checkout/x', env: 'production' })).toEqual({
      status: 200,
      body: { source: 'applied revision r1', users: [], provenance: expect.objectContaining({ memberships: [] }) },
    })
  })
})

describe('POST /api/v1/explain about users', () => {
  it('answers 404 for a user nobody knows', async () => {
    expect(await post('/explain', { user: 'nobody@acme.example' })).toEqual({ status: 404, body: { error: unknownUser('nobody@acme.example') } })
    expect(await post('/explain', { user: 'nobody@acme.example', permission: 'sso:manage' })).toEqual({ status: 404, body: { error: unknownUser('nobody@acme.example') } })
  })

  it('answers for a known user with no access, and for a deactivated one', async () => {
    expect(await post('/explain', { user: 'idle@acme.example' })).toEqual({
      status: 200,
      body: {
        source: 'applied revision r1',
        user: 'idle@acme.example',
        connections: ['okta', 'entra'],
        subject: 'idle@acme.example through okta, entra',
        inactive: false,
        holdings: [],
        provenance: expect.objectContaining({ memberships: [] }),
      },
    })
    expect(await post('/explain', { user: 'gone@acme.example' })).toEqual({
      status: 200,
      body: {
        source: 'applied revision r1',
        user: 'gone@acme.example',
        connections: ['okta', 'entra'],
        subject: 'gone@acme.example through okta, entra',
        inactive: true,
        holdings: [],
        provenance: expect.objectContaining({ memberships: [] }),
      },
    })
  })
})

describe('GET /api/v1/users/:user/access', () => {
  it('answers 404 for a user nobody knows', async () => {
    expect(await accessOf('nobody@acme.example')).toEqual({ status: 404, body: { error: unknownUser('nobody@acme.example') } })
  })

  it('keeps answering for a known user with no access, and tells a deactivated one apart', async () => {
    expect(await accessOf('idle@acme.example')).toEqual({ status: 200, body: { user: 'idle@acme.example', active: true, revision: 'r1', holdings: [] } })
    expect(await accessOf('gone@acme.example')).toEqual({ status: 200, body: { user: 'gone@acme.example', active: false, revision: 'r1', holdings: [] } })
  })

  it('knows users only the access files or a break-glass grant name, once what they held has expired', async () => {
    // dana's individual Grant ended on 2027-01-31, oncall's break-glass grant on 2026-11-24; breakglass-1 is listed in a group.
    const later = createApiApp({ store, clock: () => new Date('2027-02-01T00:00:00Z') })
    for (const user of ['dana@acme.example', 'oncall@acme.example']) {
      expect(await accessOf(user, later)).toEqual({ status: 200, body: { user, active: true, revision: 'r1', holdings: [] } })
    }
    expect((await accessOf('breakglass-1@acme.example', later)).status).toBe(200)
    expect((await accessOf('nobody@acme.example', later)).status).toBe(404)
  })
})

describe('POST /api/v1/check is unchanged', () => {
  it.each([
    { user: 'nobody@acme.example', permission: 'sso:manage' },
    { user: 'sasha@acme.example', permission: 'sso:mange', authMethod: 'sso' },
    { user: 'sam@acme.example', action: 'fly', resource: 'journey:checkout/x' },
  ])('denies %j', async (body) => {
    expect(await check(body)).toEqual({ status: 200, body: expect.objectContaining({ allowed: false }) })
  })

  it('answers for a service no file declares by the grants whose globs match it', async () => {
    // who-can refuses this question (unknown service "chekout"); an application is answered by sam's journey:*/diagnostic-* grant.
    expect(await check({ user: 'sam@acme.example', action: 'run', resource: 'journey:chekout/diagnostic-login' })).toEqual({ status: 200, body: expect.objectContaining({ allowed: true }) })
  })
})

async function check(body: unknown) {
  const response = await app.request('http://localhost/api/v1/check', { method: 'POST', headers: { authorization: `Bearer ${checkToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}
