// The People search on SQLite (see store/people-search.ts). Text of three characters or more is looked up in the
// trigram index (people_search, FTS5); when it matches few users, those are read and sorted; otherwise (and for shorter
// text) users are walked in userName order through their index, each tested on its search text, until the page is full.
import { clampPage, containsPattern, isIndexable, searchNeedle, sparseMatches, type PeoplePage } from '../people-search.js'
import type { ListResult, StoredUser } from '../store.js'
import type { SqliteCore } from './core.js'
import type { ResourceRow } from './resource-rows.js'
import { toUser } from './users.js'

const columns = 'rid, id, connection, doc, created, last_modified, version'
const order = 'ORDER BY user_name_key, connection LIMIT @limit OFFSET @offset'

export function findPeople(core: SqliteCore, text: string, page: PeoplePage): Promise<ListResult<StoredUser>> {
  const { offset, limit } = clampPage(page)
  const needle = searchNeedle(text)
  const read = (sql: string, params: Record<string, unknown>) => (core.stmt(core.reader, sql).all({ ...params, limit, offset }) as ResourceRow[]).map((row) => toUser(core, row, false))
  const count = (sql: string, params: Record<string, unknown>) => (core.stmt(core.reader, sql).get(params) as { total: number }).total
  if (needle === '') return Promise.resolve({ total: count('SELECT count(*) AS total FROM users', {}), items: read(`SELECT ${columns} FROM users ${order}`, {}) })
  return Promise.resolve(
    core.reader.transaction(() => {
      if (isIndexable(needle)) {
        // A phrase of the trigram tokenizer matches where the text occurs, as LIKE '%text%' on the search text does.
        const phrase = `"${needle.replace(/"/g, '""')}"`
        const found = count(`SELECT count(*) AS total FROM (SELECT 1 FROM people_search WHERE people_search MATCH @phrase LIMIT ${sparseMatches + 1})`, { phrase })
        if (found <= sparseMatches) return { total: found, items: read(`SELECT ${columns} FROM users WHERE rid IN (SELECT rowid FROM people_search WHERE people_search MATCH @phrase) ${order}`, { phrase }) }
      }
      const p = containsPattern(needle)
      return {
        total: count(`SELECT count(*) AS total FROM people_search_text WHERE text LIKE @p ESCAPE '\\'`, { p }),
        items: read(`SELECT ${columns} FROM users u WHERE (SELECT text FROM people_search_text t WHERE t.rid = u.rid) LIKE @p ESCAPE '\\' ${order}`, { p }),
      }
    })(),
  )
}
