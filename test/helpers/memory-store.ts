// Only for tests not yet moved to test/helpers/test-store.ts, which runs on both backends: `memoryStore()` there is
// `await testStore()`. test/backends.test.ts names every test file that still imports this one.
import { withStoreCaches } from '../../src/store/cache/cached-store.js'
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js'

/** As a server opens it: the SQLite backend with the store's caches in front. */
export function memoryStore(clock?: () => Date): SqliteStore {
  return withStoreCaches(openSqliteStore(':memory:', clock === undefined ? {} : { clock }))
}
