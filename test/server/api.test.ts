// The check API through app.request() on an in-memory store: authentication, scopes, answers, and bad input.
import { beforeAll, describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/server/app.js'
import { createApiApp } from '../../src/server/api.js'
import { maxCheckBodyBytes } from '../../src/server/check-endpoint.js'
import type { Store } from '../../src/store/store.js'
import { faultyStore, testStore } from '../helpers/test-store.js'
import { applyExampleAccess } from '../helpers/apply-example.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { addMembers, deactivateUser, provisionGroup, provisionUser } from '../helpers/provision.js'
import { scimFixture, type ScimClient } from '../helpers/scim.js'

let store: Store
let okta: ScimClient
let scimToken: string
let checkToken: string
let planToken: string
let app: ReturnType<typeof createApiApp>
const ids: Record<string, string> = {}

beforeAll(async () => {
  const fixture = await scimFixture(['okta'])
  store = fixture.store
  okta = fixture.client
  scimToken = okta.token
  for (const name of ['sam', 'sasha', 'sky', 'casey']) ids[name] = await provisionUser(okta, `${name}@acme.example`)
  ids.support = await provisionGroup(okta, 'support-tier-2', [ids.sam ?? ''])
  ids.security = await provisionGroup(okta, 'security-admins', [ids.sasha ?? '', ids.sky ?? ''])
  ids.checkout = await provisionGroup(okta, 'checkout-team', [ids.casey ?? ''])
  await applyExampleAccess(store)
  checkToken = (await store.createAdminToken(['check'], 'storefront')).token
  planToken = (await store.createAdminToken(['plan'])).token
  app = createApiApp({ store, clock: () => fixtureNow })
})

function check(body: unknown, token = checkToken, headers: Record<string, string> = {}) {
  return app.request('http://localhost/api/v1/check', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

describe('POST /api/v1/check', () => {
  it('allows what the YAML grants, with the chain', async () => {
    const response = await check({ user: 'sam@acme.example', action: 'run', resource: 'journey:checkout/diagnostic-login', env: 'production' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      allowed: true,
      reasons: ['okta group "support-tier-2" → group "Support Tier 2" → grant run journey:*/diagnostic-*'],
      denials: [],
      revision: 'r1',
    })
  })

  it.each([
    [{ user: 'sam@acme.example', action: 'edit', resource: 'auth-config:checkout/oidc', env: 'production' }, false],
    [{ user: 'sam@acme.example', permission: 'sso:manage', authMethod: 'sso' }, false],
    [{ user: 'SASHA@acme.example', permission: 'sso:manage', authMethod: 'sso' }, true],
    [{ user: 'sasha@acme.example', permission: 'sso:manage', authMethod: 'password' }, false],
    [{ user: 'sasha@acme.example', permission: 'sso:manage' }, false],
    [{ user: 'casey@acme.example', action: 'edit', resource: 'journey:checkout/place-order', env: 'staging' }, true],
    [{ user: 'casey@acme.example', action: 'edit', resource: 'journey:payments/refund', env: 'staging' }, false],
    [{ user: 'nobody@acme.example', action: 'run', resource: 'journey:checkout/diagnostic-login' }, false],
    // `at` as an RFC 3339 time with any offset, or a date.
    [{ user: 'SASHA@acme.example', permission: 'sso:manage', authMethod: 'sso', at: '2026-06-01T14:00:00+02:00' }, true],
    [{ user: 'SASHA@acme.example', permission: 'sso:manage', authMethod: 'sso', at: '2026-06-01' }, true],
  ])('%j → allowed %s', async (body, allowed) => {
    const response = await check(body)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { allowed: boolean }).allowed).toBe(allowed)
  })

  it('follows IdP membership changes and deactivation without an apply', async () => {
    const body = { user: 'cory@acme.example', action: 'run', resource: 'journey:checkout/diagnostic-login', env: 'production' }
    ids.cory = await provisionUser(okta, 'cory@acme.example')
    await addMembers(okta, ids.support ?? '', [ids.cory])
    expect(await (await check(body)).json()).toMatchObject({ allowed: true })
    await deactivateUser(okta, ids.cory)
    expect(await (await check(body)).json()).toMatchObject({ allowed: false, denials: ['user "cory@acme.example" is deactivated'] })
  })

  it("denies what an IdP change would give above the policy's tier, naming the hold", async () => {
    const body = { user: 'cleo@acme.example', action: 'edit', resource: 'journey:checkout/place-order', env: 'staging' }
    ids.cleo = await provisionUser(okta, 'cleo@acme.example')
    await addMembers(okta, ids.checkout ?? '', [ids.cleo])
    const hold = (await store.listHolds({ status: ['open'] })).find((open) => open.userName === 'cleo@acme.example')
    expect(hold).toMatchObject({ userName: 'cleo@acme.example', groupName: 'checkout-team', trigger: 'membership' })
    const answer = (await (await check(body)).json()) as { denials: string[] }
    expect(answer).toMatchObject({ allowed: false, held: [{ id: hold?.id, status: 'open', since: hold?.createdAt, trigger: 'membership', connection: 'okta', group: 'checkout-team' }] })
    expect(answer.denials).toContain(`held by ${hold?.id} since ${hold?.createdAt} (cleo@acme.example added to okta group checkout-team): waiting for a reviewed apply`)
  })

  it.each([
    ['no token', undefined, 401],
    ['a SCIM token', 'scim', 401],
    ['an admin token without the check scope', 'plan', 403],
    ['a garbage token', 'rca_nope', 401],
  ])('refuses %s', async (_label, which, status) => {
    const token = which === 'scim' ? scimToken : which === 'plan' ? planToken : which
    const response = await app.request('http://localhost/api/v1/check', {
      method: 'POST',
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'sam@acme.example', permission: 'audit:read' }),
    })
    expect(response.status).toBe(status)
    expect(await response.json()).toEqual({ error: expect.any(String) })
    if (status === 401) expect(response.headers.get('www-authenticate')).toBe('Bearer realm="rolecall-admin"')
  })

  it.each([
    ['malformed JSON', '{"user": ', 'the body is not valid JSON'],
    ['a list', '[]', 'the body must be a JSON object'],
    ['no user', { action: 'run', resource: 'journey:a/b' }, '`user` (a userName) is required'],
    ['an unknown field', { user: 'sam@acme.example', permission: 'x', admin: true }, 'unknown field: admin'],
    ['no action', { user: 'sam@acme.example', resource: 'journey:a/b' }, '`action` and `resource` (type:service/name) are required, or `permission`'],
    ['both forms', { user: 'sam@acme.example', permission: 'x', action: 'run', resource: 'journey:a/b' }, 'ask for a `permission`, or an `action` on a `resource` (with `env` and `tags`), not both'],
    ['a permission with an env', { user: 'sam@acme.example', permission: 'sso:manage', env: 'production' }, 'ask for a `permission`, or an `action` on a `resource` (with `env` and `tags`), not both'],
    ['a permission with tags', { user: 'sam@acme.example', permission: 'sso:manage', tags: ['pci'] }, 'ask for a `permission`, or an `action` on a `resource` (with `env` and `tags`), not both'],
    ['a permission that is not a string', { user: 'sam@acme.example', permission: 5, action: 'run', resource: 'journey:a/b' }, '`permission` must be a non-empty string'],
    ['an empty permission', { user: 'sam@acme.example', permission: '', action: 'run', resource: 'journey:a/b' }, '`permission` must be a non-empty string'],
    ['a permission in a list', { user: 'sam@acme.example', permission: ['sso:manage'] }, '`permission` must be a non-empty string'],
    ['an action that is not a string', { user: 'sam@acme.example', action: ['run'], resource: 'journey:a/b' }, '`action` must be a non-empty string'],
    ['a time without its offset', { user: 'sam@acme.example', permission: 'sso:manage', at: '2026-11-23T23:00:00' }, '`at` must be an RFC 3339 time with its offset (2026-06-01T12:00:00Z), or a date'],
    ['a day that does not exist', { user: 'sam@acme.example', permission: 'sso:manage', at: '2026-02-30T00:00:00Z' }, '`at` must be an RFC 3339 time with its offset (2026-06-01T12:00:00Z), or a date'],
    ['a time that is a number', { user: 'sam@acme.example', permission: 'sso:manage', at: '1' }, '`at` must be an RFC 3339 time with its offset (2026-06-01T12:00:00Z), or a date'],
    ['a malformed resource', { user: 'sam@acme.example', action: 'run', resource: 'journey' }, 'resource must be "type:service/name" (got "journey")'],
    ['tags that are not strings', { user: 'sam@acme.example', action: 'run', resource: 'journey:a/b', tags: [1] }, '`tags` must be a list of strings'],
    ['a misspelt field', { user: 'sam@acme.example', action: 'run', resource: 'journey:a/b', enviroment: 'production' }, 'unknown field: enviroment (did you mean env?)'],
    ['a field spelt out', { user: 'sam@acme.example', action: 'run', resource: 'journey:a/b', environment: 'production', tag: 'pci' }, 'unknown fields: environment (did you mean env?), tag (did you mean tags?)'],
    [
      'a glob in the resource',
      { user: 'sam@acme.example', action: 'run', resource: 'journey:checkout/*' },
      '`resource` must name one resource, type:service/name, without glob characters (got "journey:checkout/*"); to ask who may act on many, use who-can',
    ],
    [
      'a glob in the service',
      { user: 'sam@acme.example', action: 'run', resource: 'journey:*/login' },
      '`resource` must name one resource, type:service/name, without glob characters (got "journey:*/login"); to ask who may act on many, use who-can',
    ],
  ])('answers 400 to %s', async (_label, body, message) => {
    const response = await check(body)
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: message })
  })

  it('answers 413 to an oversized body and 415 to a non-JSON one', async () => {
    const big = await check({ user: 'x'.repeat(maxCheckBodyBytes + 10), permission: 'audit:read' })
    expect(big.status).toBe(413)
    const text = await check('user=sam', checkToken, { 'content-type': 'text/plain' })
    expect(text.status).toBe(415)
  })
})

describe('GET /api/v1/users/:user/access', () => {
  it('lists every holding with its chain', async () => {
    const response = await app.request('http://localhost/api/v1/users/sasha%40acme.example/access', { headers: { authorization: `Bearer ${checkToken}` } })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { user: string; active: boolean; revision: string; holdings: { what: string; chain: string; authMethods?: string[] }[] }
    expect(body).toMatchObject({ user: 'sasha@acme.example', active: true, revision: 'r1' })
    expect(body.holdings).toContainEqual({ what: 'sso:manage', type: 'permission', risk: 'critical', chain: 'okta group "security-admins" → group "Security Admins" → role "Security Admin"', authMethods: ['sso'] })
  })
})

describe("failures that are not the client's fault", () => {
  it('answer a JSON 500 with no detail, and are reported', async () => {
    const { store: broken, fail } = faultyStore(await testStore())
    const token = (await broken.createAdminToken(['plan'])).token
    const seen: unknown[] = []
    const api = createApiApp({ store: broken, onUnexpected: (error) => seen.push(error) })
    fail()
    const response = await api.request('http://localhost/api/v1/state', { headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ error: 'internal error' })
    expect(seen).toHaveLength(1)
  })

  it('answer 503 once the store is closed, as for a store that cannot be reached, and are not reported', async () => {
    const closed = await testStore()
    const token = (await closed.createAdminToken(['plan'])).token
    const seen: unknown[] = []
    const api = createApiApp({ store: closed, onUnexpected: (error) => seen.push(error) })
    // The token is accepted from the cache once seen; then the store goes away.
    expect((await api.request('http://localhost/api/v1/state', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    await closed.close()
    const response = await api.request('http://localhost/api/v1/state', { headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(503)
    expect(seen).toEqual([])
  })
})

describe('token separation on the whole server', () => {
  it('rejects an admin token on /scim/v2 and a SCIM token on /api/v1', async () => {
    const { app: server } = createServerApp({ store })
    const scim = await server.request('http://localhost/scim/v2/Users', { headers: { authorization: `Bearer ${checkToken}` } })
    expect(scim.status).toBe(401)
    const api = await server.request('http://localhost/api/v1/users/sam%40acme.example/access', { headers: { authorization: `Bearer ${scimToken}` } })
    expect(api.status).toBe(401)
    const unknown = await server.request('http://localhost/api/v1/nothing', { headers: { authorization: `Bearer ${checkToken}` } })
    expect(unknown.status).toBe(404)
  })
})

describe('the admin API refuses bad input with a reason', () => {
  async function post(path: string, body: unknown, scope: 'plan' | 'apply', target = app, tokenStore = store) {
    const { token } = await tokenStore.createAdminToken([scope])
    return target.request(`http://localhost/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  }

  it('answers 422 with the diagnostics when posted documents do not validate', async () => {
    const response = await post('/plans', { documents: [{ file: 'access/roles.yaml', doc: { kind: 'Role', name: 'Viewer', permisions: [] } }] }, 'plan')
    expect(response.status).toBe(422)
    const body = (await response.json()) as { error: string; diagnostics: { code: string }[] }
    expect(body.error).toBe('the access documents have errors')
    expect(body.diagnostics.map((diagnostic) => diagnostic.code)).toContain('unknown-key')
  })

  it.each([
    ['/plans', '{"documents": 1}', 'plan', '`documents` must be a list of {file, doc}'],
    ['/apply', { plan: { hello: 'world' } }, 'apply', /^`plan` is not a rolecall plan: /],
    ['/apply', 'not json', 'apply', 'the body must be a JSON object with `plan`'],
    ['/drift', { limit: -1 }, 'plan', '`limit` must be a whole number of access changes to list (0 for all)'],
    ['/drift', { limit: '10' }, 'plan', '`limit` must be a whole number of access changes to list (0 for all)'],
  ] as const)('answers 400 to POST %s %j', async (path, body, scope, message) => {
    const response = await post(path, body, scope)
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: string }).error).toMatch(message)
  })

  it('answers 409 to drift and explain before anything was applied', async () => {
    const fresh = await testStore()
    const freshApp = createApiApp({ store: fresh, clock: () => fixtureNow })
    const drift = await post('/drift', {}, 'plan', freshApp, fresh)
    expect(drift.status).toBe(409)
    expect(await drift.json()).toEqual({ error: 'nothing has been applied yet' })
    const explain = await post('/explain', { user: 'sam@acme.example' }, 'plan', freshApp, fresh)
    expect(explain.status).toBe(409)
    await fresh.close()
  })
})
