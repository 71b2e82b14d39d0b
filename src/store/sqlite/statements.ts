// Prepared statements cached per connection: preparing costs far more than running a small query.
import type Database from 'better-sqlite3'

const caches = new WeakMap<Database.Database, Map<string, Database.Statement<unknown[]>>>()

/** The prepared statement for `sql` on `db`, prepared once. */
export function statement(db: Database.Database, sql: string): Database.Statement<unknown[]> {
  let cache = caches.get(db)
  if (cache === undefined) {
    cache = new Map()
    caches.set(db, cache)
  }
  let prepared = cache.get(sql)
  if (prepared === undefined) {
    prepared = db.prepare(sql)
    cache.set(sql, prepared)
  }
  return prepared
}
