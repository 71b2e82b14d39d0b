// Property: whatever a client sends (any method, path, query, headers and body, valid or hostile), the server answers
// below 500 (but for the 501 RFC 7644 asks for /Me and /Bulk), in the error format of the area it asked (RFC 7644 bodies under /scim/v2, `{"error"}` under /api/v1),
// and a refused request leaves the store as it was (revision and audit log), on every transport.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/server/app.js'
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { memoryStore } from '../helpers/memory-store.js'
import { aUser, enterpriseUrn, groupSchemaUrn, patchUrn, userSchemaUrn } from '../helpers/scim.js'
import { transports, type Sent, type Transport } from '../helpers/transports.js'

const errorUrn = 'urn:ietf:params:scim:api:messages:2.0:Error'

type Fixture = { store: SqliteStore; tokens: string[]; ids: string[] }

async function fixture(): Promise<Fixture> {
  const store = memoryStore(() => new Date('2026-01-02T03:04:05Z'))
  const okta = (await store.createToken('okta')).token
  const entra = (await store.createToken('entra')).token
  const check = (await store.createAdminToken(['check'])).token
  const plan = (await store.createAdminToken(['plan'])).token
  const { app } = createServerApp({ store })
  const ids: string[] = []
  for (const name of ['ada', 'bob']) {
    const response = await app.request('/scim/v2/Users', { method: 'POST', headers: { authorization: `Bearer ${okta}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(aUser(`${name}@acme.example`)) })
    ids.push(((await response.json()) as { id: string }).id)
  }
  const group = await app.request('/scim/v2/Groups', { method: 'POST', headers: { authorization: `Bearer ${okta}`, 'content-type': 'application/scim+json' }, body: JSON.stringify({ schemas: [groupSchemaUrn], displayName: 'g', members: [{ value: ids[0] }] }) })
  ids.push(((await group.json()) as { id: string }).id)
  return { store, tokens: [okta, entra, check, plan, 'rcs_not-a-token', 'rca_not-a-token'], ids }
}

/** Text a hostile client might put anywhere: SCIM-ish words, escapes, quotes, control characters, long runs. */
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('userName eq "ada@acme.example"', 'emails[type eq "work"].value eq "x"', 'members[value eq "', '__proto__', 'constructor', '%zz', '%00', '\u0000', '\ud800', '"', "'", '\\', '..', '.search', 'a'.repeat(5000)),
)

/** Percent-escaped as a client would (a lone surrogate, which has no UTF-8 form, as U+FFFD). */
const escape = (text: string) => encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'))
/** Escapes no client should send: malformed, truncated, or of bytes that are not UTF-8. */
const rawEscapes = fc.constantFrom('%zz', '%', '%c3', '%ff%fe', '%2F', '%00', '%252F')

/** What a header can carry at all (a client refuses to send control characters or non-Latin-1 text in one). */
const headerText = fc.oneof(fc.stringMatching(/^[\x21-\x7e]{0,40}$/), fc.constantFrom('rcs_', 'rca_', '"', 'a'.repeat(2000)))

/** Bodies: any JSON, SCIM resources and PatchOps with hostile values, raw bytes, text. */
const bodies = (f: Fixture) =>
      fc.oneof(
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc.record({ schemas: fc.constantFrom([userSchemaUrn], [groupSchemaUrn], [userSchemaUrn, enterpriseUrn], []), userName: nasty, displayName: nasty, members: fc.array(fc.record({ value: fc.constantFrom(...f.ids, 'nobody') }), { maxLength: 2 }) }).map((value) => JSON.stringify(value)),
    fc
      .array(fc.record({ op: fc.constantFrom('add', 'Replace', 'remove', 'copy', ''), path: fc.option(fc.oneof(fc.constantFrom('members', 'members[value eq "x"]', 'active', 'userName', 'emails[type eq "work"].value', enterpriseUrn), nasty), { nil: undefined }), value: fc.jsonValue() }), { maxLength: 3 })
      .map((operations) => JSON.stringify({ schemas: [patchUrn], Operations: operations })),
    fc.uint8Array({ maxLength: 64 }),
    nasty,
  )

/** A hostile request: anything anywhere. */
const hostile = (f: Fixture) =>
  fc.record({
    method: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH') }, { weight: 2, arbitrary: fc.constantFrom('HEAD', 'PUT', 'DELETE', 'OPTIONS') }),
    path: fc.oneof(
      {
        weight: 5,
        arbitrary: fc.constantFrom(
          ['/scim/v2/Users', []],
          ['/scim/v2/Groups', []],
          ['/scim/v2/Users', [f.ids[0] ?? '']],
          ['/scim/v2/Users', [f.ids[1] ?? '']],
          ['/scim/v2/Groups', [f.ids[2] ?? '']],
          ['/scim/v2/Users', ['.search']],
          ['/scim/v2/Groups', ['.search']],
          ['/scim/v2/Schemas', []],
          ['/api/v1/check', []],
          ['/api/v1/users', ['ada%40acme.example', 'access']],
          ['/api/v1/plans', []],
          ['/api/v1/explain', []],
        ) as fc.Arbitrary<[string, string[]]>,
      },
      {
        weight: 2,
        arbitrary: fc.tuple(
          fc.constantFrom('/scim/v2/Users', '/scim/v2/Groups', '/scim/v2/.search', '/scim/v2/Schemas', '/scim/v2/ResourceTypes', '/scim/v2/Me', '/scim/v2', '/api/v1/check', '/api/v1/users', '/api/v1/state', '/healthz', '/'),
          fc.array(fc.oneof(fc.constantFrom(...f.ids, '.search', 'access', ''), nasty.map(escape), rawEscapes), { maxLength: 2 }),
        ),
      },
    ),
    query: fc.array(fc.tuple(fc.constantFrom('filter', 'attributes', 'excludedAttributes', 'startIndex', 'count', 'sortBy', 'sortOrder', 'x'), fc.oneof(nasty.map(escape), rawEscapes)), { maxLength: 3 }),
    authorization: fc.option(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...f.tokens).map((token) => `Bearer ${token}`) }, { weight: 1, arbitrary: headerText.map((text) => `Bearer ${text}`) }, { weight: 1, arbitrary: headerText }), { nil: undefined, freq: 8 }),
    contentType: fc.option(fc.oneof({ weight: 6, arbitrary: fc.constantFrom('application/scim+json', 'application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=latin1', '') }, { weight: 1, arbitrary: headerText }), { nil: undefined, freq: 6 }),
    condition: fc.option(fc.tuple(fc.constantFrom('if-match', 'if-none-match'), fc.oneof(fc.constantFrom('W/"1"', 'W/"2"', '*', 'W/"x"', '"1", W/"9"'), headerText)), { nil: undefined }),
    body: fc.option(bodies(f), { nil: undefined }),
  })

/** A request aimed at a real resource with a good token and a SCIM body, so that the handlers' own checks are reached. */
const aimed = (f: Fixture) =>
  fc.record({
    method: fc.constantFrom('POST', 'PUT', 'PATCH', 'GET', 'DELETE'),
    path: fc.constantFrom<[string, string[]]>(['/scim/v2/Users', []], ['/scim/v2/Groups', []], ['/scim/v2/Users', [f.ids[0] ?? '']], ['/scim/v2/Users', [f.ids[1] ?? '']], ['/scim/v2/Groups', [f.ids[2] ?? '']], ['/scim/v2/Users', ['.search']], ['/scim/v2/Groups', ['.search']]),
    query: fc.array(fc.tuple(fc.constantFrom('filter', 'attributes', 'excludedAttributes', 'startIndex', 'count', 'sortBy'), fc.oneof(nasty.map(escape), rawEscapes)), { maxLength: 1 }),
    authorization: fc.constant(`Bearer ${f.tokens[0] ?? ''}`),
    contentType: fc.constant('application/scim+json'),
    condition: fc.option(fc.tuple(fc.constantFrom('if-match', 'if-none-match'), fc.constantFrom('W/"1"', 'W/"2"', '*')), { nil: undefined, freq: 5 }),
    body: bodies(f),
  })

const sent = (f: Fixture) => fc.oneof({ weight: 3, arbitrary: aimed(f) }, { weight: 2, arbitrary: hostile(f) })

async function stateOf(store: SqliteStore): Promise<{ revision: number; audit: number }> {
  let audit = 0
  await store.exportAudit(() => void audit++)
  return { revision: await store.revision(), audit }
}

describe.each(transports)('the HTTP layer through %s, against generated hostile requests', (name, make) => {
  let f: Fixture
  let transport: Transport
  beforeAll(async () => {
    f = await fixture()
    transport = await make(createServerApp({ store: f.store }).pipeline)
  })
  afterAll(async () => {
    await transport.close()
    await f.store.close()
  })

  it('never answers 5xx, answers in the area’s error format, and changes nothing it refuses', async () => {
    const seen = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(sent(f), async (request) => {
        const [prefix, segments] = request.path
        const path = [prefix, ...segments].join('/')
        const query = request.query.map(([key, value]) => `${key}=${value}`).join('&')
        const headers: Record<string, string> = {}
        if (request.authorization !== undefined) headers['authorization'] = request.authorization
        if (request.contentType !== undefined) headers['content-type'] = request.contentType
        if (request.condition !== undefined) headers[request.condition[0]] = request.condition[1]
        const carriesBody = request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD'
        const message: Sent = { method: request.method, headers, ...(carriesBody && request.body !== undefined ? { body: request.body } : {}) }
        const before = await stateOf(f.store)
        const answer = await transport.send(query === '' ? path : `${path}?${query}`, message)
        seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1)
        // RFC 7644 §3.11 and §3.7: a provider without /Me or /Bulk SHOULD answer 501; that is the one 5xx allowed.
        const isUnsupported = /^\/scim\/v2\/(Me|Bulk)(\/|$)/.test(path)
        expect(answer.status, `${request.method} ${path}`).toBeLessThan(isUnsupported ? 502 : 500)
        if (answer.status >= 400) {
          expect(await stateOf(f.store), `${request.method} ${path} → ${answer.status}`).toEqual(before)
          // HEAD has no body; a message Node's parser refuses (an OPTIONS body with no length) never reaches the pipeline.
          if (request.method === 'HEAD' || answer.headers['x-request-id'] === undefined) return
          if (path === '/scim/v2' || path.startsWith('/scim/v2/')) {
            expect(answer.headers['content-type']).toBe('application/scim+json')
            expect(JSON.parse(answer.body)).toMatchObject({ schemas: [errorUrn], status: String(answer.status), detail: expect.any(String) })
          } else if (path.startsWith('/api/v1/')) {
            expect(JSON.parse(answer.body)).toEqual(expect.objectContaining({ error: expect.any(String) }))
          }
        }
      }),
      { seed: 0x5c1a_2026, numRuns: name === 'socket' ? 150 : 400 },
    )
    // Not vacuous: the generated requests reach the handlers, and are both accepted and refused there.
    const count = (low: number, high: number) => [...seen].filter(([status]) => status >= low && status <= high).reduce((sum, [, n]) => sum + n, 0)
    expect(count(200, 299), JSON.stringify([...seen])).toBeGreaterThan(5)
    expect(count(400, 400), JSON.stringify([...seen])).toBeGreaterThan(5)
    expect(count(401, 401), JSON.stringify([...seen])).toBeGreaterThan(5)
    expect(count(404, 415), JSON.stringify([...seen])).toBeGreaterThan(5)
  }, 120_000)
})
