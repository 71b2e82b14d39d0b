// The audit chain's format, the same in every backend: canonical entries, their SHA-256 links, and document digests.
import { hash } from 'node:crypto'
import { StoreError } from '../errors.js'
import { canonicalJson } from '../util/digest.js'
import type { AuditEntry, JsonObject, JsonValue } from './store.js'

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


/** The columns of an audit row, in the order seq, at, actor, connection, action, resource_type, resource_id, before_digest, after_digest, detail, prev_hash, hash. */
export function auditValues(seq: number, at: string, record: AuditRecord, prevHash: string, hash: string): (string | number | null)[] {
  return [seq, at, record.actor, record.connection, record.action, record.resourceType, record.resourceId, record.beforeDigest, record.afterDigest, record.detail === null ? null : JSON.stringify(record.detail), prevHash, hash]
}
