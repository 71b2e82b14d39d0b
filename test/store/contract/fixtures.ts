// Inputs and readings shared by the contract's categories: write options, SCIM queries, digests, the audit log.
import { createHash } from 'node:crypto'
import { listQuery, type ListParams } from '../../../src/scim/http.js'
import { groupType, userType } from '../../../src/scim/schemas.js'
import type { ResourceQuery } from '../../../src/store/query.js'
import { WriteRejectedError, type AuditEntry, type JsonObject, type Store, type WriteRejection } from '../../../src/store/store.js'
import { canonicalJson } from '../../../src/util/digest.js'

export const okta = { actor: 'scim:okta' }
export const entra = { actor: 'scim:entra' }

export const genesisHash = '0'.repeat(64)

/** A Users query as the SCIM layer builds it from these list parameters. */
export function userQuery(params: ListParams = {}): ResourceQuery {
  return listQuery(userType, params)
}

export function groupQuery(params: ListParams = {}): ResourceQuery {
  return listQuery(groupType, params)
}

/** The digest the audit log records of a document: sha256 of its canonical JSON. */
export function digestOf(doc: JsonObject): string {
  return createHash('sha256').update(canonicalJson(doc)).digest('hex')
}

/** The hash an audit entry must carry: sha256 of the previous hash, a newline, and the entry's canonical JSON. */
export function expectedEntryHash(entry: AuditEntry): string {
  const { prevHash, hash: _hash, ...body } = entry
  return createHash('sha256').update(`${prevHash}\n${canonicalJson(body)}`).digest('hex')
}

export async function auditOf(store: Store): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = []
  const count = await store.exportAudit((entry) => entries.push(entry))
  if (count !== entries.length) throw new Error(`exportAudit said ${count} entries and gave ${entries.length}`)
  return entries
}

/** `userName`s of users (or displayNames of groups), in the order given. */
export function namesOf(items: readonly { doc: JsonObject }[]): string[] {
  return items.map((item) => String(item.doc['userName'] ?? item.doc['displayName']))
}

/** Code-unit order: for sorting ids and names before comparing lists whose order the contract leaves open. */
export const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** The reason a write was refused with; fails the test if it was not refused with a WriteRejectedError. */
export async function rejectionOf(write: Promise<unknown>): Promise<WriteRejection> {
  try {
    await write
  } catch (error) {
    if (error instanceof WriteRejectedError) return error.reason
    throw error
  }
  throw new Error('the write was not refused')
}
