// The People search on PostgreSQL (see store/people-search.ts): the search text of each user matched with LIKE,
// through its trigram index (pg_trgm) when matches are few, in userName order when they are many: the planner chooses.
import { clampPage, containsPattern, type PeoplePage } from '../people-search.js'
import type { ListResult, StoredUser } from '../store.js'
import type { Sql } from './connect.js'
import { resourceColumns, toUser, type ResourceRow } from './rows.js'

export async function findPeople(sql: Sql, text: string, page: PeoplePage): Promise<ListResult<StoredUser>> {
  const { offset, limit } = clampPage(page)
  const pattern = containsPattern(text)
  const where = pattern === undefined ? '' : 'WHERE r.rid IN (SELECT rid FROM people_search_text WHERE text LIKE $1)'
  const params = pattern === undefined ? [] : [pattern]
  const at = params.length
  const rows = (await sql.unsafe(`SELECT ${resourceColumns} FROM users r ${where} ORDER BY r.user_name_key, r.connection LIMIT $${at + 1}::bigint OFFSET $${at + 2}::bigint`, [...params, limit, offset] as never[], {
    prepare: true,
  })) as unknown as ResourceRow[]
  const total = pattern === undefined ? 'SELECT count(*) AS total FROM users' : 'SELECT count(*) AS total FROM people_search_text WHERE text LIKE $1'
  const [counted] = (await sql.unsafe(total, params as never[], { prepare: true })) as unknown as { total: string }[]
  return { total: Number(counted?.total ?? 0), items: rows.map((row) => toUser(row, false)) }
}
