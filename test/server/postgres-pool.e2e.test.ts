// A full connection pool on `rolecall serve --db postgres://…`: with its one pooled connection stuck behind a lock
// that another session holds, no statement waits longer than --db-pool-wait plus --db-statement-timeout; SCIM then
// answers 503 with Retry-After and an RFC 7644 error body, the check API 503 JSON; never a hang or a 500; and the
// server serves again once the lock is gone.
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/open-store.js'
import { storeLocation } from '../../src/store/location.js'
import { applyExampleAccess } from '../helpers/apply-example.js'
import { freshDatabase } from '../helpers/postgres-db.js'
import { aUser } from '../helpers/scim.js'
import { runCli, startServer, type RunningServer } from '../helpers/serve.js'

let url = ''
let server: RunningServer
let scimToken = ''
let checkToken = ''

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? ''

beforeAll(async () => {
  url = await freshDatabase()
  // An applied state: the check API then needs the directory to answer.
  const store = await openStore(storeLocation(url, '/'), { use: 'write' })
  await applyExampleAccess(store)
  await store.close()
  server = await startServer(url, ['--db-pool-size', '1', '--db-pool-wait', '0.3', '--db-lock-timeout', '2', '--db-statement-timeout', '1'])
  const scim = runCli(['token', 'create', '--connection', 'okta', '--db', url])
  expect(scim.status, scim.stderr).toBe(0)
  scimToken = lastLine(scim.stdout)
  const admin = runCli(['admin-token', 'create', '--scope', 'check', '--db', url])
  expect(admin.status, admin.stderr).toBe(0)
  checkToken = lastLine(admin.stdout)
}, 60_000)

afterAll(async () => {
  server.child.kill('SIGTERM')
  await server.exited
})

type Answer = { what: string; status: number; ms: number; retryAfter: string | null; contentType: string | null; body: unknown }

async function timed(what: string, path: string, init: RequestInit): Promise<Answer> {
  const started = performance.now()
  const response = await fetch(`${server.url}${path}`, init)
  const body = (await response.json()) as unknown
  return { what, status: response.status, ms: performance.now() - started, retryAfter: response.headers.get('retry-after'), contentType: response.headers.get('content-type'), body }
}

const scim = (what: string, method: string, path: string, body?: unknown) =>
  timed(what, `/scim/v2${path}`, { method, headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
const check = (user: string) => timed('check', '/api/v1/check', { method: 'POST', headers: { authorization: `Bearer ${checkToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ user, permission: 'sso:manage' }) })

describe('a full PostgreSQL pool on rolecall serve', () => {
  it('answers 503 after a bounded wait (SCIM with Retry-After and an RFC 7644 body, the check API as JSON), then serves again once the lock is released', async () => {
    // Both tokens are accepted once, while the database answers: the server trusts them for 2 s, so the requests
    // below get past authentication and wait on the database.
    expect((await scim('warm', 'GET', '/Users?count=1')).status).toBe(200)
    expect((await check('nobody@acme.example')).status).toBe(200)

    const holder = postgres(url, { max: 1, onnotice: () => undefined })
    const held = await holder.reserve()
    await held.unsafe('BEGIN')
    await held.unsafe('LOCK TABLE store_head, users, groups, memberships, applied_revisions, break_glass IN ACCESS EXCLUSIVE MODE')
    let answers: Answer[]
    try {
      answers = await Promise.all([
        scim('list', 'GET', '/Users?filter=userName%20eq%20%22ann@acme.example%22'),
        scim('get', 'GET', '/Users/u-unknown'),
        scim('create', 'POST', '/Users', aUser('ann@acme.example')),
        scim('create', 'POST', '/Users', aUser('bob@acme.example')),
        scim('groups', 'GET', '/Groups'),
        check('ann@acme.example'),
        check('bob@acme.example'),
      ])
    } finally {
      await held.unsafe('ROLLBACK')
      held.release()
      await holder.end()
    }

    for (const answer of answers) {
      expect(answer.status, `${answer.what}: ${JSON.stringify(answer.body)}`).toBe(503)
      expect(Number(answer.retryAfter), answer.what).toBeGreaterThanOrEqual(1)
      // Bounded: no statement waits and runs longer than the pool wait plus the statement timeout (1.3 s), whether it
      // waited for the connection, behind another statement on it, or for the lock; seven requests one after the
      // other behind the lock would take 7 s or more.
      expect(answer.ms, answer.what).toBeLessThan(4000)
      if (answer.what === 'check') {
        expect(answer.contentType).toMatch(/^application\/json/)
        expect(answer.body).toEqual({ error: expect.stringMatching(/^the store is (busy|unavailable)/) })
      } else {
        expect(answer.contentType).toMatch(/^application\/scim\+json/)
        expect(answer.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503', detail: expect.stringMatching(/^the store is (busy|unavailable)/) })
      }
    }

    // The lock is gone: the same requests are served, by the same process.
    expect((await scim('create', 'POST', '/Users', aUser('ann@acme.example'))).status).toBe(201)
    expect((await scim('list', 'GET', '/Users?filter=userName%20eq%20%22ann@acme.example%22')).body).toMatchObject({ totalResults: 1 })
    expect((await check('ann@acme.example')).status).toBe(200)
    expect(server.lines.join('\n')).not.toContain('"statusCode":500')
  }, 60_000)
})
