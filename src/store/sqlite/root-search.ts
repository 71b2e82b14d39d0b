// Users and Groups searched together (RFC 7644 §3.4.3): one UNION ALL of each table's filtered rows, sorted and paged.
import type { RootSearch, TypeSearch } from '../query.js'
import { compileFilter, compileSort, type ResourceTable, type SqlParam } from './filter-sql.js'

type Compiled = { sql: string; params: SqlParam[] }

/** The SELECT and COUNT statements of a root search of `connection`; undefined when no type has a part. */
export type RootSearchSql = { page: Compiled; count: Compiled }

/**
 * The statements for `search`. `guard` wraps each JSON expression so that a stored document SQLite's JSON functions
 * refuse matches nothing and sorts last (see SqliteStore.list). The page is `type_order` (0 for users, 1 for groups:
 * it breaks ties after the sort key, then `rid`) and `rid` alone, so that sorting carries no documents; the caller
 * reads the page's rows by rid.
 */
export function rootSearchSql(connection: string, search: RootSearch, guard: (sql: string) => string): RootSearchSql | undefined {
  const parts: { table: ResourceTable; part: TypeSearch; order: number }[] = []
  if (search.users !== undefined) parts.push({ table: 'users', part: search.users, order: 0 })
  if (search.groups !== undefined) parts.push({ table: 'groups', part: search.groups, order: 1 })
  if (parts.length === 0) return undefined
  const selects: string[] = []
  const selectParams: SqlParam[] = []
  const counts: string[] = []
  const countParams: SqlParam[] = []
  for (const { table, part, order } of parts) {
    let where = 'r.connection = ?'
    const whereParams: SqlParam[] = [connection]
    if (part.filter !== undefined) {
      const compiled = compileFilter(table, part.filter)
      where += ` AND (${guard(compiled.sql)})`
      whereParams.push(...compiled.params)
    }
    // The sort key is a column of each SELECT, so that ORDER BY sees one key across both tables.
    let key = 'NULL'
    if (search.sort !== undefined && part.sortBy !== undefined) {
      const sort = compileSort(table, part.sortBy)
      key = guard(sort.sql)
      selectParams.push(...sort.params)
    }
    selects.push(`SELECT ${order} AS type_order, r.rid AS rid, ${key} AS sort_key FROM ${table} r WHERE ${where}`)
    selectParams.push(...whereParams)
    counts.push(`(SELECT count(*) FROM ${table} r WHERE ${where})`)
    countParams.push(...whereParams)
  }
  const order = search.sort === undefined ? 'type_order, rid' : `sort_key ${search.sort.descending ? 'DESC' : 'ASC'} NULLS LAST, type_order, rid`
  return {
    page: {
      sql: `SELECT type_order, rid FROM (${selects.join(' UNION ALL ')}) ORDER BY ${order} LIMIT ? OFFSET ?`,
      params: [...selectParams, search.count, Math.max(0, search.startIndex - 1)],
    },
    count: { sql: `SELECT ${counts.join(' + ')} AS n`, params: countParams },
  }
}
