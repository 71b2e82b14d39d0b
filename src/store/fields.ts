// The columns a backend keeps beside a stored document (indexed, unique), and what its audit entries say: one rule for every backend.
import { StoreError } from '../errors.js'
import type { JsonObject } from './store.js'

/** Maximum ids written into one audit entry's detail; larger changes record counts only. */
const maxAuditIds = 1000

/** A user document's indexed columns: userName (unique per connection, case-folded), externalId, active, displayName. */
export function userFields(doc: JsonObject) {
  const userName = doc['userName']
  if (typeof userName !== 'string' || userName === '') throw new StoreError('a user needs a userName')
  const externalId = typeof doc['externalId'] === 'string' ? doc['externalId'] : null
  const active = doc['active'] === false ? 0 : 1
  const displayName = typeof doc['displayName'] === 'string' ? doc['displayName'] : null
  return { userName, userNameKey: userName.toLowerCase(), externalId, active, displayName }
}

/** A group document's indexed columns: displayName (unique per connection, case-folded) and externalId. */
export function groupFields(doc: JsonObject) {
  const displayName = doc['displayName']
  if (typeof displayName !== 'string' || displayName === '') throw new StoreError('a group needs a displayName')
  const externalId = typeof doc['externalId'] === 'string' ? doc['externalId'] : null
  return { displayName, displayNameKey: displayName.toLowerCase(), externalId }
}

/** What an audit entry of a group write says of its membership changes: counts, and the ids unless there are many. */
export function memberDetail(summary: { added: string[]; removed: string[]; cleared: boolean }): JsonObject {
  const detail: JsonObject = { added: summary.added.length, removed: summary.removed.length }
  if (summary.cleared) detail['cleared'] = true
  if (summary.added.length + summary.removed.length <= maxAuditIds) {
    if (summary.added.length > 0) detail['addedIds'] = summary.added
    if (summary.removed.length > 0) detail['removedIds'] = summary.removed
  }
  return detail
}
