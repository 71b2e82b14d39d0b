// Opens a SQLite database with rolecall's settings: WAL, durable commits, foreign keys, migrations applied.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { StoreError } from '../../errors.js'
import { sqliteCode, sqliteStoreError } from './errors.js'
import { migrate, refuseForeignDatabase } from './migrations.js'

/**
 * How long SQLite's busy handler sleeps, blocking the thread, for a lock another process holds: while opening
 * (migrations) and, in the CLI, for every write. A server's writer turns it off after opening (see LockWait).
 */
export const blockingBusyTimeoutMs = 10_000

export function isMemoryPath(path: string): boolean {
  return path === ':memory:' || path === ''
}

/** A configured connection. The first connection of a file also runs pending migrations. */
export type OpenOptions = {
  readonly?: boolean
  migrate?: boolean
  /**
   * FULL: every COMMIT fsyncs. NORMAL: only for a writer whose batcher fdatasyncs the WAL before acknowledging
   * (see WriteBatcher); checkpoints stay synced either way.
   */
  synchronous?: 'FULL' | 'NORMAL'
}

/** A failure to open (or set up) the store at `path`, as the contract's error that names the file and what is wrong with it. */
function openError(path: string, error: unknown): unknown {
  return sqliteCode(error) === undefined ? new StoreError(`cannot open the store ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }) : sqliteStoreError(path, error, true)
}

export function openDatabase(path: string, options: OpenOptions = {}): Database.Database {
  let db: Database.Database
  try {
    if (!isMemoryPath(path) && options.readonly !== true) mkdirSync(dirname(path), { recursive: true })
    db = new Database(path, { readonly: options.readonly === true, fileMustExist: options.readonly === true })
  } catch (error) {
    throw openError(path, error)
  }
  try {
    configure(db, path, options)
  } catch (error) {
    db.close()
    // The driver's errors name no file: say which one. Ours (a store from a newer rolecall) already say what to do.
    throw sqliteCode(error) === undefined ? error : openError(path, error)
  }
  return db
}

/** SQLite reads the file first here: a file that is not a database fails on the first pragma. */
function configure(db: Database.Database, path: string, options: OpenOptions): void {
  db.pragma(`busy_timeout = ${blockingBusyTimeoutMs}`)
  if (options.readonly !== true) refuseForeignDatabase(db)
  if (!isMemoryPath(path) && options.readonly !== true) db.pragma('journal_mode = WAL')
  // A 2xx to an IdP is a promise it will not resend: every acknowledged commit reaches disk (DESIGN §2).
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
  db.pragma('foreign_keys = ON')
  db.pragma('cache_size = -65536')
  db.pragma('temp_store = MEMORY')
  // Reads through the OS page cache without a copy per page: lookups at 100k users and millions of memberships.
  if (!isMemoryPath(path)) db.pragma('mmap_size = 1073741824')
  // Unicode-aware case folding for caseExact=false comparisons (SQLite's lower() folds ASCII only).
  db.function('lc', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value))
  if (options.migrate !== false && options.readonly !== true) migrate(db)
}
