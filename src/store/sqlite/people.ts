// The People search on SQLite (see store/people-search.ts): the page in userName order read through its index, the
// text matched in the columns first and in the document's name and emails only for rows the columns do not match.
import { clampPage, containsPattern, type PeoplePage } from '../people-search.js'
import type { ListResult, StoredUser } from '../store.js'
import type { SqliteCore } from './core.js'
import type { ResourceRow } from './resource-rows.js'
import { toUser } from './users.js'

const columns = 'rid, id, connection, doc, created, last_modified, version'

// json_valid first: a document SQLite's JSON functions refuse matches by its columns only, and breaks no search.
const matches = `(user_name_key LIKE @p ESCAPE '\\' OR lower(display_name) LIKE @p ESCAPE '\\'
  OR (json_valid(doc) AND (lower(json_extract(doc, '$.name.formatted')) LIKE @p ESCAPE '\\'
    OR EXISTS (SELECT 1 FROM json_each(doc, '$.emails') e WHERE e.type = 'object' AND lower(json_extract(e.value, '$.value')) LIKE @p ESCAPE '\\'))))`

export function findPeople(core: SqliteCore, text: string, page: PeoplePage): Promise<ListResult<StoredUser>> {
  const { offset, limit } = clampPage(page)
  const pattern = containsPattern(text)
  const where = pattern === undefined ? '' : `WHERE ${matches}`
  const params = pattern === undefined ? { limit, offset } : { p: pattern, limit, offset }
  const rows = core.stmt(core.reader, `SELECT ${columns} FROM users ${where} ORDER BY user_name_key, connection LIMIT @limit OFFSET @offset`).all(params) as ResourceRow[]
  const counted = core.stmt(core.reader, `SELECT count(*) AS total FROM users ${where}`).get(pattern === undefined ? {} : { p: pattern }) as { total: number }
  return Promise.resolve({ total: counted.total, items: rows.map((row) => toUser(core, row, false)) })
}
