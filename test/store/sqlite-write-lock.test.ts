// Another process holding the store's write lock: a server keeps serving reads, queues its writes, and gives up
// on them cleanly at a deadline; the CLI waits in SQLite's busy handler. The holder is a second connection.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { StoreBusyError } from '../../src/errors.js'
import { readPlanBase } from '../../src/apply/store-base.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import { makePlan } from '../../src/plan/make-plan.js'
import { createScimApp } from '../../src/scim/app.js'
import { createApiApp } from '../../src/server/api.js'
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { exampleApprovals } from '../helpers/apply-example.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'

const dirs: string[] = []
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-lock-'))
  dirs.push(dir)
  return join(dir, 'rolecall.db')
}

function open(path: string, options: Parameters<typeof openSqliteStore>[1]): SqliteStore {
  const store = openSqliteStore(path, options)
  cleanups.push(() => store.close())
  return store
}

/** Another process's long transaction (`apply --db`, a second server): BEGIN IMMEDIATE until `release()`. */
function holdWriteLock(path: string): { release: () => void } {
  const db = new Database(path)
  db.exec('BEGIN IMMEDIATE')
  let isHeld = true
  const release = () => {
    if (!isHeld) return
    isHeld = false
    db.exec('ROLLBACK')
    db.close()
  }
  cleanups.push(release)
  return { release }
}

const scim = { actor: 'scim:okta' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const count = (path: string, table: string) => {
  const db = new Database(path, { readonly: true })
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
  } finally {
    db.close()
  }
}

describe('a server store while another process holds the write lock', () => {
  it('answers reads at once, keeps the event loop free, and commits queued writes in order once the lock is free', async () => {
    const path = tempDb()
    const store = open(path, { lockWait: 'retry', lockDeadlineMs: 5000 })
    const first = await store.createUser('okta', { userName: 'first@example.com' }, scim)
    const revision = await store.revision()
    const holder = holdWriteLock(path)

    let settled = 0
    const writes = ['a', 'b', 'c'].map((name) => store.createUser('okta', { userName: `${name}@example.com` }, scim).finally(() => settled++))
    const started = performance.now()
    // Reads go through the reader connection: no wait for the lock.
    expect((await store.getUser('okta', first.id, false))?.doc['userName']).toBe('first@example.com')
    expect(await store.revision()).toBe(revision)
    // Timers fire on time: nothing sleeps on the thread while the writes wait.
    await sleep(20)
    await sleep(20)
    expect(performance.now() - started).toBeLessThan(500)
    await sleep(150)
    expect(settled).toBe(0)

    holder.release()
    const created = await Promise.all(writes)
    expect(created.map((user) => user.doc['userName'])).toEqual(['a@example.com', 'b@example.com', 'c@example.com'])
    expect(await store.revision()).toBe(revision + 3)
    // Acknowledged means committed: another connection sees them, in the order they arrived.
    const db = new Database(path, { readonly: true })
    const names = db.prepare(`SELECT user_name FROM users ORDER BY rid`).pluck().all()
    db.close()
    expect(names).toEqual(['first@example.com', 'a@example.com', 'b@example.com', 'c@example.com'])
    expect(await store.verifyAudit()).toMatchObject({ ok: true })
  })

  it('fails a write that waits past the deadline with StoreBusyError, having written nothing, and writes again later', async () => {
    const path = tempDb()
    const store = open(path, { lockWait: 'retry', lockDeadlineMs: 200 })
    await store.createUser('okta', { userName: 'first@example.com' }, scim)
    const auditBefore = count(path, 'audit')
    const holder = holdWriteLock(path)

    const started = performance.now()
    const failed = await store.createUser('okta', { userName: 'late@example.com' }, scim).then(
      () => undefined,
      (error: unknown) => error,
    )
    const waited = performance.now() - started
    expect(failed).toBeInstanceOf(StoreBusyError)
    expect((failed as StoreBusyError).retryAfterSeconds).toBeGreaterThan(0)
    expect((failed as Error).message).toMatch(/locked by another process/)
    expect(waited).toBeGreaterThanOrEqual(190)
    expect(waited).toBeLessThan(1500)

    holder.release()
    expect(count(path, 'users')).toBe(1)
    expect(count(path, 'audit')).toBe(auditBefore)
    // The store is not stuck: the next write begins its own batch.
    await store.createUser('okta', { userName: 'after@example.com' }, scim)
    expect(count(path, 'users')).toBe(2)
    expect(await store.verifyAudit()).toMatchObject({ ok: true })
  })

  it('answers a SCIM write that cannot get the lock with 503, Retry-After and an RFC 7644 error body', async () => {
    const path = tempDb()
    const store = open(path, { lockWait: 'retry', lockDeadlineMs: 100 })
    const { token } = await store.createToken('okta')
    const app = createScimApp({ store })
    const holder = holdWriteLock(path)
    const response = await app.request('http://localhost/scim/v2/Users', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'busy@example.com' }),
    })
    holder.release()
    expect(response.status).toBe(503)
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503' })
    expect(String(body['detail'])).not.toContain(path)
    expect(count(path, 'users')).toBe(0)
  })

  it('answers an admin API apply that cannot get the lock with 503 and Retry-After, having applied nothing', async () => {
    const path = tempDb()
    const store = open(path, { lockWait: 'retry', lockDeadlineMs: 100 })
    const { token } = await store.createAdminToken(['plan', 'apply'])
    const app = createApiApp({ store, clock: () => fixtureNow, approvals: { trustBranchProtection: true } })
    const loaded = await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now: fixtureNow })
    const plan = makePlan(loaded.state, await readPlanBase(store), fixtureNow)
    const holder = holdWriteLock(path)
    const response = await app.request('http://localhost/api/v1/apply', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ plan, approvedBy: exampleApprovals }),
    })
    holder.release()
    expect(response.status).toBe(503)
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await response.json()).toEqual({ error: 'the store is busy with another process; try again later' })
    expect(count(path, 'applied_revisions')).toBe(0)
  })

  it('fails writes still waiting when the store closes, without writing them', async () => {
    const path = tempDb()
    const store = openSqliteStore(path, { lockWait: 'retry', lockDeadlineMs: 5000 })
    const holder = holdWriteLock(path)
    const pending = store.createUser('okta', { userName: 'closing@example.com' }, scim).then(
      () => undefined,
      (error: unknown) => error,
    )
    await sleep(20)
    await store.close()
    expect(await pending).toBeInstanceOf(StoreBusyError)
    holder.release()
    expect(count(path, 'users')).toBe(0)
  })
})

describe('a CLI store while another process holds the write lock', () => {
  it('waits in SQLite for the lock, then fails with StoreBusyError and writes nothing', async () => {
    const path = tempDb()
    const store = open(path, { lockDeadlineMs: 150 })
    const holder = holdWriteLock(path)
    const started = performance.now()
    await expect(store.createToken('okta')).rejects.toBeInstanceOf(StoreBusyError)
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    holder.release()
    expect(count(path, 'tokens')).toBe(0)
    await store.createToken('okta')
    expect(count(path, 'tokens')).toBe(1)
  })
})
