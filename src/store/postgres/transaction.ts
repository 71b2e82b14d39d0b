// One write: a transaction on a reserved connection that locks the store's head row first (every writer of every
// process queues there), appends to the audit chain, and commits; pipelined to keep round trips few.
import { auditValues, entryHash, type AuditRecord } from '../audit-chain.js'
import type { ReservedSql, Sql, SqlParam } from './connect.js'
import { isRetryable } from './errors.js'
import { encodeNotice } from './notice.js'

/** Whose access a committed write may have changed (see AccessChange), and whether it revoked a credential. */
export type Touched = { all?: boolean; userIds?: readonly string[]; userNames?: readonly string[]; isRevoked?: boolean }

/** What a write's work returns: its value, and whose access it may have changed. */
export type WriteResult<T> = { value: T; touched?: Touched }

/** What `touched` says, each id and userName (lower case) once. */
export function touchedUsers(touched: Touched = {}): { all: boolean; userIds: string[]; userNames: string[]; isRevoked: boolean } {
  return {
    all: touched.all === true,
    userIds: [...new Set(touched.userIds ?? [])],
    userNames: [...new Set((touched.userNames ?? []).map((name) => name.toLowerCase()))],
    isRevoked: touched.isRevoked === true,
  }
}

/** The head row as the write found it, under its lock. */
export type Head = { revision: number; seq: number; hash: string; groupFields: number; appliedId: string | null; hasOpenHolds: boolean }

type HeadRow = { revision: string; audit_seq: string; audit_hash: string; group_fields: string; applied_id: string | null; has_open_holds: boolean }

// With what the IdP change guard needs to know before it reads anything more: the applied revision, and whether any hold is open.
const lockHead = `SELECT revision, audit_seq, audit_hash, group_fields, (SELECT id FROM applied_revisions ORDER BY number DESC LIMIT 1) AS applied_id,
  EXISTS (SELECT 1 FROM holds WHERE status = 'open') AS has_open_holds FROM store_head WHERE id = 1 FOR UPDATE`

const insertAudit = `INSERT INTO audit (seq, at, actor, connection, action, resource_type, resource_id, before_digest, after_digest, detail, prev_hash, hash)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

/** The channel a committed write notifies with its notice (notice.ts): other processes' feeds listen. */
export const changeChannel = 'rolecall_changes'

/**
 * A write's place in its store object's order: it asks for the head lock once `before` (the previous write's
 * request) settled, and calls `locked` once it holds the lock or gave up. Writes started without awaiting each
 * other take effect in the order they were started.
 */
export type LockTurn = { before: Promise<void>; locked: () => void }

/** How many times a write is run again after a serialization failure or deadlock. */
const maxAttempts = 5

/**
 * A write in progress. `query` runs a statement now (its rows are needed); `defer` queues one whose result is
 * not, sent together with COMMIT. `audit` appends an entry (and moves the revision unless `isResourceWrite` is false).
 */
export class WriteTx {
  private readonly deferred: { text: string; params: SqlParam[]; onError?: (error: unknown) => unknown }[] = []
  private seq: number
  private hash: string
  revision: number
  isGroupFieldsChanged = false
  /** What the write touched, once its work returned: told in its notice. */
  touched: Touched | undefined

  constructor(
    readonly sql: ReservedSql,
    readonly head: Head,
    readonly now: string,
    /** The store object that writes, named in the notice. */
    readonly origin: string,
  ) {
    this.seq = head.seq
    this.hash = head.hash
    this.revision = head.revision
  }

  async query<T extends object>(text: string, params: SqlParam[] = []): Promise<T[]> {
    return (await this.sql.unsafe(text, params as never[], { prepare: true })) as unknown as T[]
  }

  /** A statement sent with COMMIT; `onError` maps its failure (a unique index, say) before the write fails with it. */
  defer(text: string, params: SqlParam[] = [], onError?: (error: unknown) => unknown): void {
    this.deferred.push({ text, params, ...(onError === undefined ? {} : { onError }) })
  }

  /** Sends what was deferred now, in one round trip: a statement that follows must see it. */
  async flush(): Promise<void> {
    const statements = this.deferred.splice(0)
    const results = await Promise.allSettled(statements.map((statement) => this.sql.unsafe(statement.text, statement.params as never[], { prepare: true })))
    for (let i = 0; i < results.length; i++) {
      const result = results[i]
      if (result?.status === 'rejected') throw statements[i]?.onError?.(result.reason) ?? result.reason
    }
  }

  /** The sequence number the next audit entry of this write takes. */
  get nextSeq(): number {
    return this.seq + 1
  }

  /** Appends `record` to the chain; a resource write (not a connection or token) also moves the revision. */
  audit(record: AuditRecord, isResourceWrite = true): number {
    if (isResourceWrite) this.revision++
    const seq = this.seq + 1
    const entry = { seq, at: this.now, ...record }
    const hash = entryHash(this.hash, entry)
    this.defer(insertAudit, auditValues(seq, this.now, record, this.hash, hash))
    this.seq = seq
    this.hash = hash
    return seq
  }

  /** The statements sent with COMMIT: the revision and group-fields counters, then what was deferred. */
  finalStatements(): { text: string; params: SqlParam[]; onError?: (error: unknown) => unknown }[] {
    const counters: string[] = []
    if (this.revision !== this.head.revision) counters.push(`revision = ${this.revision}`)
    if (this.isGroupFieldsChanged) counters.push('group_fields = group_fields + 1')
    const head = counters.length === 0 ? [] : [{ text: `UPDATE store_head SET ${counters.join(', ')} WHERE id = 1`, params: [] }]
    const notify = this.seq === this.head.seq ? [] : [{ text: `SELECT pg_notify('${changeChannel}', $1)`, params: [this.notice()] }]
    return [...head, ...this.deferred, ...notify]
  }

  /** The notice of this write, sent with COMMIT (NOTIFY is delivered only once the transaction commits). */
  private notice(): string {
    return encodeNotice({ origin: this.origin, from: { seq: this.head.seq, revision: this.head.revision }, to: { seq: this.seq, revision: this.revision }, ...touchedUsers(this.touched) })
  }
}

/**
 * Runs `work` in a write transaction and commits: BEGIN, the head lock and `first` (a read the write needs at
 * once) in one round trip; `work`'s own queries; then the deferred statements with COMMIT in one more. A
 * serialization failure or deadlock runs it all again (work must not have effects outside the transaction).
 */
export async function runWrite<T>(
  pool: Sql,
  now: () => string,
  origin: string,
  work: (tx: WriteTx, first: Record<string, unknown>[]) => Promise<T>,
  first?: { text: string; params: SqlParam[] },
  turn: LockTurn = { before: Promise.resolve(), locked: () => {} },
): Promise<{ value: T; tx: WriteTx }> {
  for (let attempt = 1; ; attempt++) {
    let sql: ReservedSql
    try {
      // The previous write of this store object asks for the lock first: PostgreSQL grants it in that order. Only
      // then is a connection taken, so that writes waiting their turn leave the pool to reads.
      if (attempt === 1) await turn.before
      sql = await pool.reserve()
    } catch (error) {
      turn.locked()
      throw error
    }
    let isOpen = false
    try {
      const [, headRows, firstRows] = await Promise.all([
        sql.unsafe('BEGIN'),
        sql.unsafe(lockHead, [], { prepare: true }) as unknown as Promise<HeadRow[]>,
        first === undefined || namesNothing(first.params) ? Promise.resolve([]) : (sql.unsafe(first.text, first.params as never[], { prepare: true }) as unknown as Promise<Record<string, unknown>[]>),
      ]).finally(() => {
        isOpen = true
        turn.locked()
      })
      const row = headRows[0]
      if (row === undefined) throw new Error('the store has no head row')
      const tx = new WriteTx(sql, { revision: Number(row.revision), seq: Number(row.audit_seq), hash: row.audit_hash, groupFields: Number(row.group_fields), appliedId: row.applied_id, hasOpenHolds: row.has_open_holds }, now(), origin)
      const value = await work(tx, firstRows)
      const statements = tx.finalStatements()
      const results = await Promise.allSettled([...statements.map((statement) => sql.unsafe(statement.text, statement.params as never[], { prepare: true })), sql.unsafe('COMMIT')])
      isOpen = false
      for (let i = 0; i < results.length; i++) {
        const result = results[i]
        if (result?.status === 'rejected') throw statements[i]?.onError?.(result.reason) ?? result.reason
      }
      return { value, tx }
    } catch (error) {
      if (isOpen) await sql.unsafe('ROLLBACK').catch(() => {})
      if (attempt < maxAttempts && isRetryable(error)) continue
      throw error
    } finally {
      sql.release()
    }
  }
}

/**
 * Whether a look-up by equality on `params` can find no row because one of them holds U+0000, which PostgreSQL's text
 * cannot (the server refuses the statement): an id or a name with it names nothing stored, as on SQLite.
 */
export function namesNothing(params: readonly SqlParam[]): boolean {
  return params.some((param) => typeof param === 'string' && param.includes('\u0000'))
}
