// Several `rolecall serve --db postgres://…` processes on one database behave as one server: what one replica
// writes the other reads, uniqueness and membership changes hold across them, and the audit chain stays one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDatabase } from '../helpers/postgres-db.js'
import { aUser, groupSchemaUrn, patch } from '../helpers/scim.js'
import { runCli, startServer, type RunningServer } from '../helpers/serve.js'

let url = ''
let token = ''
const replicas: RunningServer[] = []

beforeAll(async () => {
  url = await freshDatabase()
  // The first replica creates the schema; the second finds it there.
  replicas.push(await startServer(url))
  replicas.push(await startServer(url))
  const created = runCli(['token', 'create', '--connection', 'okta', '--db', url])
  expect(created.status, created.stderr).toBe(0)
  token = created.stdout.trimEnd().split('\n').at(-1) ?? ''
}, 60_000)

afterAll(async () => {
  for (const replica of replicas) {
    replica.child.kill('SIGTERM')
    await replica.exited
  }
})

async function scim(replica: number, method: string, path: string, body?: unknown) {
  const response = await fetch(`${replicas[replica]?.url}/scim/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) }
}

describe('two replicas on one PostgreSQL database', () => {
  it('a user created on one replica is read, with the same ETag, on the other', async () => {
    const created = await scim(0, 'POST', '/Users', aUser('ada@example.com'))
    expect(created.status).toBe(201)
    const read = await scim(1, 'GET', `/Users/${created.body.id}`)
    expect(read.status).toBe(200)
    expect(read.body.userName).toBe('ada@example.com')
    expect(read.headers.get('etag')).toBe(created.headers.get('etag'))
    const found = await scim(1, 'GET', `/Users?filter=${encodeURIComponent('userName eq "ADA@example.com"')}`)
    expect(found.body.Resources.map((user: { id: string }) => user.id)).toEqual([created.body.id])
  })

  it('the same userName created on both at once: exactly one 201, the other 409 uniqueness', async () => {
    const results = await Promise.all([scim(0, 'POST', '/Users', aUser('Bo@example.com')), scim(1, 'POST', '/Users', aUser('bo@EXAMPLE.com'))])
    expect(results.map((result) => result.status).sort()).toEqual([201, 409])
    expect(results.find((result) => result.status === 409)?.body.scimType).toBe('uniqueness')
  })

  it('different members added to one group on both replicas at once: both are members, and If-Match holds across them', async () => {
    const users = await Promise.all(['cy', 'di', 'ed'].map((name) => scim(0, 'POST', '/Users', aUser(`${name}@example.com`))))
    const group = await scim(0, 'POST', '/Groups', { schemas: [groupSchemaUrn], displayName: 'engineers' })
    expect(group.status).toBe(201)
    const add = (replica: number, id: string) => scim(replica, 'PATCH', `/Groups/${group.body.id}`, patch({ op: 'add', path: 'members', value: [{ value: id }] }))
    const added = await Promise.all([add(0, users[0]?.body.id), add(1, users[1]?.body.id), add(0, users[2]?.body.id)])
    expect(added.map((result) => result.status)).toEqual([204, 204, 204])
    const read = await scim(1, 'GET', `/Groups/${group.body.id}`)
    expect(read.body.members.map((member: { value: string }) => member.value).sort()).toEqual(users.map((user) => user.body.id).sort())
    const stale = await fetch(`${replicas[1]?.url}/scim/v2/Groups/${group.body.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', 'if-match': group.headers.get('etag') ?? '' },
      body: JSON.stringify(patch({ op: 'replace', path: 'displayName', value: 'late' })),
    })
    expect(stale.status).toBe(412)
  })

  it('every write from either replica is in one audit chain that audit verify accepts', () => {
    const verified = runCli(['audit', 'verify', '--db', url])
    expect(verified.status, verified.stderr).toBe(0)
    expect(verified.stdout).toMatch(/^Audit chain intact: \d+ entries\./)
    expect(verified.stdout).not.toContain(new URL(url).password)
  })
})
