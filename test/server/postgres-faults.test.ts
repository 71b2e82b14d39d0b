// PostgreSQL killed while serving: SCIM answers 503 with Retry-After and an RFC 7644 error body, the admin API 503,
// /readyz 503 while /healthz stays 200; when the database is back the server reconnects by itself, and every write
// that got a 2xx is there.
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPostgres, type PostgresServer } from '../helpers/postgres.mjs'
import { aUser } from '../helpers/scim.js'
import { runCli, startServer, type RunningServer } from '../helpers/serve.js'

let database: PostgresServer
let url = ''
let server: RunningServer
let token = ''

beforeAll(async () => {
  // A server of its own: this test kills it, and other test files share the run's.
  database = await startPostgres()
  url = await database.createDatabase()
  server = await startServer(url)
  const created = runCli(['token', 'create', '--connection', 'okta', '--db', url])
  expect(created.status, created.stderr).toBe(0)
  token = created.stdout.trimEnd().split('\n').at(-1) ?? ''
}, 60_000)

afterAll(async () => {
  server.child.kill('SIGTERM')
  await server.exited
  database.destroy()
})

async function createUser(userName: string) {
  const response = await fetch(`${server.url}/scim/v2/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify(aUser(userName)),
  })
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, unknown> }
}

describe('PostgreSQL killed mid-burst', () => {
  it('answers 503, never 500, while it is down; reconnects when it is back; loses no acknowledged write', async () => {
    const acknowledged: string[] = []
    const refused: { status: number; retryAfter: string | null; body: Record<string, unknown> }[] = []
    let killed = false
    for (let i = 0; i < 120; i++) {
      if (i === 40) {
        database.kill()
        killed = true
      }
      const burst = await Promise.all(Array.from({ length: 4 }, (_, j) => createUser(`user-${i}-${j}@example.com`).then((result) => ({ result, userName: `user-${i}-${j}@example.com` }))))
      for (const { result, userName } of burst) {
        if (result.status === 201) acknowledged.push(userName)
        else refused.push(result)
      }
      if (killed && i === 60) {
        const health = await fetch(`${server.url}/healthz`)
        expect(health.status).toBe(200)
        const ready = await fetch(`${server.url}/readyz`)
        expect(ready.status).toBe(503)
        expect(await ready.json()).toEqual({ status: 'unavailable', error: 'the store is unavailable; try again later' })
        const admin = await fetch(`${server.url}/api/v1/state`, { headers: { authorization: 'Bearer rca_unknown' } })
        expect([401, 503]).toContain(admin.status)
        database.start()
      }
    }
    expect(refused.length).toBeGreaterThan(0)
    for (const refusal of refused) {
      expect(refusal.status).toBe(503)
      expect(Number(refusal.retryAfter)).toBeGreaterThanOrEqual(1)
      expect(refusal.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503', detail: 'the store is unavailable; try again later' })
    }
    // Back: the last bursts were acknowledged again, without a restart of rolecall.
    expect(acknowledged.at(-1)).toBe('user-119-3@example.com')
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
    const sql = postgres(url, { max: 1, onnotice: () => undefined })
    const stored = new Set((await sql<{ user_name: string }[]>`SELECT user_name FROM users`).map((row) => row.user_name))
    await sql.end()
    expect(acknowledged.filter((userName) => !stored.has(userName))).toEqual([])
    expect(server.lines.join('\n')).not.toContain('"statusCode":500')
    const verified = runCli(['audit', 'verify', '--db', url])
    expect(verified.status, verified.stdout + verified.stderr).toBe(0)
  }, 120_000)
})
