// openapi/rolecall.json against the server: every route the server has is described and every described route exists;
// real requests to each of them (in process, through the one pipeline) answer as described, checked with ajv.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadAccessDir } from '../../src/load/load-access.js'
import { schemaDir } from '../../src/load/schema-check.js'
import { stateDocuments } from '../../src/model/documents.js'
import { createServerApp, type ServerApp } from '../../src/server/app.js'
import { maxCheckBodyBytes } from '../../src/server/check-endpoint.js'
import { openApiPath } from '../../src/server/openapi.js'
import type { AdminScope, Store } from '../../src/store/store.js'
import { exampleApprovals } from '../helpers/apply-example.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { addMembers, provisionGroup, provisionUser } from '../helpers/provision.js'
import { scimFixture, type ScimClient } from '../helpers/scim.js'

type Schema = Record<string, unknown>
type Operation = { security?: Record<string, string[]>[]; requestBody?: { content: Record<string, { schema: Schema }> }; responses: Record<string, { headers?: Record<string, Schema>; content?: Record<string, { schema: Schema }> }> }
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { headers: Record<string, { required?: boolean; schema: Schema }> } }

const description = JSON.parse(readFileSync(openApiPath, 'utf8')) as Document
const id = 'https://rolecall.dev/openapi/rolecall.json'
const ajv = new Ajv2020({ strict: false, allErrors: true })
addFormats.default(ajv)
for (const name of ['defs.schema.json', 'plan.schema.json', 'diagnostics.schema.json']) ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, name), 'utf8')) as object)
ajv.addSchema({ ...description, $id: id })

/** A JSON pointer into the description, as a URI fragment. */
const pointer = (...parts: string[]) => `${id}#/${parts.map((part) => encodeURIComponent(part.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/')}`

function validate(schemaRef: string, value: unknown): string[] {
  const check = ajv.getSchema(schemaRef) ?? ajv.compile({ $ref: schemaRef })
  return check(value) ? [] : (check.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`)
}

const methods = ['get', 'post', 'put', 'patch', 'delete']
const documented = Object.entries(description.paths).flatMap(([path, item]) =>
  Object.keys(item)
    .filter((method) => methods.includes(method))
    .map((method) => `${method.toUpperCase()} ${path}`),
)

let server: ServerApp
let store: Store
let tokens: Record<AdminScope, string>
let scimToken: string
let okta: ScimClient
let securityAdmins: string
/** Each operation's statuses that a response answered with, to see that every operation was exercised. */
const seen = new Map<string, Set<string>>()

/** Sends a request, checks the request body and the answer against the operation's description, and returns the answer. */
async function send(method: string, path: string, template: string, init: { token?: string; body?: unknown; raw?: string; contentType?: string; requestId?: string; app?: ServerApp } = {}) {
  const operation = description.paths[template]?.[method.toLowerCase()]
  if (operation === undefined) throw new Error(`${method} ${template} is not described`)
  const headers: Record<string, string> = {}
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`
  if (init.body !== undefined || init.raw !== undefined) headers['content-type'] = init.contentType ?? 'application/json'
  if (init.requestId !== undefined) headers['x-request-id'] = init.requestId
  if (init.body !== undefined && operation.requestBody !== undefined) {
    expect(validate(pointer('paths', template, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema'), init.body), `${method} ${template}: the request sent is not as described`).toEqual([])
  }
  const response = await (init.app ?? server).app.request(`http://localhost${path}`, { method, headers, ...(init.raw !== undefined ? { body: init.raw } : init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) })
  const status = String(response.status)
  const where = `${method} ${path} → ${status}`
  expect(Object.keys(operation.responses), `${where}: a status the description does not list`).toContain(status)
  const described = operation.responses[status] ?? { headers: {} }
  for (const [name, header] of Object.entries(described.headers ?? {})) {
    const resolved = '$ref' in header ? description.components.headers[String(header.$ref).split('/').at(-1) ?? ''] : (header as { required?: boolean; schema: Schema })
    const value = response.headers.get(name)
    if (resolved?.required === true) expect(value, `${where}: header ${name}`).not.toBeNull()
    if (value !== null) expect(validate(pointer('components', 'headers', String(header.$ref).split('/').at(-1) ?? '', 'schema'), value), `${where}: header ${name}`).toEqual([])
  }
  const contentType = response.headers.get('content-type') ?? ''
  const types = Object.keys(described.content ?? {})
  const text = await response.text()
  if (types.length === 0) expect(text).toBe('')
  else {
    const type = types.find((candidate) => candidate === contentType || candidate.split(';')[0] === contentType.split(';')[0])
    expect(type, `${where}: content-type ${contentType}, described ${types.join(', ')}`).toBeDefined()
    const body = type?.startsWith('application/json') ? (JSON.parse(text) as unknown) : text
    expect(validate(pointer('paths', template, method.toLowerCase(), 'responses', status, 'content', type ?? '', 'schema'), body), `${where}: ${text.slice(0, 300)}`).toEqual([])
  }
  const key = `${method} ${template}`
  seen.set(key, (seen.get(key) ?? new Set()).add(status))
  return { status: response.status, headers: response.headers, text }
}

beforeAll(async () => {
  const fixture = await scimFixture(['okta'])
  scimToken = fixture.client.token
  const sam = await provisionUser(fixture.client, 'sam@acme.example')
  const sasha = await provisionUser(fixture.client, 'sasha@acme.example')
  await provisionGroup(fixture.client, 'support-tier-2', [sam])
  securityAdmins = await provisionGroup(fixture.client, 'security-admins', [sasha])
  okta = fixture.client
  store = fixture.store
  server = createServerApp({ store, clock: () => fixtureNow, approvals: { trustBranchProtection: true } })
  tokens = {} as Record<AdminScope, string>
  for (const scope of ['check', 'plan', 'apply', 'metrics'] as const) tokens[scope] = (await fixture.store.createAdminToken([scope])).token
})

describe('openapi/rolecall.json', () => {
  it('is OpenAPI 3.1 and served, as the repository keeps it, at /api/v1/openapi.json', async () => {
    expect(description.openapi).toBe('3.1.0')
    const served = await send('GET', '/api/v1/openapi.json', '/api/v1/openapi.json')
    expect(served.text).toBe(readFileSync(openApiPath, 'utf8'))
  })

  it('describes every route the server has outside SCIM (which RFC 7644 describes) and the web explorer (HTML pages for people), and no route the server lacks', () => {
    // The API and the operator's endpoints; everything else at the root is an explorer page.
    const operated = (path: string) => path.startsWith('/api/') || ['/healthz', '/readyz', '/metrics'].includes(path)
    const routes = server.pipeline
      .routes()
      .filter((route) => !route.path.startsWith('/scim/') && operated(route.path))
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`)
    expect(routes.length).toBeGreaterThan(10)
    expect([...routes].sort()).toEqual([...documented].sort())
  })

  it('answers every described operation as described: a plan, its apply, and the questions on what was applied', async () => {
    const loaded = await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now: fixtureNow })
    const documents = stateDocuments(loaded.state)
    // Before anything is applied.
    expect((await send('POST', '/api/v1/explain', '/api/v1/explain', { token: tokens.plan, body: { user: 'sam@acme.example' } })).status).toBe(409)
    expect((await send('POST', '/api/v1/drift', '/api/v1/drift', { token: tokens.plan, body: {} })).status).toBe(409)
    expect((await send('POST', '/api/v1/who-can', '/api/v1/who-can', { token: tokens.plan, body: { permission: 'sso:manage' } })).status).toBe(409)
    expect((await send('GET', '/api/v1/state', '/api/v1/state', { token: tokens.plan })).status).toBe(200)
    const planned = await send('POST', '/api/v1/plans', '/api/v1/plans', { token: tokens.plan, body: { documents } })
    expect(planned.status).toBe(200)
    const plan = JSON.parse(planned.text) as unknown
    expect((await send('POST', '/api/v1/plans', '/api/v1/plans', { token: tokens.plan, body: { documents: [{ file: 'a.yaml', doc: { kind: 'Nope' } }] } })).status).toBe(422)
    expect((await send('POST', '/api/v1/plans', '/api/v1/plans', { token: tokens.plan, raw: '{"documents": ' })).status).toBe(400)
    expect((await send('POST', '/api/v1/apply', '/api/v1/apply', { token: tokens.apply, body: { plan } })).status).toBe(422)
    expect((await send('POST', '/api/v1/apply', '/api/v1/apply', { token: tokens.apply, body: { plan, approvedBy: exampleApprovals } })).status).toBe(200)
    expect((await send('POST', '/api/v1/apply', '/api/v1/apply', { token: tokens.apply, body: { plan, approvedBy: exampleApprovals } })).status).toBe(409)
    expect((await send('POST', '/api/v1/apply', '/api/v1/apply', { token: tokens.apply, raw: JSON.stringify({ plan: { formatVersion: 1 } }) })).status).toBe(400)

    // On what was applied, after the IdP tried to give someone a security role that no review saw: it is held.
    await addMembers(okta, securityAdmins, [await provisionUser(okta, 'sky@acme.example')])
    const drift = await send('POST', '/api/v1/drift', '/api/v1/drift', { token: tokens.plan, body: { documents, limit: 10 } })
    expect(drift.status).toBe(200)
    expect((JSON.parse(drift.text) as { held: unknown[] }).held.length).toBeGreaterThan(0)
    expect((await send('POST', '/api/v1/drift', '/api/v1/drift', { token: tokens.plan, raw: JSON.stringify({ limit: -1 }) })).status).toBe(400)
    expect((await send('POST', '/api/v1/explain', '/api/v1/explain', { token: tokens.plan, body: { user: 'sam@acme.example' } })).status).toBe(200)
    expect((await send('POST', '/api/v1/explain', '/api/v1/explain', { token: tokens.plan, body: { user: 'sam@acme.example', action: 'run', resource: 'journey:checkout/diagnostic-login' } })).status).toBe(200)
    expect((await send('POST', '/api/v1/explain', '/api/v1/explain', { token: tokens.plan, body: { user: 'nobody@acme.example' } })).status).toBe(404)
    expect((await send('POST', '/api/v1/who-can', '/api/v1/who-can', { token: tokens.plan, body: { permission: 'sso:manage' } })).status).toBe(200)
    expect((await send('POST', '/api/v1/who-can', '/api/v1/who-can', { token: tokens.plan, raw: JSON.stringify({ permission: 'sso:manage', action: 'run' }) })).status).toBe(400)

    // The check API.
    const question = { user: 'sam@acme.example', action: 'run', resource: 'journey:checkout/diagnostic-login', env: 'production', authMethod: 'sso' }
    const answer = await send('POST', '/api/v1/check', '/api/v1/check', { token: tokens.check, body: question, requestId: 'lb-1234' })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('x-request-id')).toBe('lb-1234')
    expect(JSON.parse(answer.text)).toMatchObject({ allowed: true })
    const traced = await send('POST', '/api/v1/check', '/api/v1/check', { token: tokens.check, body: { ...question, provenance: true, atLeast: 1 } })
    expect(traced.status).toBe(200)
    expect(JSON.parse(traced.text)).toHaveProperty('provenance.applied.revision', 'r1')
    expect((await send('POST', '/api/v1/check', '/api/v1/check', { token: tokens.check, body: { ...question, atLeast: 1_000_000 } })).status).toBe(409)
    expect((await send('POST', '/api/v1/check', '/api/v1/check', { token: tokens.check, raw: '{}' })).status).toBe(400)
    expect((await send('POST', '/api/v1/check', '/api/v1/check', { token: tokens.check, raw: 'user=sam', contentType: 'text/plain' })).status).toBe(415)
    expect((await send('POST', '/api/v1/check', '/api/v1/check', { token: tokens.check, raw: 'x'.repeat(maxCheckBodyBytes + 1) })).status).toBe(413)
    expect((await send('GET', '/api/v1/users/sasha%40acme.example/access', '/api/v1/users/{user}/access', { token: tokens.check })).status).toBe(200)
    expect((await send('GET', '/api/v1/users/nobody%40acme.example/access', '/api/v1/users/{user}/access', { token: tokens.check })).status).toBe(404)

    // The server's own.
    expect((await send('GET', '/healthz', '/healthz')).status).toBe(200)
    expect((await send('GET', '/readyz', '/readyz')).status).toBe(200)
    expect((await send('GET', '/metrics', '/metrics')).status).toBe(200)

    // /metrics behind a token (serve --metrics-auth token).
    const guarded = createServerApp({ store, clock: () => fixtureNow, metricsAuth: 'token' })
    expect((await send('GET', '/metrics', '/metrics', { app: guarded })).status).toBe(401)
    expect((await send('GET', '/metrics', '/metrics', { app: guarded, token: tokens.check })).status).toBe(403)
    expect((await send('GET', '/metrics', '/metrics', { app: guarded, token: tokens.metrics })).status).toBe(200)

    for (const operation of documented) expect(seen.get(operation), `${operation} was never answered 200`).toContain('200')
  })

  it.each(
    documented.filter((operation) =>
      (description.paths[operation.split(' ')[1] ?? '']?.[operation.split(' ')[0]?.toLowerCase() ?? '']?.security ?? []).some((requirement) => Object.keys(requirement).length > 0 && !operation.endsWith('/metrics')),
    ),
  )('%s refuses a missing token and a SCIM token (401), and an admin token without its scope (403), as described', async (operation) => {
    const [method = '', template = ''] = operation.split(' ')
    const path = template.replace('{user}', 'sam%40acme.example')
    const scope = description.paths[template]?.[method.toLowerCase()]?.security?.[0]?.adminToken?.[0] as AdminScope
    const other = scope === 'check' ? 'plan' : 'check'
    const body = method === 'POST' ? { user: 'sam@acme.example' } : undefined
    expect((await send(method, path, template, { ...(body === undefined ? {} : { raw: JSON.stringify(body) }) })).status).toBe(401)
    expect((await send(method, path, template, { token: scimToken, ...(body === undefined ? {} : { raw: JSON.stringify(body) }) })).status).toBe(401)
    expect((await send(method, path, template, { token: tokens[other], ...(body === undefined ? {} : { raw: JSON.stringify(body) }) })).status).toBe(403)
  })
})
