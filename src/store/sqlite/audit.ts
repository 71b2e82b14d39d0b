// The hash-chained, append-only audit log: append, verify and export.
import { hash } from 'node:crypto'
import type Database from 'better-sqlite3'
import { canonicalJson } from '../../util/digest.js'
import type { AuditEntry, AuditVerification, JsonObject, JsonValue } from '../store.js'

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

type AuditRow = {
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

type EntryBody = Omit<AuditEntry, 'prevHash' | 'hash'>

/** `canonicalJson(entry)`, with the entry's keys already in sorted order. */
export function canonicalEntry(entry: EntryBody): string {
  const text = (value: string | null | undefined) => (value === null || value === undefined ? 'null' : JSON.stringify(value))
  return (
    `{"action":${JSON.stringify(entry.action)},"actor":${JSON.stringify(entry.actor)},"afterDigest":${text(entry.afterDigest)},"at":${JSON.stringify(entry.at)},` +
    `"beforeDigest":${text(entry.beforeDigest)},"connection":${text(entry.connection)},"detail":${canonicalJson(entry.detail)},` +
    `"resourceId":${text(entry.resourceId)},"resourceType":${text(entry.resourceType)},"seq":${JSON.stringify(entry.seq)}}`
  )
}

function entryHash(prevHash: string, entry: EntryBody): string {
  return sha256(`${prevHash}\n${canonicalEntry(entry)}`)
}

function fromRow(row: AuditRow): AuditEntry {
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
    detail: row.detail === null ? null : (JSON.parse(row.detail) as JsonObject),
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

function* auditRows(db: Database.Database): Generator<AuditEntry> {
  const rows = db.prepare<[], AuditRow>('SELECT * FROM audit ORDER BY seq').iterate()
  for (const row of rows) yield fromRow(row)
}

/** Recomputes every link of the chain. */
export function verifyAuditChain(db: Database.Database): AuditVerification {
  let prevHash = genesisHash
  let expected = 1
  let entries = 0
  for (const entry of auditRows(db)) {
    const { prevHash: storedPrev, hash, ...body } = entry
    if (entry.seq !== expected) return { ok: false, entries, brokenAt: entry.seq, reason: `expected entry ${expected}, found ${entry.seq}` }
    if (storedPrev !== prevHash) return { ok: false, entries, brokenAt: entry.seq, reason: 'previous hash does not match' }
    if (entryHash(prevHash, body) !== hash) return { ok: false, entries, brokenAt: entry.seq, reason: 'entry hash does not match its content' }
    prevHash = hash
    expected++
    entries++
  }
  return { ok: true, entries }
}

export function exportAuditEntries(db: Database.Database, sink: (entry: AuditEntry) => void): number {
  let count = 0
  for (const entry of auditRows(db)) {
    sink(entry)
    count++
  }
  return count
}
