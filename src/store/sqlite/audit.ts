// The hash-chained, append-only audit log: append and export (audit-verify.ts checks it).
import type Database from 'better-sqlite3'
import { auditValues, entryHash, fromRow, genesisHash, type AuditRecord, type AuditRow } from '../audit-chain.js'
import type { AuditEntry } from '../store.js'

/** Appends to the chain; call inside the write's transaction so the entry commits with the change. */
export class AuditLog {
  private readonly last: Database.Statement<[], { seq: number; hash: string }>
  private readonly insert: Database.Statement<unknown[]>
  /**
   * The entry this connection appended last, while the transaction that holds it is open: the next append of
   * the same batch links to it without a read. `forget()` when that transaction (or savepoint) ends.
   */
  private appended: { seq: number; hash: string } | undefined

  constructor(db: Database.Database) {
    this.last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1')
    this.insert = db.prepare(
      `INSERT INTO audit (seq, at, actor, connection, action, resource_type, resource_id, before_digest, after_digest, detail, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
  }

  /** Call after every COMMIT or ROLLBACK (to a savepoint, too): another process may append next. */
  forget(): void {
    this.appended = undefined
  }

  /** The sequence number the next append inside the open transaction takes. */
  nextSeq(): number {
    return ((this.appended ?? this.last.get())?.seq ?? 0) + 1
  }

  append(at: string, record: AuditRecord): number {
    const last = this.appended ?? this.last.get()
    const seq = (last?.seq ?? 0) + 1
    const prevHash = last?.hash ?? genesisHash
    const entry = { seq, at, ...record }
    const entryDigest = entryHash(prevHash, entry)
    this.insert.run(...auditValues(seq, at, record, prevHash, entryDigest))
    this.appended = { seq, hash: entryDigest }
    return seq
  }
}

export function* auditRows(db: Database.Database): Generator<AuditRow> {
  yield* db.prepare<[], AuditRow>('SELECT * FROM audit ORDER BY seq').iterate()
}

export function exportAuditEntries(db: Database.Database, sink: (entry: AuditEntry) => void, afterSeq = 0): number {
  let count = 0
  for (const row of db.prepare<[number], AuditRow>('SELECT * FROM audit WHERE seq > ? ORDER BY seq').iterate(afterSeq)) {
    sink(fromRow(row))
    count++
  }
  return count
}

export function auditEntriesOf(db: Database.Database, seqs: readonly number[]): AuditEntry[] {
  const statement = db.prepare<[number], AuditRow>('SELECT * FROM audit WHERE seq = ?')
  const entries: AuditEntry[] = []
  for (const seq of [...new Set(seqs)].sort((a, b) => a - b)) {
    const row = statement.get(seq)
    if (row !== undefined) entries.push(fromRow(row))
  }
  return entries
}
