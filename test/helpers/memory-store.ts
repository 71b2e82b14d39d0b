// An in-memory SQLite store for tests (real SQLite, no mocks).
import { withStoreCaches } from '../../src/store/cache/cached-store.js'
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js'

/** As a server opens it: the SQLite backend with the store's caches in front. */
export function memoryStore(clock?: () => Date): SqliteStore {
  return withStoreCaches(openSqliteStore(':memory:', clock === undefined ? {} : { clock }))
}
