// The CLI and `rolecall serve` compute a plan's directory digest on a worker thread: it must be the digest computed in process.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { directoryDigest } from '../../src/plan/make-plan.js'
import { repoRoot, runCli } from '../helpers/cli.js'
import { startServer } from '../helpers/serve.js'
import { bulkLoadedTestStore, openTestStore, testDbLocation } from '../helpers/test-store.js'

/** A store of 2,500 users in 30 groups: more than directoryDigestOffThread hashes in process. */
async function largeStore(db: string) {
  const users = Array.from({ length: 2_500 }, (_, i) => ({ userName: `user${i}@example.com`, active: i % 7 !== 0, ...(i % 3 === 0 ? { externalId: `x${i}` } : {}) }))
  const groups = Array.from({ length: 30 }, (_, g) => ({ doc: { displayName: `idp-group-${g}` }, memberIndexes: users.map((_, i) => i).filter((i) => (i + g) % 3 === 0) }))
  return bulkLoadedTestStore(db, 'okta', users, groups)
}

describe('rolecall plan --format json (directory digest)', () => {
  let work: string
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'rolecall-plan-digest-'))
  })
  afterAll(async () => {
    await rm(work, { recursive: true, force: true })
  })

  it('records the digest of the store it planned against', async () => {
    const db = await testDbLocation()
    const store = await openTestStore(db)
    const scim = { actor: 'scim:okta' }
    const ids: string[] = []
    for (const [i, name] of ['zoe@example.com', 'Ann@example.com', 'bob@example.com', 'Ünal "q" \\ <x>@example.com'].entries()) {
      ids.push((await store.createUser('okta', { userName: name, active: i !== 2, ...(i === 0 ? { externalId: 'ext-0' } : {}) }, scim)).id)
    }
    await store.createGroup('okta', { displayName: 'engineering' }, ids, scim)
    await store.createGroup('okta', { displayName: 'all-staff', externalId: 'g-1' }, [ids[3] as string, ids[1] as string], scim)
    await store.createGroup('azure', { displayName: 'empty' }, [], scim)
    const expected = directoryDigest(await store.snapshot())
    await store.close()
    const result = await runCli(['plan', '--format', 'json', '--dir', join(repoRoot, 'access'), '--db', db], { env: { ROLECALL_NOW: '2026-11-23' } })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect((JSON.parse(result.stdout) as { base: { directoryDigest: string } }).base.directoryDigest).toBe(expected)
  })

  it('records the digest of a store large enough to be hashed on a worker thread', async () => {
    const db = await testDbLocation()
    const store = await largeStore(db)
    const snapshot = await store.snapshot()
    expect(snapshot.users.length + snapshot.memberships.length).toBeGreaterThan(20_000)
    const expected = directoryDigest(snapshot)
    await store.close()
    const result = await runCli(['plan', '--format', 'json', '--dir', join(repoRoot, 'access'), '--db', db], { env: { ROLECALL_NOW: '2026-11-23' } })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect((JSON.parse(result.stdout) as { base: { directoryDigest: string } }).base.directoryDigest).toBe(expected)
  })

  it('records the same digest, and the same plan, when planned through rolecall serve', async () => {
    const db = await testDbLocation()
    const store = await largeStore(db)
    const expected = directoryDigest(await store.snapshot())
    const { token } = await store.createAdminToken(['plan'])
    await store.close()
    const server = await startServer(db)
    try {
      const env = { ROLECALL_NOW: '2026-11-23' }
      const remote = await runCli(['plan', '--format', 'json', '--dir', join(repoRoot, 'access'), '--server', server.url], { env: { ...env, ROLECALL_TOKEN: token } })
      expect(remote.stderr).toBe('')
      expect(remote.code).toBe(0)
      expect((JSON.parse(remote.stdout) as { base: { directoryDigest: string } }).base.directoryDigest).toBe(expected)
      const local = await runCli(['plan', '--format', 'json', '--dir', join(repoRoot, 'access'), '--db', db], { env })
      // The server plans at its own time: only createdAt may differ.
      const createdAt = /"createdAt": "[^"]*"/
      expect(remote.stdout.replace(createdAt, '')).toBe(local.stdout.replace(createdAt, ''))
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })
})
