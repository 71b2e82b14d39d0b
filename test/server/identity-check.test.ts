// The check, access and explain APIs where okta and entra are not merged: the same userName through each is
// another person, a question names the connection, and an ambiguous one is refused, never answered with both.
import { beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../src/server/api.js'
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { applyExampleAccess } from '../helpers/apply-example.js'
import { fixtureNow, fixturesDir } from '../helpers/fixtures.js'
import { provisionGroup, provisionUser } from '../helpers/provision.js'
import { scimFixture } from '../helpers/scim.js'

let store: SqliteStore
let checkToken: string
let planToken: string
let app: ReturnType<typeof createApiApp>

beforeAll(async () => {
  const fixture = await scimFixture(['okta', 'entra'])
  store = fixture.store
  const okta = fixture.clients.okta
  const entra = fixture.clients.entra
  if (okta === undefined || entra === undefined) throw new Error('both connections have a client')
  // alice@acme.example is a security admin in okta; someone who can create users in entra makes an alice too.
  const oktaAlice = await provisionUser(okta, 'alice@acme.example')
  await provisionGroup(okta, 'security-admins', [oktaAlice])
  const entraAlice = await provisionUser(entra, 'alice@acme.example')
  const entraBob = await provisionUser(entra, 'bob@acme.example')
  await provisionGroup(entra, 'qa', [entraAlice, entraBob])
  await applyExampleAccess(store, `${fixturesDir}identity/two-idps`)
  checkToken = (await store.createAdminToken(['check'], 'storefront')).token
  planToken = (await store.createAdminToken(['plan'])).token
  app = createApiApp({ store, clock: () => fixtureNow })
})

async function call(method: 'GET' | 'POST', path: string, body?: unknown, token = checkToken) {
  const response = await app.request(`http://localhost/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const ambiguous = 'user "alice@acme.example" is ambiguous: a user of that userName comes through okta and entra, which are different people; say which with `connection`'

describe('POST /api/v1/check with unmerged connections', () => {
  it('does not give a user signed in through entra what okta gave a user of the same userName', async () => {
    expect(await call('POST', '/check', { user: 'alice@acme.example', connection: 'entra', permission: 'sso:manage' })).toEqual({
      status: 200,
      body: { allowed: false, reasons: [], denials: ['no access of "alice@acme.example" covers this'], revision: 'r1' },
    })
    expect(await call('POST', '/check', { user: 'alice@acme.example', connection: 'okta', permission: 'sso:manage' })).toEqual({
      status: 200,
      body: { allowed: true, reasons: ['okta group "security-admins" → group "Security Admins" → role "Admin" → sso:manage'], denials: [], revision: 'r1' },
    })
  })

  it('refuses a userName of two people without a connection (400, naming both), rather than answer with the union', async () => {
    expect(await call('POST', '/check', { user: 'alice@acme.example', permission: 'sso:manage' })).toEqual({ status: 400, body: { error: ambiguous } })
    // Asked again, now that the answer for okta's alice is cached: still refused.
    expect(await call('POST', '/check', { user: 'ALICE@acme.example', action: 'run', resource: 'journey:checkout/login' })).toMatchObject({ status: 400 })
  })

  it('needs no connection for a userName that one connection holds', async () => {
    expect(await call('POST', '/check', { user: 'bob@acme.example', action: 'run', resource: 'journey:checkout/login' })).toEqual({
      status: 200,
      body: { allowed: true, reasons: ['entra group "qa" → group "QA" → grant run journey:checkout/*'], denials: [], revision: 'r1' },
    })
  })

  it('refuses a connection the Organization does not declare, and one that is not a string', async () => {
    expect(await call('POST', '/check', { user: 'bob@acme.example', connection: 'entr', permission: 'sso:manage' })).toEqual({ status: 400, body: { error: 'unknown connection "entr"; did you mean "entra"?' } })
    expect(await call('POST', '/check', { user: 'bob@acme.example', connection: 7, permission: 'sso:manage' })).toEqual({ status: 400, body: { error: '`connection` (the connection the user signed in through) must be a non-empty string' } })
  })
})

describe('GET /api/v1/users/:user/access with unmerged connections', () => {
  it('lists what the person of that connection holds, and refuses an ambiguous userName', async () => {
    expect(await call('GET', '/users/alice@acme.example/access')).toEqual({ status: 400, body: { error: ambiguous } })
    const entra = await call('GET', '/users/alice@acme.example/access?connection=entra')
    expect(entra.status).toBe(200)
    expect(entra.body.user).toBe('alice@acme.example (entra)')
    expect((entra.body.holdings as { what: string; chain: string }[]).map((holding) => `${holding.what} via ${holding.chain}`)).toEqual([
      'edit journey:checkout/* in staging via listed member "alice@acme.example" of entra → group "On Call"',
      'run journey:checkout/* via entra group "qa" → group "QA"',
    ])
  })
})

describe('POST /api/v1/explain with unmerged connections', () => {
  it('says which person (connection) the answer is about, and refuses an ambiguous userName', async () => {
    const okta = await call('POST', '/explain', { user: 'alice@acme.example', connection: 'okta', permission: 'sso:manage' }, planToken)
    expect(okta).toMatchObject({ status: 200, body: { user: 'alice@acme.example (okta)', connections: ['okta'], subject: 'alice@acme.example (okta)', allowed: true } })
    expect(await call('POST', '/explain', { user: 'alice@acme.example' }, planToken)).toEqual({ status: 400, body: { error: ambiguous } })
  })
})

describe('whom a userName alone names, as the check API keeps it', () => {
  it('is read once, and again after the IdP gives another connection a user of that userName', async () => {
    const fixture = await scimFixture(['okta', 'entra'])
    const { okta, entra } = fixture.clients
    if (okta === undefined || entra === undefined) throw new Error('both connections have a client')
    const carol = await provisionUser(okta, 'carol@acme.example')
    await provisionGroup(okta, 'security-admins', [carol])
    await applyExampleAccess(fixture.store, `${fixturesDir}identity/two-idps`)
    const token = (await fixture.store.createAdminToken(['check'])).token
    const api = createApiApp({ store: fixture.store, clock: () => fixtureNow })
    const ask = async () => {
      const response = await api.request('http://localhost/api/v1/check', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ user: 'carol@acme.example', permission: 'sso:manage' }) })
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    }
    // One connection holds carol: she needs none named, and the answer is the same when asked again (from the cache).
    expect(await ask()).toMatchObject({ status: 200, body: { allowed: true } })
    expect(await ask()).toMatchObject({ status: 200, body: { allowed: true } })
    // entra makes a carol too: the userName alone now names two people, and is refused, not answered from the cache.
    await provisionUser(entra, 'carol@acme.example')
    expect(await ask()).toMatchObject({ status: 400, body: { error: expect.stringContaining('is ambiguous') } })
  })
})
