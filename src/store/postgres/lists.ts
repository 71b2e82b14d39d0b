// Lists and searches: a filter, sort and page compiled to one statement whose rows also carry the total.
import type { Filter, ResourceQuery, RootSearch, TypeSearch } from '../query.js'
import type { ListResult, SearchHit } from '../store.js'
import type { Sql } from './connect.js'
import { compileFilter, compileSort, docJoin, Params, type ResourceTable, type SortKind } from './filter-sql.js'
import { groupsColumn, membersColumn, resourceColumns, toGroup, toUser, type ResourceRow } from './rows.js'

type Row = ResourceRow & { total?: string }

/** A filter that names at most one resource by a unique key of its table. */
function isUniqueLookup(table: ResourceTable, filter: Filter): boolean {
  if (filter.kind !== 'compare' || filter.op !== 'eq' || filter.attr.extension !== undefined || filter.attr.sub !== undefined) return false
  return filter.attr.name === 'id' || (filter.attr.name === (table === 'users' ? 'userName' : 'displayName') && typeof filter.value === 'string' && !filter.attr.caseExact)
}

const refsColumn = (table: ResourceTable, withRefs: boolean) => (withRefs ? `, ${table === 'users' ? groupsColumn : membersColumn}` : '')

async function rows(sql: Sql, text: string, params: Params): Promise<Row[]> {
  return (await sql.unsafe(text, params.values as never[], { prepare: true })) as unknown as Row[]
}

/** The statements of a list: the page (none when only the total is asked for) and the count. */
export type ListStatements = { page?: { text: string; params: Params; isUnique: boolean }; count: { text: string; params: Params } }

/** The SQL a list of `table`'s resources of `connection` runs (tests read its EXPLAIN). */
export function listStatements(table: ResourceTable, connection: string, query: ResourceQuery, withRefs: boolean): ListStatements {
  const params = new Params()
  let where = `r.connection = ${params.bind(connection)}`
  let usesDoc = false
  if (query.filter !== undefined) {
    const compiled = compileFilter(table, query.filter, params)
    where += ` AND (${compiled.sql})`
    usesDoc = compiled.usesDoc
  }
  const count = { text: `SELECT count(*) AS total FROM ${table} r ${usesDoc ? docJoin : ''} WHERE ${where}`, params: sliceParams(params, 0) }
  if (query.count <= 0) return { count }
  if (query.sort === undefined && query.filter !== undefined && isUniqueLookup(table, query.filter)) {
    // At most one row (`userName eq`, `id eq`): no ORDER BY, LIMIT or count to pay for.
    return { page: { text: `SELECT ${resourceColumns}${refsColumn(table, withRefs)} FROM ${table} r ${usesDoc ? docJoin : ''} WHERE ${where}`, params, isUnique: true }, count }
  }
  let order = 'r.rid'
  if (query.sort !== undefined) {
    const sort = compileSort(table, query.sort.attr, params)
    usesDoc ||= sort.usesDoc
    order = `${sort.sql} ${query.sort.descending ? 'DESC' : 'ASC'} NULLS LAST, r.rid`
  }
  const limit = params.bind(query.count)
  const offset = params.bind(Math.max(0, query.startIndex - 1))
  const text = `SELECT ${resourceColumns}${refsColumn(table, withRefs)}, count(*) OVER () AS total FROM ${table} r ${usesDoc ? docJoin : ''} WHERE ${where} ORDER BY ${order} LIMIT ${limit}::bigint OFFSET ${offset}::bigint`
  return { page: { text, params, isUnique: false }, count }
}

/** One page of `table`'s resources of `connection` (one statement; a second only to count past the last page). */
export async function listResources<T>(sql: Sql, table: ResourceTable, connection: string, query: ResourceQuery, withRefs: boolean, map: (row: ResourceRow) => T): Promise<ListResult<T>> {
  const statements = listStatements(table, connection, query, withRefs)
  const count = async () => {
    const [row] = await rows(sql, statements.count.text, statements.count.params)
    return Number(row?.total ?? 0)
  }
  const page = statements.page
  if (page === undefined) return { total: await count(), items: [] }
  const found = await rows(sql, page.text, page.params)
  if (page.isUnique) return { total: found.length, items: query.startIndex === 1 ? found.map(map) : [] }
  const first = found[0]
  const total = first === undefined ? (query.startIndex === 1 ? 0 : await count()) : Number(first.total ?? 0)
  return { total, items: found.map(map) }
}

/**
 * Users and groups of `connection` together (RFC 7644 §3.4.3): one UNION ALL of each type's filtered rows, sorted
 * by a key both share, then by type (users first) and creation; the page's rows carry the total.
 */
export async function searchResources(sql: Sql, connection: string, search: RootSearch, options: { withGroups: boolean; withMembers: boolean }): Promise<ListResult<SearchHit>> {
  const parts: { table: ResourceTable; part: TypeSearch; order: number }[] = []
  if (search.users !== undefined) parts.push({ table: 'users', part: search.users, order: 0 })
  if (search.groups !== undefined) parts.push({ table: 'groups', part: search.groups, order: 1 })
  if (parts.length === 0) return { total: 0, items: [] }
  const params = new Params()
  const bound = params.bind(connection)
  const compiled = parts.map(({ table, part, order }) => {
    let where = `r.connection = ${bound}`
    let usesDoc = false
    if (part.filter !== undefined) {
      const filter = compileFilter(table, part.filter, params)
      where += ` AND (${filter.sql})`
      usesDoc = filter.usesDoc
    }
    let key: { sql: string; kind: SortKind } | undefined
    if (search.sort !== undefined && part.sortBy !== undefined) {
      const sort = compileSort(table, part.sortBy, params)
      usesDoc ||= sort.usesDoc
      key = sort
    }
    const withRefs = table === 'users' ? options.withGroups : options.withMembers
    return { table, order, where, usesDoc, key, withRefs }
  })
  // One column holds both types' keys: when their kinds differ, both sort as text.
  const kinds = new Set(compiled.flatMap((part) => (part.key === undefined ? [] : [part.key.kind])))
  const kind: SortKind = kinds.size === 1 ? ([...kinds][0] as SortKind) : 'text'
  const keyOf = (key: { sql: string; kind: SortKind } | undefined) =>
    key === undefined ? `NULL::${kind}` : key.kind === kind ? `(${key.sql})` : `(${key.sql})::text COLLATE "C"`
  const selects = compiled.map(
    (part) =>
      `SELECT ${part.order} AS type_order, ${resourceColumns}, ${part.withRefs ? refsColumn(part.table, true).slice(2) : 'NULL::text AS refs'}, ${keyOf(part.key)} AS sort_key
       FROM ${part.table} r ${part.usesDoc ? docJoin : ''} WHERE ${part.where}`,
  )
  const order = search.sort === undefined ? 'type_order, rid' : `sort_key ${search.sort.descending ? 'DESC' : 'ASC'} NULLS LAST, type_order, rid`
  const limit = params.bind(search.count)
  const offset = params.bind(Math.max(0, search.startIndex - 1))
  const all = `SELECT *, count(*) OVER () AS total FROM (${selects.join(' UNION ALL ')}) found`
  if (search.count <= 0) {
    const [row] = await rows(sql, `SELECT count(*) AS total FROM (${selects.join(' UNION ALL ')}) found`, sliceParams(params, 2))
    return { total: Number(row?.total ?? 0), items: [] }
  }
  const page = (await rows(sql, `${all} ORDER BY ${order} LIMIT ${limit}::bigint OFFSET ${offset}::bigint`, params)) as (Row & { type_order: number })[]
  const items = page.map((row): SearchHit => (row.type_order === 0 ? { resourceType: 'User', user: toUser(row, options.withGroups) } : { resourceType: 'Group', group: toGroup(row, options.withMembers) }))
  const first = page[0]
  if (first !== undefined) return { total: Number(first.total ?? 0), items }
  if (search.startIndex === 1) return { total: 0, items }
  const [row] = await rows(sql, `SELECT count(*) AS total FROM (${selects.join(' UNION ALL ')}) found`, sliceParams(params, 2))
  return { total: Number(row?.total ?? 0), items }
}

/** `params` without its last `n` values (the LIMIT and OFFSET a count does not use). */
function sliceParams(params: Params, n: number): Params {
  const fewer = new Params()
  for (const value of params.values.slice(0, params.values.length - n)) fewer.bind(value)
  return fewer
}
