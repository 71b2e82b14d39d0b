// `atLeast` across two `rolecall serve` replicas on one PostgreSQL database: a check on replica B that names the
// store revision of a deactivation made through replica A answers from a state that includes it, at once (no
// polling), and a revision the store has not reached is answered 409.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/open-store.js'
import { storeLocation } from '../../src/store/location.js'
import type { Store } from '../../src/store/store.js'
import { applyExampleAccess } from '../helpers/apply-example.js'
import { freshDatabase } from '../helpers/postgres-db.js'
import { patch } from '../helpers/scim.js'
import { startServer, type RunningServer } from '../helpers/serve.js'

const write = { actor: 'test' }
let url = ''
let dir = ''
let store: Store
let scimToken = ''
let checkToken = ''
const ids: Record<string, string> = {}
const replicas: RunningServer[] = []

beforeAll(async () => {
  url = await freshDatabase()
  dir = await mkdtemp(join(tmpdir(), 'rolecall-at-least-'))
  store = await openStore(storeLocation(url, dir), { use: 'write' })
  for (const name of ['ann', 'bo', 'cy']) ids[name] = (await store.createUser('okta', { userName: `${name}@acme.example`, active: true }, write)).id
  await store.createGroup('okta', { displayName: 'security-admins' }, [ids.ann ?? '', ids.bo ?? '', ids.cy ?? ''], write)
  await applyExampleAccess(store)
  scimToken = (await store.createToken('okta')).token
  checkToken = (await store.createAdminToken(['check'])).token
  replicas.push(await startServer(url), await startServer(url))
}, 60_000)

afterAll(async () => {
  for (const replica of replicas) {
    replica.child.kill('SIGTERM')
    await replica.exited
  }
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

const replica = (index: number): string => replicas[index]?.url ?? ''

async function check(index: number, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${replica(index)}/api/v1/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${checkToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ permission: 'sso:manage', authMethod: 'sso', ...body }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function deactivate(index: number, user: string): Promise<void> {
  const response = await fetch(`${replica(index)}/scim/v2/Users/${ids[user] ?? ''}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify(patch({ op: 'replace', path: 'active', value: false })),
  })
  await response.arrayBuffer()
  expect(response.status).toBe(200)
}

describe('atLeast across two replicas', () => {
  it('a deactivation acknowledged by replica A is denied by replica B on the first check that names its revision', async () => {
    for (const user of ['ann', 'bo']) expect((await check(1, { user: `${user}@acme.example` })).body.allowed).toBe(true)
    for (const user of ['ann', 'bo']) {
      await deactivate(0, user)
      const revision = await store.revision()
      const answer = await check(1, { user: `${user}@acme.example`, atLeast: revision, provenance: true })
      expect(answer.status).toBe(200)
      expect(answer.body.allowed).toBe(false)
      expect((answer.body.provenance as { storeRevision: number }).storeRevision).toBeGreaterThanOrEqual(revision)
    }
    expect((await check(1, { user: 'cy@acme.example' })).body.allowed).toBe(true)
  })

  it('answers 409 on either replica for a revision the store has not reached', async () => {
    const revision = await store.revision()
    for (const index of [0, 1]) {
      const answer = await check(index, { user: 'cy@acme.example', atLeast: revision + 1 })
      expect(answer).toEqual({ status: 409, body: { error: expect.stringMatching(/^the store has not reached revision/), kind: 'behind', atLeast: revision + 1, storeRevision: revision } })
    }
  })
})
