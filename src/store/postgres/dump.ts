// The PostgreSQL store's dump (every table, streamed in keyset pages from one repeatable-read transaction) and load (one transaction holding the head lock).
import { columnValue, dumpBatchRows, dumpColumns, dumpTables, emptyCounts, keysOf, loadDump, pageQuery, type DumpCounts, type DumpPart, type DumpTable, type DumpValue, type LoadProgress } from '../dump.js'
import type { ReservedSql, Sql } from './connect.js'

type Query = Pick<ReservedSql, 'unsafe'>

async function rowsOf(sql: Query, text: string, params: DumpValue[]): Promise<unknown[][]> {
  return (await sql.unsafe(text, params as never[], { prepare: true }).values()) as unknown as unknown[][]
}

async function countsOf(sql: Query): Promise<DumpCounts> {
  const [row] = await rowsOf(sql, `SELECT ${dumpTables.map((table) => `(SELECT count(*) FROM ${table})`).join(', ')}`, [])
  const counts = emptyCounts()
  dumpTables.forEach((table, i) => {
    counts[table] = Number(row?.[i] ?? 0)
  })
  return counts
}

/** Everything the store holds, read on one connection in a repeatable-read, read-only transaction: writers carry on. */
export async function* dumpStore(pool: Sql): AsyncGenerator<DumpPart> {
  const sql = await pool.reserve()
  let isOpen = false
  try {
    await sql.unsafe('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    isOpen = true
    const [head] = await rowsOf(sql, 'SELECT revision, group_fields, audit_seq, audit_hash FROM store_head WHERE id = 1', [])
    yield {
      kind: 'summary',
      head: { revision: Number(head?.[0] ?? 0), groupFields: Number(head?.[1] ?? 0), audit: { seq: Number(head?.[2] ?? 0), hash: String(head?.[3] ?? '') } },
      counts: await countsOf(sql),
    }
    for (const table of dumpTables) {
      const columns = dumpColumns[table]
      let rows = await rowsOf(
        sql,
        pageQuery(table, true, (i) => `$${i}`),
        [dumpBatchRows],
      )
      while (rows.length > 0) {
        const values = rows.map((row) => row.map((value, i) => columnValue(columns[i] ?? '', value)))
        yield { kind: 'rows', table, rows: values }
        if (rows.length < dumpBatchRows) break
        rows = await rowsOf(
          sql,
          pageQuery(table, false, (i) => `$${i}`),
          [...keysOf(table, values.at(-1) ?? []), dumpBatchRows],
        )
      }
    }
  } finally {
    if (isOpen) await sql.unsafe('COMMIT').catch(() => {})
    sql.release()
  }
}

/** Tables whose row number is an identity column (and that column): a load keeps the dump's numbers, then moves the sequence past them. */
const identityTables = new Map<DumpTable, string>([
  ['users', 'rid'],
  ['groups', 'rid'],
  ['holds', 'seq'],
])

/**
 * Rows go in as one JSON parameter per batch, read back into rows by json_populate_recordset: one statement and
 * one round trip per batch, whatever the table.
 */
function insertStatement(table: DumpTable): string {
  const columns = dumpColumns[table].join(', ')
  const overriding = identityTables.has(table) ? ' OVERRIDING SYSTEM VALUE' : ''
  return `INSERT INTO ${table} (${columns})${overriding} SELECT ${columns} FROM json_populate_recordset(null::${table}, $1::text::json)`
}

function asJson(table: DumpTable, rows: DumpValue[][]): string {
  const columns = dumpColumns[table]
  return JSON.stringify(rows.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i] ?? null]))))
}

/**
 * The indexes of the dump's tables that no constraint owns (unique and primary keys stay), with their definitions:
 * a load drops them and builds each once from all the rows, several times faster than keeping them up to date row
 * by row (2 million memberships arrive in group order; their index by user takes them in random order).
 */
async function secondaryIndexes(sql: Query): Promise<{ name: string; definition: string }[]> {
  const rows = await rowsOf(
    sql,
    `SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.connamespace = current_schema()::regnamespace) ORDER BY i.indexname`,
    [`{${dumpTables.join(',')}}`],
  )
  return rows.map(([name, definition]) => ({ name: String(name), definition: String(definition) }))
}

/**
 * The foreign keys of the dump's tables, with their definitions: a load drops them and adds each back once the rows
 * are in, which checks every row in one join rather than with a look-up per row (2 million memberships, two each).
 * A row that refers to nothing still fails the load, then.
 */
async function foreignKeys(sql: Query): Promise<{ table: string; name: string; definition: string }[]> {
  const rows = await rowsOf(
    sql,
    `SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
     WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace AND c.conrelid::regclass::text = ANY($1::text[]) ORDER BY 1, 2`,
    [`{${dumpTables.join(',')}}`],
  )
  return rows.map(([table, name, definition]) => ({ table: String(table), name: String(name), definition: String(definition) }))
}

/**
 * Loads a dump into the empty store in one transaction that holds the head lock from the start, so that no
 * replica writes meanwhile (see StoreDump.load).
 */
export function loadStore(pool: Sql, display: string, parts: AsyncIterable<DumpPart>, onProgress?: (progress: LoadProgress) => void): Promise<DumpCounts> {
  return pool.begin(async (sql) => {
    const [head] = await rowsOf(sql, 'SELECT revision FROM store_head WHERE id = 1 FOR UPDATE', [])
    let deferred: { name: string; definition: string }[] = []
    let references: { table: string; name: string; definition: string }[] = []
    return loadDump(
      display,
      {
        contents: async () => ({ counts: await countsOf(sql), revision: Number(head?.[0] ?? 0) }),
        beforeRows: async () => {
          deferred = await secondaryIndexes(sql)
          references = await foreignKeys(sql)
          for (const index of deferred) await sql.unsafe(`DROP INDEX "${index.name}"`)
          for (const key of references) await sql.unsafe(`ALTER TABLE "${key.table}" DROP CONSTRAINT "${key.name}"`)
        },
        insert: async (table, rows) => {
          await sql.unsafe(insertStatement(table), [asJson(table, rows)])
        },
        finish: async (dumped) => {
          for (const index of deferred) await sql.unsafe(index.definition)
          for (const key of references) await sql.unsafe(`ALTER TABLE "${key.table}" ADD CONSTRAINT "${key.name}" ${key.definition}`)
          for (const [table, column] of identityTables) await sql.unsafe(`SELECT setval(pg_get_serial_sequence('${table}', '${column}'), coalesce(max(${column}), 0) + 1, false) FROM ${table}`)
          // The planner's statistics of the new rows: without them it guesses a user's groups are 10,000 rows and
          // reads them by scanning every group (30 ms a GET /Users/{id} at 20,000 groups) until autovacuum comes by.
          await sql.unsafe(`ANALYZE ${dumpTables.join(', ')}`)
          const [recorded] = await rowsOf(sql, 'UPDATE store_head SET revision = $1, group_fields = $2 WHERE id = 1 RETURNING audit_seq, audit_hash', [dumped.revision, dumped.groupFields])
          return { seq: Number(recorded?.[0] ?? 0), hash: String(recorded?.[1] ?? '') }
        },
      },
      parts,
      onProgress,
    )
  }) as Promise<DumpCounts>
}
