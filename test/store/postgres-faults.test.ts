// The PostgreSQL store against a server that crashes, restarts, asks for a password or refuses TLS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StoreBusyError, StoreCorruptError, StoreError, StoreFullError, StoreReadOnlyError, StoreUnavailableError } from '../../src/errors.js'
import { postgresStoreError } from '../../src/store/postgres/errors.js'
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.mjs'

const actor = { actor: 'scim:okta' }

describe('postgres store: a server that crashes and comes back', () => {
  let cluster: PostgresServer
  const stores: PostgresStore[] = []

  beforeAll(async () => {
    // A server of its own: this test kills it, and other test files share the run's.
    cluster = await startPostgres()
  })

  afterAll(async () => {
    for (const store of stores) await store.close().catch(() => {})
    cluster.destroy()
  })

  it('fails writes as unavailable while the postmaster is dead, reconnects by itself, and lost no acknowledged write', async () => {
    const url = await cluster.createDatabase()
    const store = await openPostgresStore(url, { connectTimeoutMs: 1000, poolWaitMs: 1000 })
    stores.push(store)
    const acknowledged: string[] = []
    for (let i = 0; i < 20; i++) acknowledged.push((await store.createUser('okta', { userName: `before${i}@example.com` }, actor)).id)
    // A burst in flight when the server dies: each write either got its answer (kept) or failed as unavailable.
    const burst = Array.from({ length: 40 }, (_, i) => store.createUser('okta', { userName: `burst${i}@example.com` }, actor))
    await new Promise((resolve) => setTimeout(resolve, 5))
    cluster.kill()
    const outcomes = await Promise.allSettled(burst)
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') acknowledged.push(outcome.value.id)
      else expect(outcome.reason).toBeInstanceOf(StoreUnavailableError)
    }
    const down = await store.createUser('okta', { userName: 'down@example.com' }, actor).catch((caught: unknown) => caught)
    expect(down).toBeInstanceOf(StoreUnavailableError)
    expect((down as StoreUnavailableError).retryAfterSeconds).toBeGreaterThan(0)
    cluster.start()
    let after: unknown
    for (let attempt = 0; attempt < 50; attempt++) {
      after = await store.createUser('okta', { userName: 'after@example.com' }, actor).catch((caught: unknown) => caught)
      if (!(after instanceof StoreUnavailableError)) break
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(after).toMatchObject({ connection: 'okta', version: 1 })
    for (const id of acknowledged) expect(await store.userVersion('okta', id)).toBe(1)
    expect(await store.verifyAudit()).toMatchObject({ ok: true })
  })

  it('takes the password from PGPASSWORD when the URL has none, and never shows a wrong one', async () => {
    // The server asks for a password (scram-sha-256); the URL names the user only.
    const withPassword = new URL(await cluster.createDatabase())
    const url = `postgres://${cluster.user}@${cluster.host}:${cluster.port}${withPassword.pathname}`
    const saved = process.env['PGPASSWORD']
    try {
      process.env['PGPASSWORD'] = cluster.password
      const store = await openPostgresStore(url)
      stores.push(store)
      expect((await store.createUser('okta', { userName: 'ada@example.com' }, actor)).version).toBe(1)
      const wrong = await openPostgresStore(url.replace(`${cluster.user}@`, `${cluster.user}:wrong-battery@`)).catch((caught: unknown) => caught)
      expect(wrong).toBeInstanceOf(StoreError)
      expect((wrong as Error).message).toContain(`cannot sign in to the store postgres://${cluster.user}:***@`)
      expect(JSON.stringify(wrong, Object.getOwnPropertyNames(wrong))).not.toContain('wrong-battery')
    } finally {
      if (saved === undefined) delete process.env['PGPASSWORD']
      else process.env['PGPASSWORD'] = saved
    }
  })

  it('honours sslmode: require fails against a server without TLS', async () => {
    const url = `${await cluster.createDatabase()}?sslmode=require`
    await expect(openPostgresStore(url, { connectTimeoutMs: 2000 })).rejects.toThrow(StoreError)
  })
})

describe('postgres store: driver errors as the contract\'s', () => {
  const display = 'postgres://app:***@db.example/rolecall'
  it.each([
    ['55P03', StoreBusyError],
    ['QUEUE_TIMEOUT', StoreBusyError],
    ['53300', StoreBusyError],
    ['57P01', StoreUnavailableError],
    ['08006', StoreUnavailableError],
    ['CONNECTION_CLOSED', StoreUnavailableError],
    ['ECONNREFUSED', StoreUnavailableError],
    ['53100', StoreFullError],
    ['25006', StoreReadOnlyError],
    ['XX001', StoreCorruptError],
    ['XX002', StoreCorruptError],
    ['42P01', StoreError],
  ] as const)('maps %s to %s, naming the store without its password', (code, kind) => {
    const mapped = postgresStoreError(display, Object.assign(new Error('server said so to app:hunter2'), { code }), 'hunter2')
    expect(mapped).toBeInstanceOf(kind)
    expect((mapped as Error).message).toContain(display)
    expect((mapped as Error).message).not.toContain('hunter2')
  })

  it('leaves errors that are not the driver\'s, and the contract\'s own, as they are', () => {
    const own = new StoreBusyError('busy')
    const bug = new TypeError('not a function')
    expect(postgresStoreError(display, own)).toBe(own)
    expect(postgresStoreError(display, bug)).toBe(bug)
  })
})
