// The People search on PostgreSQL (see store/people-search.ts), as the SQLite store runs it.
import { clampPage, containsPattern, type PeoplePage } from '../people-search.js'
import type { ListResult, StoredUser } from '../store.js'
import type { Sql } from './connect.js'
import { docJoin } from './filter-sql.js'
import { resourceColumns, toUser, type ResourceRow } from './rows.js'

// The document read once per row as the filters read it (docJoin): one jsonb refuses matches by its columns only.
const matches = `(r.user_name_key LIKE $1 OR lower(r.display_name) LIKE $1 OR lower(d.j #>> '{name,formatted}') LIKE $1
  OR EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(d.j -> 'emails') = 'array' THEN d.j -> 'emails' ELSE '[]'::jsonb END) e WHERE lower(e ->> 'value') LIKE $1))`

export async function findPeople(sql: Sql, text: string, page: PeoplePage): Promise<ListResult<StoredUser>> {
  const { offset, limit } = clampPage(page)
  const pattern = containsPattern(text)
  const where = pattern === undefined ? '' : `${docJoin} WHERE ${matches}`
  const params = pattern === undefined ? [] : [pattern]
  const at = params.length
  const rows = (await sql.unsafe(`SELECT ${resourceColumns} FROM users r ${where} ORDER BY r.user_name_key, r.connection LIMIT $${at + 1}::bigint OFFSET $${at + 2}::bigint`, [...params, limit, offset] as never[], {
    prepare: true,
  })) as unknown as ResourceRow[]
  const [counted] = (await sql.unsafe(`SELECT count(*) AS total FROM users r ${where}`, params as never[], { prepare: true })) as unknown as { total: string }[]
  return { total: Number(counted?.total ?? 0), items: rows.map((row) => toUser(row, false)) }
}
