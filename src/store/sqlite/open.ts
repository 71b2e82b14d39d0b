// Opens a SQLite database with rolecall's settings: WAL, durable commits, foreign keys, migrations applied.
import { mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { StoreError } from '../../errors.js'
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

/**
 * What an SQLite result code (the primary one: SQLITE_BUSY for SQLITE_BUSY_RECOVERY) says about the store file at
 * `path`, given the driver's own message, which names no file.
 */
const sqliteProblems: Record<string, (path: string, message: string) => string> = {
  SQLITE_NOTADB: (path) => `${path} is not a rolecall store (not an SQLite database)`,
  SQLITE_CORRUPT: (path) => `the store ${path} is damaged (a malformed SQLite database); restore it from a backup`,
  SQLITE_CANTOPEN: (path, message) => (isDirectory(path) ? `the store ${path} is a directory; give the path of a store file` : `cannot open the store ${path}: ${message}`),
  SQLITE_READONLY: (path) => `the store ${path} is read-only; rolecall writes to it, and to the -wal and -shm files beside it`,
  SQLITE_PERM: (path) => `the store ${path} may not be accessed (permission denied)`,
  SQLITE_BUSY: (path) => `the store ${path} is locked by another process; try again`,
  SQLITE_LOCKED: (path) => `the store ${path} is locked by another process; try again`,
  SQLITE_FULL: (path) => `the store ${path} cannot grow: the disk is full`,
  SQLITE_IOERR: (path, message) => `cannot read or write the store ${path}: ${message}`,
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** The primary SQLite result code of a driver error, or undefined for any other error. */
function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code.split('_').slice(0, 2).join('_') : undefined
}

/** A failure to open (or set up) the store at `path`, as one StoreError that names the file and what is wrong with it. */
function openError(path: string, error: unknown): StoreError {
  const message = error instanceof Error ? error.message : String(error)
  const code = sqliteCode(error)
  const describe = code === undefined ? undefined : sqliteProblems[code]
  return new StoreError(describe === undefined ? `cannot open the store ${path}: ${message}` : describe(path, message), { cause: error })
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
