// A store's whole content as rows, the same on every backend: what `dump()` streams out of one store and `load()` puts into an empty one.
import { StoreError } from '../errors.js'

/**
 * The tables of a dump, in the order they are streamed and loaded: whatever a row refers to comes before it. Not in
 * it: what each backend derives from these (the People search's text) and the IdP change guard's window of recent
 * gains (guard_gains), which only counts toward mass-change limits within their window and starts empty.
 */
export const dumpTables = ['connections', 'tokens', 'admin_tokens', 'users', 'groups', 'memberships', 'applied_revisions', 'break_glass', 'audit', 'holds'] as const

export type DumpTable = (typeof dumpTables)[number]

/** A column's value: text, a whole number, a boolean (`users.active`) or null. */
export type DumpValue = string | number | boolean | null

/**
 * Each table's columns, in the order of a row's values: the same names in every backend's schema. `rid` is the
 * row number memberships refer to; a load keeps it, so that memberships need no look-up.
 */
export const dumpColumns: Record<DumpTable, readonly string[]> = {
  connections: ['name', 'created_at'],
  tokens: ['id', 'connection', 'hash', 'hint', 'created_at', 'revoked_at'],
  admin_tokens: ['id', 'hash', 'hint', 'name', 'scopes', 'created_at', 'revoked_at'],
  users: ['rid', 'id', 'connection', 'user_name', 'user_name_key', 'external_id', 'active', 'display_name', 'doc', 'created', 'last_modified', 'version', 'reviewed_active', 'reviewed_name_key'],
  groups: ['rid', 'id', 'connection', 'display_name', 'display_name_key', 'external_id', 'doc', 'created', 'last_modified', 'version'],
  memberships: ['group_rid', 'user_rid', 'added_seq'],
  applied_revisions: ['number', 'id', 'applied_at', 'store_revision', 'git_commit', 'author', 'approved_by', 'plan_digest', 'desired_digest', 'directory_digest', 'summary', 'documents', 'directory', 'review'],
  break_glass: ['id', 'user_name', 'actions', 'resource', 'env', 'reason', 'expires', 'created_at', 'created_by', 'revoked_at'],
  audit: ['seq', 'at', 'actor', 'connection', 'action', 'resource_type', 'resource_id', 'before_digest', 'after_digest', 'detail', 'prev_hash', 'hash'],
  holds: ['seq', 'connection', 'user_id', 'user_name', 'group_id', 'group_name', 'trigger', 'access', 'risk', 'audit_seq', 'created_at', 'status', 'closed_at', 'closed_by', 'closed_reason'],
}

/** Rows of each table. */
export type DumpCounts = Record<DumpTable, number>

/** The last entry of the audit chain (the store's AuditHead). */
type ChainHead = { seq: number; hash: string }

/** The counters a store keeps beside its rows: the revision, the group-fields generation and the audit chain's head. */
export type DumpHead = { revision: number; groupFields: number; audit: ChainHead }

/**
 * A dump, streamed: first its summary (read in the same snapshot as every row that follows), then the rows of each
 * table in `dumpTables` order, in batches.
 */
export type DumpPart = { kind: 'summary'; head: DumpHead; counts: DumpCounts } | { kind: 'rows'; table: DumpTable; rows: DumpValue[][] }

/** How far a load has come: rows of `table` loaded so far, out of `total`. */
export type LoadProgress = { table: DumpTable; loaded: number; total: number }

/** Export and import of everything a store holds, for moving a store between backends (`rolecall store copy`). */
export interface StoreDump {
  /**
   * Everything the store holds, read in one consistent snapshot while writers carry on; rows are streamed, never
   * held whole. Stopping the iteration early ends the snapshot.
   */
  dump(): AsyncIterable<DumpPart>
  /**
   * Loads `parts` (a dump of another store) into this store in one transaction, keeping every id, hash and the
   * audit chain as they were: on success the store holds exactly that content, on failure nothing of it. Refuses
   * (StoreNotEmptyError) a store that holds anything.
   */
  load(parts: AsyncIterable<DumpPart>, options?: { onProgress?: (progress: LoadProgress) => void }): Promise<DumpCounts>
}

/** A load into a store that already holds something; nothing was written. */
export class StoreNotEmptyError extends StoreError {
  override name = 'StoreNotEmptyError'
  constructor(
    display: string,
    readonly found: DumpCounts,
    readonly revision: number,
  ) {
    super(`the store ${display} is not empty: it holds ${describeCounts(found, revision)}; copy into a new, empty store`)
  }
}

export function emptyCounts(): DumpCounts {
  return Object.fromEntries(dumpTables.map((table) => [table, 0])) as DumpCounts
}

/** Whether counts and revision describe a store that holds nothing. */
export function isEmptyStore(counts: DumpCounts, revision: number): boolean {
  return revision === 0 && dumpTables.every((table) => counts[table] === 0)
}

const tableNouns: Record<DumpTable, string> = {
  connections: 'connections',
  tokens: 'SCIM tokens',
  admin_tokens: 'admin tokens',
  users: 'users',
  groups: 'groups',
  memberships: 'memberships',
  applied_revisions: 'applied revisions',
  break_glass: 'break-glass grants',
  audit: 'audit entries',
  holds: 'IdP change holds',
}

/** `3 connections, 10 users, 40 audit entries`: the tables that hold rows, in dump order. */
export function describeCounts(counts: DumpCounts, revision?: number): string {
  const parts = dumpTables.filter((table) => counts[table] > 0).map((table) => `${counts[table]} ${tableNouns[table]}`)
  if (revision !== undefined && revision > 0) parts.push(`revision ${revision}`)
  return parts.length === 0 ? 'nothing' : parts.join(', ')
}

/** What a table's rows are called in messages (`audit entries`). */
export function tableNoun(table: DumpTable): string {
  return tableNouns[table]
}

/**
 * The parts of a dump, checked as a load consumes them: a summary first, then tables in order, each with as many
 * rows as the summary said. Yields the summary once, then each batch; throws on a dump that breaks the order.
 */
export async function* checkedDump(parts: AsyncIterable<DumpPart>): AsyncGenerator<DumpPart> {
  let summary: (DumpPart & { kind: 'summary' }) | undefined
  const seen = emptyCounts()
  let position = 0
  for await (const part of parts) {
    if (part.kind === 'summary') {
      if (summary !== undefined) throw new StoreError('the dump has a second summary')
      summary = part
      yield part
      continue
    }
    if (summary === undefined) throw new StoreError('the dump does not start with its summary')
    const index = dumpTables.indexOf(part.table)
    if (index < position) throw new StoreError(`the dump's ${part.table} rows come after later tables`)
    position = index
    seen[part.table] += part.rows.length
    if (seen[part.table] > summary.counts[part.table]) throw new StoreError(`the dump holds more ${tableNouns[part.table]} than its summary says`)
    yield part
  }
  if (summary === undefined) throw new StoreError('the dump is empty: it has no summary')
  for (const table of dumpTables) {
    if (seen[table] !== summary.counts[table]) throw new StoreError(`the dump ended early: ${seen[table]} of ${summary.counts[table]} ${tableNouns[table]}`)
  }
}

/** Columns each table's rows are read in order of (keyset pages: each page starts after the last row of the one before). */
export const dumpKeys: Record<DumpTable, readonly string[]> = {
  connections: ['name'],
  tokens: ['id'],
  admin_tokens: ['id'],
  users: ['rid'],
  groups: ['rid'],
  memberships: ['group_rid', 'user_rid'],
  applied_revisions: ['number'],
  break_glass: ['id'],
  audit: ['seq'],
  holds: ['seq'],
}

/** Rows read and written per batch: large enough that 2 million memberships take few round trips, small enough to stream. */
export const dumpBatchRows = 20_000

/** Columns that hold whole numbers (a driver may give them as text) and the one that holds a boolean. */
const integerColumns = new Set(['rid', 'group_rid', 'user_rid', 'version', 'number', 'store_revision', 'seq', 'added_seq', 'audit_seq'])
const booleanColumns = new Set(['active', 'reviewed_active'])

/** How a backend's raw value of `column` becomes a dump value: whole numbers as numbers, booleans as booleans. */
export function columnValue(column: string, value: unknown): DumpValue {
  if (value === null || value === undefined) return null
  if (integerColumns.has(column)) return Number(value)
  if (booleanColumns.has(column)) return value === true || value === 1 || value === '1' || value === 't'
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : String(value)
}

/**
 * The statement that reads one page of `table` in key order, after the row whose keys are bound as the first
 * parameters (none for the first page); `placeholder(i)` spells the i-th parameter (`?`, `$1`), the limit last.
 */
export function pageQuery(table: DumpTable, isFirst: boolean, placeholder: (index: number) => string): string {
  const keys = dumpKeys[table]
  const after = isFirst ? '' : ` WHERE (${keys.join(', ')}) > (${keys.map((_, i) => placeholder(i + 1)).join(', ')})`
  return `SELECT ${dumpColumns[table].join(', ')} FROM ${table}${after} ORDER BY ${keys.join(', ')} LIMIT ${placeholder(isFirst ? 1 : keys.length + 1)}`
}

/** The key values of a row of `table` (read with pageQuery's columns): where the next page starts. */
export function keysOf(table: DumpTable, row: readonly DumpValue[]): DumpValue[] {
  const columns = dumpColumns[table]
  return dumpKeys[table].map((key) => row[columns.indexOf(key)] ?? null)
}

/** What a backend does for a load, inside its one transaction. */
export type DumpSink = {
  /** What the store holds now (a load refuses anything). */
  contents(): Promise<{ counts: DumpCounts; revision: number }>
  /** Once the store is known to be empty, before the first row: drop secondary indexes, say, for finish to build. */
  beforeRows?: () => Promise<void>
  insert(table: DumpTable, rows: DumpValue[][]): Promise<void>
  /** After the last row: rebuilds what beforeRows dropped, sets the revision and group-fields counters; returns the audit head the store recorded as the rows went in. */
  finish(head: DumpHead): Promise<ChainHead>
}

/**
 * A load's steps, the same on every backend (call inside the backend's transaction): refuse a store that holds
 * anything, insert the dump's rows checked against its summary, set its counters, and check that the audit head
 * the store recorded is the dump's. Throws, so that the transaction rolls back, on anything amiss.
 */
export async function loadDump(display: string, sink: DumpSink, parts: AsyncIterable<DumpPart>, onProgress?: (progress: LoadProgress) => void): Promise<DumpCounts> {
  const { counts: found, revision } = await sink.contents()
  if (!isEmptyStore(found, revision)) throw new StoreNotEmptyError(display, found, revision)
  await sink.beforeRows?.()
  let summary: (DumpPart & { kind: 'summary' }) | undefined
  const loaded = emptyCounts()
  for await (const part of checkedDump(parts)) {
    if (part.kind === 'summary') {
      summary = part
      continue
    }
    if (part.rows.length === 0) continue
    const total = summary?.counts[part.table] ?? 0
    try {
      await sink.insert(part.table, part.rows)
    } catch (error) {
      // The driver's error says what is wrong, not where: name the rows (a store error, say busy, is the backend's to tell).
      if (error instanceof StoreError) throw error
      const detail = error instanceof Error ? error.message : String(error)
      throw new StoreError(`the store ${display} refused ${tableNouns[part.table]} ${loaded[part.table] + 1} to ${loaded[part.table] + part.rows.length} of ${total}: ${detail}`, { cause: error })
    }
    loaded[part.table] += part.rows.length
    onProgress?.({ table: part.table, loaded: loaded[part.table], total })
  }
  if (summary === undefined) throw new StoreError('the dump is empty: it has no summary')
  const head = await sink.finish(summary.head)
  if (head.seq !== summary.head.audit.seq || head.hash !== summary.head.audit.hash) {
    throw new StoreError(`the copied audit log ends at entry ${head.seq} (${head.hash}), not at the source's head, entry ${summary.head.audit.seq} (${summary.head.audit.hash})`)
  }
  return loaded
}
