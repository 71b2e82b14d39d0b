// The store a test runs on, for the backend under test: SQLite (the `sqlite` vitest project) or PostgreSQL (the
// `postgres` project, see vitest.config.ts and test/helpers/backends.ts). Every store is opened through openStore,
// as the server and the commands open theirs; what a test made is removed after its file's last test.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import postgres from 'postgres'
import { afterAll, inject } from 'vitest'
import { copyStore } from '../../src/store/copy.js'
import { storeLocation } from '../../src/store/location.js'
import { openStore, type StoreUse } from '../../src/store/open-store.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { JsonObject, Store } from '../../src/store/store.js'
import { freshStoreDatabase, reusableStoreDatabase } from './postgres-db.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The backend that testStore and testDbLocation give (the vitest project's). */
    storeBackend: 'sqlite' | 'postgres'
  }
}

export type TestBackend = 'sqlite' | 'postgres'

/** The backend under test: the vitest project's (`sqlite` unless the project says otherwise). */
export function testBackend(): TestBackend {
  return inject('storeBackend') === 'postgres' ? 'postgres' : 'sqlite'
}

const opened: Store[] = []
const directories: string[] = []

afterAll(async () => {
  for (const store of opened.splice(0)) await store.close().catch(() => undefined)
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A new temporary directory, removed after this file's tests. */
export function testDir(prefix = 'rolecall-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  directories.push(dir)
  return dir
}

/**
 * Where a new store lives, as `--db` and `ROLECALL_DB` take it, for spawned commands and servers: on SQLite a path
 * in a new directory (no file there yet: `serve` or openTestStore makes it), on PostgreSQL the URL of a new
 * database that holds the schema and nothing else.
 */
export async function testDbLocation(): Promise<string> {
  if (testBackend() === 'postgres') return freshStoreDatabase()
  return join(testDir('rolecall-db-'), 'rolecall.db')
}

/** The store at `db` (a testDbLocation), opened as a command that writes opens it (`use: 'serve'` as a server); made if new. */
export async function openTestStore(db: string, options: { clock?: () => Date; use?: StoreUse } = {}): Promise<Store> {
  const store = await openStore(storeLocation(db, process.cwd()), { use: options.use ?? 'write', ...(options.clock === undefined ? {} : { clock: options.clock }), connection: { poolSize: 4 } })
  opened.push(store)
  return store
}

/** A new, empty store, opened as the server opens it (its caches in front); closed after this file's tests unless the test closes it. */
export async function testStore(clock?: () => Date): Promise<Store> {
  const options = { use: 'serve' as const, ...(clock === undefined ? {} : { clock }) }
  if (testBackend() === 'sqlite') return openTestStore(':memory:', options)
  // Once closed, its database is emptied and given to the next testStore() of this file.
  const { url, release } = await reusableStoreDatabase()
  const store = await openTestStore(url, options)
  const close = store.close.bind(store)
  store.close = () => close().then(release)
  return store
}

/** A new store at a new testDbLocation, closed again: what a command given `--db` finds after `serve` first ran. */
export async function createdTestDb(): Promise<string> {
  const db = await testDbLocation()
  const store = await openTestStore(db)
  await store.close()
  return db
}

/** Another connection's transaction that holds the write lock of the store at `db` until `release` (which may be called again). */
export async function holdWriteLock(db: string): Promise<{ release: () => Promise<void> }> {
  let released: Promise<void> | undefined
  if (testBackend() === 'sqlite') {
    const holder = new Database(db)
    holder.exec('BEGIN IMMEDIATE')
    return {
      release: () =>
        (released ??= (async () => {
          holder.exec('ROLLBACK')
          holder.close()
        })()),
    }
  }
  // Every write takes the head row first (src/store/postgres/transaction.ts): holding it holds them all.
  const sql = postgres(db, { max: 1, onnotice: () => undefined })
  const reserved = await sql.reserve()
  await reserved.unsafe('BEGIN')
  await reserved.unsafe('SELECT revision FROM store_head WHERE id = 1 FOR UPDATE')
  return {
    release: () =>
      (released ??= (async () => {
        await reserved.unsafe('ROLLBACK')
        reserved.release()
        await sql.end({ timeout: 5 })
      })()),
  }
}

/**
 * `store`, and `fail()`, after which every method fails with an error of its own (a TypeError, not a StoreError):
 * a fault of the server's, which is answered 500, whereas a store that is closed or unreachable is answered 503.
 */
export function faultyStore<T extends Store>(store: T): { store: T; fail: () => void } {
  let isFailing = false
  const faulty = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (isFailing && name !== 'close') return Promise.reject(new TypeError('a fault'))
        return (value as (...params: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { store: faulty, fail: () => (isFailing = true) }
}

/**
 * The store at `db` (a new testDbLocation) holding `users` and `groups` of `connection`, returned open: loaded by
 * SQLite's bulk loader, into a scratch file that `rolecall store copy` copies on PostgreSQL.
 */
export async function bulkLoadedTestStore(db: string, connection: string, users: JsonObject[], groups: { doc: JsonObject; memberIndexes: number[] }[]): Promise<Store> {
  const file = testBackend() === 'sqlite' ? db : join(testDir('rolecall-bulk-'), 'bulk.db')
  const loader = openSqliteStore(file)
  try {
    await loader.ensureConnection(connection)
    loader.bulkLoad(connection, users, groups)
  } finally {
    await loader.close()
  }
  if (file !== db) await copyStore(storeLocation(file, process.cwd()), storeLocation(db, process.cwd()))
  return openTestStore(db)
}
