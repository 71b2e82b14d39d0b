// Opens a store for commands that only read (audit verify/export, token list, backup): no migrations, no writes,
// and on a read-only mount as well.
import { accessSync, constants, copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type Database from 'better-sqlite3'
import { StoreError } from '../../errors.js'
import { migrations } from './migrations.js'
import { openDatabase } from './open.js'

/** A connection that cannot write, and what to do once it is closed. */
export type ReadOnlyDatabase = { db: Database.Database; dispose: () => void }

function isWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK)
    return true
  } catch {
    return false
  }
}

/** The driver's code of the error a failed open wraps. */
function causeCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined
  const code = (cause as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

/**
 * - A store we may write to (file and directory): an ordinary connection with `query_only`, so that closing it
 *   checkpoints and removes the -wal and -shm files as every rolecall connection does. A read-only SQLite
 *   connection would leave them behind, owned by whoever ran the command, where the server may not open them.
 * - Otherwise (a read-only mount, a store another user owns): a read-only connection. SQLite reads a WAL store
 *   that way only if its -shm file exists or can be created.
 * - When it can be neither, and there is no -wal file (the store was closed cleanly, so all of it is in the one
 *   file and no process is writing it), a private copy in the temporary directory is read instead.
 */
export function openReadOnly(path: string): ReadOnlyDatabase {
  const opened = openAnyway(path)
  const version = Number(opened.db.pragma('user_version', { simple: true }))
  if (version > migrations.length) {
    opened.db.close()
    opened.dispose()
    throw new StoreError(`database schema version ${version} is newer than this rolecall understands (${migrations.length}); upgrade rolecall`)
  }
  if (version === 0) {
    // Never migrated by rolecall: another application's database (refused before anything else when writable), or
    // an empty one.
    opened.db.close()
    opened.dispose()
    throw new StoreError(`${path} is not a rolecall store: rolecall never set it up`)
  }
  return opened
}

function openAnyway(path: string): ReadOnlyDatabase {
  if (!existsSync(path)) throw new StoreError(`no database at ${path}`)
  if (isWritable(path) && isWritable(dirname(path))) {
    const db = openDatabase(path, { migrate: false })
    db.pragma('query_only = ON')
    return { db, dispose: () => undefined }
  }
  try {
    const db = openDatabase(path, { readonly: true })
    // The open is lazy: the first read is what needs the -shm file.
    db.prepare('SELECT count(*) FROM sqlite_master').get()
    return { db, dispose: () => undefined }
  } catch (error) {
    const code = causeCode(error) ?? (error as { code?: unknown }).code
    if (code !== 'SQLITE_READONLY_DIRECTORY' && code !== 'SQLITE_CANTOPEN' && code !== 'SQLITE_READONLY_CANTINIT') throw error
    if (existsSync(`${path}-wal`)) {
      throw new StoreError(`cannot read the store ${path}: its directory is read-only and its -wal file cannot be read without a -shm file beside it`, { cause: error })
    }
    return openPrivateCopy(path)
  }
}

/** Reads a copy of a cleanly closed store, checking that the file did not change while it was copied. */
function openPrivateCopy(path: string): ReadOnlyDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-read-'))
  const dispose = () => rmSync(dir, { recursive: true, force: true })
  try {
    const copy = join(dir, 'store.db')
    const before = statSync(path)
    copyFileSync(path, copy)
    const after = statSync(path)
    if (before.mtimeMs !== after.mtimeMs || before.size !== after.size || existsSync(`${path}-wal`)) {
      throw new StoreError(`the store ${path} changed while it was read; try again`)
    }
    const db = openDatabase(copy, { readonly: true })
    db.prepare('SELECT count(*) FROM sqlite_master').get()
    return { db, dispose }
  } catch (error) {
    dispose()
    throw error
  }
}
