// SQLite's result codes become the store contract's errors at the backend's edge: nothing outside it sees SQLITE_*.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { StoreBusyError, StoreCorruptError, StoreError, StoreFullError, StoreReadOnlyError, StoreUnavailableError } from '../../src/errors.js'
import { withErrorBoundary } from '../../src/store/error-boundary.js'
import { sqliteStoreError } from '../../src/store/sqlite/errors.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const driverError = (code: string, message = 'driver says no') => Object.assign(new Error(message), { code })

describe('SQLite errors as the contract’s', () => {
  it.each([
    ['SQLITE_BUSY', StoreBusyError, 'the store /s.db is locked by another process; try again'],
    ['SQLITE_BUSY_SNAPSHOT', StoreBusyError, 'the store /s.db is locked by another process; try again'],
    ['SQLITE_LOCKED', StoreBusyError, 'the store /s.db is locked by another process; try again'],
    ['SQLITE_FULL', StoreFullError, 'the store /s.db cannot grow: the disk is full; free some disk space'],
    ['SQLITE_CORRUPT', StoreCorruptError, 'the store /s.db is damaged (a malformed SQLite database); restore it from a backup'],
    ['SQLITE_NOTADB', StoreCorruptError, '/s.db is not a rolecall store (not an SQLite database)'],
    ['SQLITE_READONLY_DBMOVED', StoreReadOnlyError, 'the store /s.db is read-only; rolecall writes to it, and to the -wal and -shm files beside it'],
    ['SQLITE_IOERR_WRITE', StoreError, 'cannot read or write the store /s.db: driver says no'],
    ['SQLITE_MISMATCH', StoreError, 'the store /s.db failed: driver says no'],
  ])('%s', (code, kind, message) => {
    const mapped = sqliteStoreError('/s.db', driverError(code)) as Error
    expect(mapped).toBeInstanceOf(kind)
    expect(mapped.message).toBe(message)
    expect(mapped.cause).toMatchObject({ code })
  })

  it('leaves errors that are not the driver’s as they are', () => {
    const own = new StoreBusyError('held')
    expect(sqliteStoreError('/s.db', own)).toBe(own)
    const plain = new TypeError('x')
    expect(sqliteStoreError('/s.db', plain)).toBe(plain)
  })

  it('a busy store is one that is unavailable for now, with a Retry-After', () => {
    const busy = sqliteStoreError('/s.db', driverError('SQLITE_BUSY')) as StoreBusyError
    expect(busy).toBeInstanceOf(StoreUnavailableError)
    expect(busy.retryAfterSeconds).toBe(1)
  })

  it('a file that is not a database is refused as corrupt when opened, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolecall-errors-'))
    dirs.push(dir)
    const path = join(dir, 'rolecall.db')
    writeFileSync(path, 'not a database, just text that is long enough to be read as a header by SQLite itself.'.repeat(20))
    expect(() => openSqliteStore(path)).toThrow(StoreCorruptError)
    expect(() => openSqliteStore(path)).toThrow(`${path} is not a rolecall store (not an SQLite database)`)
  })

  it('the boundary maps what a method throws or rejects with, and leaves the store’s calls to itself alone', async () => {
    class Backend {
      calls: string[] = []
      async read(): Promise<string> {
        try {
          return this.inner()
        } catch (error) {
          this.calls.push(`inner failed with ${(error as { code: string }).code}`)
          throw error
        }
      }
      inner(): string {
        throw driverError('SQLITE_BUSY')
      }
      syncFail(): number {
        throw driverError('SQLITE_FULL')
      }
    }
    const raw = new Backend()
    const bounded = withErrorBoundary(raw, (error) => sqliteStoreError('/s.db', error))
    await expect(bounded.read()).rejects.toBeInstanceOf(StoreBusyError)
    expect(raw.calls).toEqual(['inner failed with SQLITE_BUSY'])
    expect(() => bounded.syncFail()).toThrow(StoreFullError)
    expect(bounded.calls).toBe(raw.calls)
  })
})
