// The one place that opens a store: every command, the server and the demo call openStore with a location.
import { existsSync } from 'node:fs'
import { RolecallError, StoreError } from '../errors.js'
import type { StoreLocation } from './location.js'
import { withStoreCaches } from './cache/cached-store.js'
import { backupDatabase } from './sqlite/backup.js'
import type { PoolOptions } from './postgres/connect.js'
import { openPostgresStore, postgresStoreExists } from './postgres/postgres-store.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'
import type { Store } from './store.js'

/**
 * What the store is opened for. `serve`: a long-running server (writes wait on timers, never blocking the event
 * loop; background checkpoints). `write`: a command that writes (waits for another process's lock in place).
 * `read`: a command that only reads (no migrations, every write refused, readable on a read-only mount).
 */
export type StoreUse = 'serve' | 'write' | 'read'

/**
 * How a store uses its database. PostgreSQL: all of them (see PoolOptions). SQLite: `lockTimeoutMs` is how long a
 * write waits for another process's write lock; the rest have no meaning for a file.
 */
export type StoreConnectionSettings = Pick<PoolOptions, 'poolSize' | 'connectTimeoutMs' | 'poolWaitMs' | 'lockTimeoutMs' | 'statementTimeoutMs'>

export type OpenStoreOptions = {
  use: StoreUse
  /** Pool size and timeouts; each backend's defaults where unset. */
  connection?: StoreConnectionSettings
  /** Clock for timestamps; tests pass a fixed one. */
  clock?: () => Date
}

/** Whether a store exists at `location`: a file, or a database that holds rolecall's schema. */
export async function storeExists(location: StoreLocation): Promise<boolean> {
  if (location.backend === 'postgres') return postgresStoreExists(location.url, location.display)
  return location.path === ':memory:' || existsSync(location.path)
}

/**
 * Opens the store at `location`, creating and migrating it unless `use` is `read`. Commands other than `serve`
 * refuse a location where no store exists (see requireStore): a typo in --db must not start an empty one.
 */
export async function openStore(location: StoreLocation, options: OpenStoreOptions): Promise<Store> {
  if (location.backend === 'postgres') {
    const store = await openPostgresStore(location.url, { ...options.connection, ...(options.clock === undefined ? {} : { clock: options.clock }), display: location.display, readonly: options.use === 'read' })
    return options.use === 'read' ? store : withStoreCaches(store)
  }
  const clock = options.clock === undefined ? {} : { clock: options.clock }
  const lockWait = options.connection?.lockTimeoutMs === undefined ? {} : { lockDeadlineMs: options.connection.lockTimeoutMs }
  switch (options.use) {
    case 'serve':
      return withStoreCaches(openSqliteStore(location.path, { ...clock, ...lockWait, backgroundCheckpoint: true, lockWait: 'retry' }))
    case 'write':
      return withStoreCaches(openSqliteStore(location.path, { ...clock, ...lockWait }))
    case 'read':
      return openSqliteStore(location.path, { ...clock, readonly: true })
  }
}

/** Fails, naming the location, when no store exists there; `hint` says how one comes to be. */
export async function requireStore(location: StoreLocation, hint = 'rolecall serve creates it when it first starts'): Promise<void> {
  if (!(await storeExists(location))) throw new RolecallError(`no database at ${location.display}; ${hint}`)
}

/** A consistent copy of the store at `source` into the new file `destination`, while servers keep serving; returns what it copied. */
export async function backupStore(source: StoreLocation, destination: string): Promise<string> {
  if (source.backend === 'postgres') {
    throw new StoreError(
      `rolecall backup copies SQLite stores; for ${source.display} use pg_dump (or your provider's snapshots), which copies the whole database consistently, or rolecall store copy --from ${source.display} --to FILE for an SQLite copy of the store while it serves`,
    )
  }
  const pages = await backupDatabase(source.path, destination)
  return `${pages} pages`
}
