// /metrics after real requests through the server's pipeline: checks, SCIM operations, applies, drift and caches,
// and a request id on every answer and on the log line of a failure.
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadAccessDir } from '../../src/load/load-access.js'
import { makePlan } from '../../src/plan/make-plan.js'
import { readPlanBase } from '../../src/apply/store-base.js'
import { createServerApp, type ServerApp } from '../../src/server/app.js'
import type { Store } from '../../src/store/store.js'
import { exampleApprovals } from '../helpers/apply-example.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { testStore } from '../helpers/test-store.js'

/** The value of one sample in Prometheus text output, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels)
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null || match[1] !== name) continue
    const has = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]))
    if (wanted.every(([key, value]) => has[key] === value)) return Number(match[3])
  }
  return undefined
}

let store: Store
let server: ServerApp
let scimToken: string
let tokens: { check: string; plan: string; apply: string; metrics: string }
const logLines: Record<string, unknown>[] = []

const request = (path: string, init: { method?: string; token?: string; body?: unknown; contentType?: string; requestId?: string } = {}) =>
  server.app.request(`http://localhost${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
      ...(init.body === undefined ? {} : { 'content-type': init.contentType ?? 'application/json' }),
      ...(init.requestId === undefined ? {} : { 'x-request-id': init.requestId }),
    },
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  })

const metrics = async (token?: string) => {
  const response = await request('/metrics', token === undefined ? {} : { token })
  expect(response.status).toBe(200)
  return response.text()
}

beforeAll(async () => {
  store = await testStore()
  scimToken = (await store.createToken('okta')).token
  tokens = {
    check: (await store.createAdminToken(['check'])).token,
    plan: (await store.createAdminToken(['plan'])).token,
    apply: (await store.createAdminToken(['apply'])).token,
    metrics: (await store.createAdminToken(['metrics'])).token,
  }
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) })
  server = createServerApp({ store, clock: () => fixtureNow, logger: pino({ level: 'info' }, sink), approvals: { trustBranchProtection: true } })
})

describe('/metrics', () => {
  it('counts SCIM operations by connection, resource, operation and outcome', async () => {
    const scim = (method: string, path: string, body?: unknown, token = scimToken) => request(`/scim/v2${path}`, { method, token, ...(body === undefined ? {} : { body, contentType: 'application/scim+json' }) })
    const created = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'sam@acme.example', active: true })
    expect(created.status).toBe(201)
    const sam = ((await created.json()) as { id: string }).id
    const sasha = ((await (await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'sasha@acme.example', active: true })).json()) as { id: string }).id
    expect((await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'sam@acme.example' })).status).toBe(409)
    expect((await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'support-tier-2', members: [{ value: sam }] })).status).toBe(201)
    expect((await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'security-admins', members: [{ value: sasha }] })).status).toBe(201)
    expect((await scim('GET', `/Users/${sam}`)).status).toBe(200)
    expect((await scim('GET', '/Users?filter=userName%20eq%20%22sam@acme.example%22')).status).toBe(200)
    expect((await scim('GET', '/Users', undefined, 'rcs_not-a-token')).status).toBe(401)

    const text = await metrics()
    const ops = (labels: Record<string, string>) => sample(text, 'rolecall_scim_operations_total', labels)
    expect(ops({ connection: 'okta', resource: 'Users', operation: 'create', outcome: 'success' })).toBe(2)
    expect(ops({ connection: 'okta', resource: 'Users', operation: 'create', outcome: 'client_error' })).toBe(1)
    expect(ops({ connection: 'okta', resource: 'Groups', operation: 'create', outcome: 'success' })).toBe(2)
    expect(ops({ connection: 'okta', resource: 'Users', operation: 'get', outcome: 'success' })).toBe(1)
    expect(ops({ connection: 'okta', resource: 'Users', operation: 'list', outcome: 'success' })).toBe(1)
    expect(ops({ connection: 'none', resource: 'Users', operation: 'list', outcome: 'client_error' })).toBe(1)
    // SCIM tokens are cached once accepted: the first request of each connection asks the store, the others do not.
    expect(sample(text, 'rolecall_cache_hits_total', { cache: 'scim_tokens' })).toBeGreaterThanOrEqual(6)
    expect(sample(text, 'rolecall_cache_misses_total', { cache: 'scim_tokens' })).toBeGreaterThanOrEqual(1)
  })

  it('counts applies by outcome with their duration, checks by outcome with their latency, and drift by risk', async () => {
    const loaded = await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now: fixtureNow })
    const plan = makePlan(loaded.state, await readPlanBase(store), fixtureNow)
    const apply = (body: unknown) => request('/api/v1/apply', { method: 'POST', token: tokens.apply, body })
    expect((await apply({ plan })).status).toBe(422)
    expect((await apply({ plan, approvedBy: exampleApprovals })).status).toBe(200)
    expect((await apply({ plan, approvedBy: exampleApprovals })).status).toBe(409)
    expect((await apply('{"plan": 1}')).status).toBe(400)

    const check = (body: unknown) => request('/api/v1/check', { method: 'POST', token: tokens.check, body })
    const question = { user: 'sam@acme.example', action: 'run', resource: 'journey:checkout/diagnostic-login' }
    for (let i = 0; i < 3; i++) expect(((await (await check(question)).json()) as { allowed: boolean }).allowed).toBe(true)
    expect(((await (await check({ ...question, action: 'edit', resource: 'auth-config:checkout/oidc' })).json()) as { allowed: boolean }).allowed).toBe(false)
    expect((await check({ ...question, enviroment: 'production' })).status).toBe(400)

    // The IdP makes a third security admin, whom no review saw: held, so drift lists it as held, not as access.
    const sky = (await (
      await request('/scim/v2/Users', { method: 'POST', token: scimToken, contentType: 'application/scim+json', body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'sky@acme.example' } })
    ).json()) as { id: string }
    const groups = (await (await request('/scim/v2/Groups?filter=displayName%20eq%20%22security-admins%22', { token: scimToken })).json()) as { Resources: { id: string }[] }
    const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: sky.id }] }] }
    expect((await request(`/scim/v2/Groups/${groups.Resources[0]?.id ?? ''}`, { method: 'PATCH', token: scimToken, contentType: 'application/scim+json', body: patch })).status).toBe(204)
    const drift = (await (await request('/api/v1/drift', { method: 'POST', token: tokens.plan, body: { limit: 1 } })).json()) as { scim: { risk: string }[]; scimTotal?: number; held?: { id: string }[] }
    expect(drift.scim).toHaveLength(0)
    expect(drift.held).toHaveLength(1)

    const text = await metrics()
    expect(sample(text, 'rolecall_applies_total', { outcome: 'applied' })).toBe(1)
    expect(sample(text, 'rolecall_applies_total', { outcome: 'refused' })).toBe(1)
    expect(sample(text, 'rolecall_applies_total', { outcome: 'stale' })).toBe(1)
    expect(sample(text, 'rolecall_applies_total', { outcome: 'invalid' })).toBe(1)
    expect(sample(text, 'rolecall_apply_duration_seconds_count', { outcome: 'applied' })).toBe(1)
    expect(sample(text, 'rolecall_apply_duration_seconds_sum', { outcome: 'applied' })).toBeGreaterThan(0)
    expect(sample(text, 'rolecall_checks_total', { outcome: 'allowed' })).toBe(3)
    expect(sample(text, 'rolecall_checks_total', { outcome: 'denied' })).toBe(1)
    expect(sample(text, 'rolecall_checks_total', { outcome: 'error' })).toBe(1)
    expect(sample(text, 'rolecall_check_duration_seconds_count')).toBe(5)
    expect(sample(text, 'rolecall_check_duration_seconds_bucket', { le: '+Inf' })).toBe(5)
    // The person's access is computed once, then answered from the check API's cache.
    expect(sample(text, 'rolecall_cache_misses_total', { cache: 'check_access' })).toBeGreaterThanOrEqual(1)
    expect(sample(text, 'rolecall_cache_hits_total', { cache: 'check_access' })).toBeGreaterThanOrEqual(2)
    // Counted over the whole drift, not the one change the request asked to list.
    const byRisk = Object.fromEntries(['low', 'medium', 'high', 'critical'].map((risk) => [risk, sample(text, 'rolecall_drift_access_changes', { risk })]))
    expect((byRisk.critical ?? 0) + (byRisk.high ?? 0) + (byRisk.medium ?? 0) + (byRisk.low ?? 0)).toBe(drift.scimTotal ?? drift.scim.length)
    // Holds, read from the store: sky's addition is open; a rejection moves it to the rejected counter.
    expect(sample(text, 'rolecall_holds_open')).toBe(1)
    expect(sample(text, 'rolecall_holds_created_total')).toBe(1)
    expect(sample(text, 'rolecall_holds_released_total')).toBe(0)
    await store.rejectHold(drift.held?.[0]?.id ?? '', 'test')
    const after = await metrics()
    expect([sample(after, 'rolecall_holds_open'), sample(after, 'rolecall_holds_rejected_total'), sample(after, 'rolecall_holds_created_total')]).toEqual([0, 1, 1])
    expect(sample(text, 'rolecall_drift_computed_timestamp_seconds')).toBe(fixtureNow.getTime() / 1000)
  })

  it('needs an admin token with the metrics scope when the server is told so', async () => {
    const guarded = createServerApp({ store, clock: () => fixtureNow, metricsAuth: 'token' })
    const get = (token?: string) => guarded.app.request('http://localhost/metrics', token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })
    const anonymous = await get()
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="rolecall-admin"')
    expect((await get(tokens.check)).status).toBe(403)
    expect((await get(scimToken)).status).toBe(401)
    const allowed = await get(tokens.metrics)
    expect(allowed.status).toBe(200)
    expect(await allowed.text()).toContain('# TYPE rolecall_checks_total counter')
  })
})

describe('request ids', () => {
  it('are on every answer and every request log line: a sane X-Request-Id is kept, any other replaced', async () => {
    logLines.length = 0
    const kept = await request('/healthz', { requestId: 'lb-7f3a.9' })
    expect(kept.headers.get('x-request-id')).toBe('lb-7f3a.9')
    const replaced = await request('/healthz', { requestId: 'bad id\twith spaces' })
    const made = replaced.headers.get('x-request-id') ?? ''
    expect(made).toMatch(/^[\w-]+-[0-9a-z]+$/)
    const none = await request('/api/v1/check', { method: 'POST', body: {} })
    expect(none.status).toBe(401)
    const ids = [kept, replaced, none].map((response) => response.headers.get('x-request-id'))
    expect(new Set(ids).size).toBe(3)
    expect(logLines.map((line) => line.requestId)).toEqual(ids)
    for (const line of logLines) expect(line).toMatchObject({ msg: 'request' })
  })

  it('is on the log line of an unexpected failure, whose answer says nothing more', async () => {
    logLines.length = 0
    const broken = await testStore()
    const token = (await broken.createAdminToken(['plan'])).token
    const app = createServerApp({
      store: broken,
      clock: () => fixtureNow,
      logger: pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) })),
    })
    // A store whose snapshot fails for a reason of its own (not a StoreError): a fault of the server.
    broken.snapshot = () => Promise.reject(new TypeError('a fault'))
    const response = await app.app.request('http://localhost/api/v1/state', { headers: { authorization: `Bearer ${token}`, 'x-request-id': 'trace-42' } })
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ error: 'internal error' })
    const failure = logLines.find((line) => line.msg === 'unexpected error')
    expect(failure).toMatchObject({ requestId: 'trace-42', level: 50 })
    expect(logLines.find((line) => line.msg === 'request')).toMatchObject({ requestId: 'trace-42', status: 500 })
  })
})
