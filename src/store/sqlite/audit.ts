// The hash-chained, append-only audit log: append and export (audit-verify.ts checks it).
import { hash } from 'node:crypto'
import type Database from 'better-sqlite3'
import { StoreError } from '../../errors.js'
import { canonicalJson } from '../../util/digest.js'
import type { AuditEntry, JsonObject, JsonValue } from '../store.js'

export const genesisHash = '0'.repeat(64)

export function sha256(text: string): string {
  return hash('sha256', text, 'hex')
}

export function digest(value: JsonValue): string {
  return sha256(canonicalJson(value))
}

/** Digests of recently stored documents, by their stored text: a group patched member by member digests once. */
const digestsByText = new Map<string, string>()

/** `digest(doc)` where `text` is the document's JSON (any key order): equal texts are equal documents. */
export function digestOfStored(text: string, doc: JsonValue): string {
  let known = digestsByText.get(text)
  if (known === undefined) {
    known = digest(doc)
    if (digestsByText.size >= 256) digestsByText.clear()
    digestsByText.set(text, known)
  }
  return known
}

/** What a write records; the log adds its sequence number, time and chain hashes. */
export type AuditRecord = Omit<AuditEntry, 'seq' | 'at' | 'prevHash' | 'hash'>

export type AuditRow = {
  seq: number
  at: string
  actor: string
  connection: string | null
  action: string
  resource_type: string | null
  resource_id: string | null
  before_digest: string | null
  after_digest: string | null
  detail: string | null
  prev_hash: string
  hash: string
}

export type EntryBody = Omit<AuditEntry, 'prevHash' | 'hash'>

/** `canonicalJson(entry)`, with the entry's keys already in sorted order. */
export function canonicalEntry(entry: EntryBody): string {
  const text = (value: string | null | undefined) => (value === null || value === undefined ? 'null' : JSON.stringify(value))
  return (
    `{"action":${JSON.stringify(entry.action)},"actor":${JSON.stringify(entry.actor)},"afterDigest":${text(entry.afterDigest)},"at":${JSON.stringify(entry.at)},` +
    `"beforeDigest":${text(entry.beforeDigest)},"connection":${text(entry.connection)},"detail":${canonicalJson(entry.detail)},` +
    `"resourceId":${text(entry.resourceId)},"resourceType":${text(entry.resourceType)},"seq":${JSON.stringify(entry.seq)}}`
  )
}

export function entryHash(prevHash: string, entry: EntryBody): string {
  return sha256(`${prevHash}\n${canonicalEntry(entry)}`)
}

/** An entry whose stored detail is not JSON: a row changed outside rolecall (its hash cannot match either). */
export class MalformedAuditEntryError extends StoreError {
  override name = 'MalformedAuditEntryError'
  constructor(readonly seq: number, cause: unknown) {
    super(`audit entry ${seq} has a detail that is not valid JSON`, { cause })
  }
}

function parseDetail(row: AuditRow): JsonObject | null {
  if (row.detail === null) return null
  try {
    return JSON.parse(row.detail) as JsonObject
  } catch (error) {
    throw new MalformedAuditEntryError(row.seq, error)
  }
}

export function fromRow(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    connection: row.connection,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    beforeDigest: row.before_digest,
    afterDigest: row.after_digest,
    detail: parseDetail(row),
    prevHash: row.prev_hash,
    hash: row.hash,
  }
}

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

  append(at: string, record: AuditRecord): number {
    const last = this.appended ?? this.last.get()
    const seq = (last?.seq ?? 0) + 1
    const prevHash = last?.hash ?? genesisHash
    const entry = { seq, at, ...record }
    const entryDigest = entryHash(prevHash, entry)
    this.insert.run(
      seq,
      at,
      record.actor,
      record.connection,
      record.action,
      record.resourceType,
      record.resourceId,
      record.beforeDigest,
      record.afterDigest,
      record.detail === null ? null : JSON.stringify(record.detail),
      prevHash,
      entryDigest,
    )
    this.appended = { seq, hash: entryDigest }
    return seq
  }
}

export function* auditRows(db: Database.Database): Generator<AuditRow> {
  yield* db.prepare<[], AuditRow>('SELECT * FROM audit ORDER BY seq').iterate()
}

export function exportAuditEntries(db: Database.Database, sink: (entry: AuditEntry) => void): number {
  let count = 0
  for (const row of auditRows(db)) {
    sink(fromRow(row))
    count++
  }
  return count
}
