// Lists of users and groups (filtered, sorted, paged; documents SQLite's JSON functions refuse match no filter and
// sort last), and the root search across both.
import { userNameLookup, type Filter, type ResourceQuery, type RootSearch } from '../query.js'
import type { ListResult, SearchHit, StoredGroup, StoredUser } from '../store.js'
import type { SqliteCore } from './core.js'
import { compileFilter, compileSort, type ResourceTable, type SqlParam } from './filter-sql.js'
import { toGroup } from './groups.js'
import type { ResourceRow } from './resource-rows.js'
import { rootSearchSql } from './root-search.js'
import { toUser } from './users.js'

/** A filter that names one resource by a unique key of its table. */
function isUniqueLookup(table: ResourceTable, filter: Filter): boolean {
  if (filter.kind !== 'compare' || filter.op !== 'eq' || filter.attr.extension !== undefined || filter.attr.sub !== undefined) return false
  return filter.attr.name === 'id' || (filter.attr.name === (table === 'users' ? 'userName' : 'displayName') && typeof filter.value === 'string')
}

/** SQLite's JSON functions refusing a stored document (too deep for them, or not JSON). */
function isRefusedJson(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'SQLITE_ERROR' && error instanceof Error && /malformed JSON/i.test(error.message)
}

export function listUsers(core: SqliteCore, connection: string, query: ResourceQuery, withGroups: boolean): Promise<ListResult<StoredUser>> {
  const key = userNameLookup(query, withGroups)
  if (key !== undefined) {
    // Okta asks `userName eq "…"` before every create and update: one unique-index lookup (what compileFilter
    // would build, without building it).
    const row = core.stmt(core.reader, 'SELECT rid, id, connection, doc, created, last_modified, version FROM users WHERE connection = ? AND user_name_key = ?').get(connection, key) as
      | ResourceRow
      | undefined
    return Promise.resolve(row === undefined ? { total: 0, items: [] } : { total: 1, items: [toUser(core, row, false)] })
  }
  return Promise.resolve(list(core, 'users', connection, query, (row) => toUser(core, row, withGroups)))
}

function list<T>(core: SqliteCore, table: ResourceTable, connection: string, query: ResourceQuery, map: (row: ResourceRow) => T): ListResult<T> {
  try {
    return listPage(core, table, connection, query, map, false)
  } catch (error) {
    // SQLite's JSON functions refuse a document nested past 1000 levels and fail the whole statement. SCIM bodies
    // are bounded now, but one stored before must not break every filtered or sorted list of its connection: ask
    // again with such documents matching no filter and sorting last. Only then, so that plans stay as they are.
    if (!isRefusedJson(error)) throw error
    return listPage(core, table, connection, query, map, true)
  }
}

function listPage<T>(core: SqliteCore, table: ResourceTable, connection: string, query: ResourceQuery, map: (row: ResourceRow) => T, isGuarded: boolean): ListResult<T> {
  const guard = (sql: string) => (isGuarded ? `CASE WHEN json_valid(r.doc) THEN (${sql}) END` : sql)
  let where = 'r.connection = ?'
  const params: SqlParam[] = [connection]
  if (query.filter !== undefined) {
    const compiled = compileFilter(table, query.filter)
    where += ` AND (${guard(compiled.sql)})`
    params.push(...compiled.params)
  }
  const countTotal = () => (core.stmt(core.reader, `SELECT count(*) AS n FROM ${table} r WHERE ${where}`).get(...params) as { n: number }).n
  if (query.count <= 0) return { total: countTotal(), items: [] }
  if (query.sort === undefined && query.filter !== undefined && isUniqueLookup(table, query.filter)) {
    // At most one row (`userName eq`, `id eq`): no ORDER BY, LIMIT or count to pay for.
    const rows = core.stmt(core.reader, `SELECT r.rid, r.id, r.connection, r.doc, r.created, r.last_modified, r.version FROM ${table} r WHERE ${where}`).all(
      ...params,
    ) as ResourceRow[]
    return { total: rows.length, items: query.startIndex === 1 ? rows.map(map) : [] }
  }
  let order = 'r.rid'
  const orderParams: SqlParam[] = []
  if (query.sort !== undefined) {
    const sort = compileSort(table, query.sort.attr)
    order = `${guard(sort.sql)} ${query.sort.descending ? 'DESC' : 'ASC'} NULLS LAST, r.rid`
    orderParams.push(...sort.params)
  }
  const rows = core.stmt(
    core.reader,
    `SELECT r.rid, r.id, r.connection, r.doc, r.created, r.last_modified, r.version FROM ${table} r WHERE ${where} ORDER BY ${order} LIMIT ? OFFSET ?`,
  ).all(...params, ...orderParams, query.count, Math.max(0, query.startIndex - 1)) as ResourceRow[]
  // A first page that is not full is the whole result: no second query (Okta's `userName eq` lookups).
  const total = query.startIndex === 1 && rows.length < query.count ? rows.length : countTotal()
  return { total, items: rows.map(map) }
}

export function listGroups(core: SqliteCore, connection: string, query: ResourceQuery, withMembers: boolean): Promise<ListResult<StoredGroup>> {
  return Promise.resolve(list(core, 'groups', connection, query, (row) => toGroup(core, core.reader, row, withMembers)))
}

export function searchResources(core: SqliteCore, connection: string, search: RootSearch, options: { withGroups: boolean; withMembers: boolean }): Promise<ListResult<SearchHit>> {
  const run = (isGuarded: boolean): ListResult<SearchHit> => {
    const statements = rootSearchSql(connection, search, (sql) => (isGuarded ? `CASE WHEN json_valid(r.doc) THEN (${sql}) END` : sql))
    if (statements === undefined) return { total: 0, items: [] }
    const countTotal = () => (core.stmt(core.reader, statements.count.sql).get(...statements.count.params) as { n: number }).n
    if (search.count <= 0) return { total: countTotal(), items: [] }
    const page = core.stmt(core.reader, statements.page.sql).all(...statements.page.params) as { type_order: number; rid: number }[]
    // The page's rows, read by rid in one statement per table (one shape whatever the page's size).
    const rowsOf = (table: ResourceTable, order: number) => {
      const rids = page.filter((entry) => entry.type_order === order).map((entry) => entry.rid)
      if (rids.length === 0) return new Map<number, ResourceRow>()
      const rows = core.stmt(core.reader, `SELECT rid, id, connection, doc, created, last_modified, version FROM ${table} WHERE rid IN (SELECT value FROM json_each(?))`).all(
        JSON.stringify(rids),
      ) as ResourceRow[]
      return new Map(rows.map((row) => [row.rid, row]))
    }
    const users = rowsOf('users', 0)
    const groups = rowsOf('groups', 1)
    const items = page.flatMap((entry): SearchHit[] => {
      const row = (entry.type_order === 0 ? users : groups).get(entry.rid)
      if (row === undefined) return []
      return [entry.type_order === 0 ? { resourceType: 'User', user: toUser(core, row, options.withGroups) } : { resourceType: 'Group', group: toGroup(core, core.reader, row, options.withMembers) }]
    })
    // A first page that is not full is the whole result.
    return { total: search.startIndex === 1 && page.length < search.count ? page.length : countTotal(), items }
  }
  // One read transaction: the page, its rows and the count see one state of the store.
  const read = (isGuarded: boolean) => core.reader.transaction(() => run(isGuarded))()
  try {
    return Promise.resolve(read(false))
  } catch (error) {
    // As list(): a document SQLite's JSON functions refuse matches no filter and sorts last, rather than failing all.
    if (!isRefusedJson(error)) return Promise.reject(error)
    return Promise.resolve(read(true))
  }
}
