// An in-memory SQLite store for tests (real SQLite, no mocks).
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js'

export function memoryStore(clock?: () => Date): SqliteStore {
  return openSqliteStore(':memory:', clock === undefined ? {} : { clock })
}
