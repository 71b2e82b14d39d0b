// SQLite's result codes as the store contract's errors: nothing outside src/store/sqlite knows an SQLITE_* code.
import { statSync } from 'node:fs'
import { StoreBusyError, StoreCorruptError, StoreError, StoreFullError, StoreReadOnlyError } from '../../errors.js'

type Problem = { error: new (message: string, options?: { cause?: unknown }) => StoreError; message: (path: string, message: string) => string }

/**
 * What an SQLite result code (the primary one: SQLITE_BUSY for SQLITE_BUSY_RECOVERY) says about the store file at
 * `path`, given the driver's own message, which names no file.
 */
const problems: Record<string, Problem> = {
  SQLITE_NOTADB: { error: StoreCorruptError, message: (path) => `${path} is not a rolecall store (not an SQLite database)` },
  SQLITE_CORRUPT: { error: StoreCorruptError, message: (path) => `the store ${path} is damaged (a malformed SQLite database); restore it from a backup` },
  SQLITE_CANTOPEN: {
    error: StoreError,
    message: (path, message) => (isDirectory(path) ? `the store ${path} is a directory; give the path of a store file` : `cannot open the store ${path}: ${message}`),
  },
  SQLITE_READONLY: { error: StoreReadOnlyError, message: (path) => `the store ${path} is read-only; rolecall writes to it, and to the -wal and -shm files beside it` },
  SQLITE_PERM: { error: StoreError, message: (path) => `the store ${path} may not be accessed (permission denied)` },
  SQLITE_BUSY: { error: StoreBusyError, message: (path) => `the store ${path} is locked by another process; try again` },
  SQLITE_LOCKED: { error: StoreBusyError, message: (path) => `the store ${path} is locked by another process; try again` },
  SQLITE_FULL: { error: StoreFullError, message: (path) => `the store ${path} cannot grow: the disk is full; free some disk space` },
  SQLITE_IOERR: { error: StoreError, message: (path, message) => `cannot read or write the store ${path}: ${message}` },
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** The primary SQLite result code of a driver error, or undefined for any other error. */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code.split('_').slice(0, 2).join('_') : undefined
}

/**
 * The contract's error for a driver error raised on the store at `path`; any other error unchanged. `opening`
 * says the failure came while opening, where an unknown code still names the file it could not open.
 */
export function sqliteStoreError(path: string, error: unknown, opening = false): unknown {
  const code = sqliteCode(error)
  if (code === undefined) return error
  const message = error instanceof Error ? error.message : String(error)
  const problem = problems[code]
  if (problem !== undefined) return new problem.error(problem.message(path, message), { cause: error })
  return new StoreError(opening ? `cannot open the store ${path}: ${message}` : `the store ${path} failed: ${message}`, { cause: error })
}
