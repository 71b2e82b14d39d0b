// The SQLite store's dump (every table, streamed in keyset pages from one read transaction) and load (one write transaction).
import type Database from 'better-sqlite3'
import { genesisHash } from '../audit-chain.js'
import { columnValue, dumpBatchRows, dumpColumns, dumpTables, emptyCounts, keysOf, loadDump, pageQuery, type DumpCounts, type DumpHead, type DumpPart, type DumpTable, type DumpValue, type LoadProgress } from '../dump.js'
import type { AuditHead } from '../store.js'
import type { SqliteCore } from './core.js'

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined
}

function stateValue(db: Database.Database, key: string): number {
  return (db.prepare(`SELECT value FROM state WHERE key = ?`).pluck().get(key) as number | undefined) ?? 0
}

/** The tables this store has: one whose schema predates a migration (opened read-only) lacks its tables. */
function presentTables(db: Database.Database): DumpTable[] {
  return dumpTables.filter((table) => hasTable(db, table))
}

function countsOf(db: Database.Database, tables: readonly DumpTable[]): DumpCounts {
  const counts = emptyCounts()
  for (const table of tables) counts[table] = db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
  return counts
}

function auditHeadOf(db: Database.Database): AuditHead {
  const last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as AuditHead | undefined
  return last ?? { seq: 0, hash: genesisHash }
}

/**
 * Everything the store holds, from one read transaction on `db` (the store's read connection): other reads of this
 * store object between pages see the same snapshot; writers carry on (WAL). Pages are read whole, so that no
 * statement stays open on the connection while the caller awaits.
 */
export async function* dumpStore(db: Database.Database): AsyncGenerator<DumpPart> {
  db.exec('BEGIN')
  try {
    const tables = presentTables(db)
    const head: DumpHead = { revision: stateValue(db, 'revision'), groupFields: stateValue(db, 'group_fields'), audit: auditHeadOf(db) }
    yield { kind: 'summary', head, counts: countsOf(db, tables) }
    for (const table of tables) {
      const columns = dumpColumns[table]
      const first = db.prepare(pageQuery(table, true, () => '?')).raw()
      const next = db.prepare(pageQuery(table, false, () => '?')).raw()
      let rows = first.all(dumpBatchRows) as unknown[][]
      while (rows.length > 0) {
        const values = rows.map((row) => row.map((value, i) => columnValue(columns[i] ?? '', value)))
        yield { kind: 'rows', table, rows: values }
        if (rows.length < dumpBatchRows) break
        rows = next.all(...keysOf(table, values.at(-1) ?? []), dumpBatchRows) as unknown[][]
      }
    }
  } finally {
    if (db.inTransaction) db.exec('COMMIT')
  }
}

/** SQLite binds no booleans: `users.active` goes in as 1 or 0. */
function bindable(value: DumpValue): string | number | null {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value
}

/**
 * The indexes created by the migrations on the dump's tables (those of unique and primary keys have no SQL and
 * stay): a load drops them and builds each once from all the rows, faster than keeping them up to date row by row.
 */
function secondaryIndexes(db: Database.Database): { name: string; sql: string }[] {
  return db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${dumpTables.map(() => '?').join(', ')}) ORDER BY name`).all(...dumpTables) as { name: string; sql: string }[]
}

/** Loads a dump into the empty store in one transaction (see StoreDump.load). */
export function loadStore(core: SqliteCore, parts: AsyncIterable<DumpPart>, onProgress?: (progress: LoadProgress) => void): Promise<DumpCounts> {
  const db = core.writer
  let deferred: { name: string; sql: string }[] = []
  return core.writeStreamed(() =>
    loadDump(
      core.path,
      {
        contents: async () => ({ counts: countsOf(db, dumpTables), revision: stateValue(db, 'revision') }),
        beforeRows: async () => {
          deferred = secondaryIndexes(db)
          for (const index of deferred) db.exec(`DROP INDEX "${index.name}"`)
        },
        insert: async (table, rows) => {
          const columns = dumpColumns[table]
          const insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
          for (const row of rows) insert.run(...row.map(bindable))
        },
        finish: async (head) => {
          for (const index of deferred) db.exec(index.sql)
          db.prepare(`UPDATE state SET value = ? WHERE key = 'revision'`).run(head.revision)
          db.prepare(`UPDATE state SET value = ? WHERE key = 'group_fields'`).run(head.groupFields)
          return db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as AuditHead
        },
      },
      parts,
      onProgress,
    ),
  )
}
