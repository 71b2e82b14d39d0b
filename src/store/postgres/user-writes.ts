// Writes of users inside a write transaction: create, replace or modify (read-modify-write under the head lock), delete.
import { digest } from '../audit-chain.js'
import { newResourceId } from '../ids.js'
import type { JsonObject, StoredUser, WriteOptions } from '../store.js'
import { checkVersion, toResource } from '../resource-row.js'
import { conflictOn, insertUser, updateUser, userColumns } from './directory-writes.js'
import { resourceColumns, type ResourceRow } from './rows.js'
import type { WriteResult, WriteTx } from './transaction.js'
import { guardWrite } from './holds.js'

/** The row a user write reads first, with BEGIN and the head lock. */
export const userById = `SELECT ${resourceColumns} FROM users r WHERE r.id = $1 AND r.connection = $2`

/** Queues the new user (sent with COMMIT): a duplicate userName in the connection fails the write as a conflict. */
export function createUser(tx: WriteTx, connection: string, doc: JsonObject, options: WriteOptions): WriteResult<StoredUser> {
  const fields = userColumns(doc)
  const id = newResourceId()
  tx.defer(insertUser, [id, connection, fields.userName, fields.userNameKey, fields.externalId, fields.isActive, fields.displayName, JSON.stringify(doc), tx.now], conflictOn(`userName "${fields.userName}"`, connection))
  tx.audit({ actor: options.actor, connection, action: 'user.create', resourceType: 'User', resourceId: id, beforeDigest: null, afterDigest: digest(doc), detail: null })
  return { value: { id, connection, doc, created: tx.now, lastModified: tx.now, version: 1 }, touched: { userIds: [id], userNames: [fields.userName] } }
}

/** The user `found` (read under the head lock) with the attributes `change` computes from it. */
export async function changeUser(tx: WriteTx, found: unknown, connection: string, id: string, change: (current: StoredUser) => JsonObject, options: WriteOptions, action: string): Promise<WriteResult<StoredUser>> {
  const row = checkVersion(found as ResourceRow | undefined, 'User', id, options)
  const current = toResource(row)
  const doc = change(current)
  const version = row.version + 1
  updateUser(tx, connection, row.rid, doc, version)
  const seq = tx.audit({ actor: options.actor, connection, action, resourceType: 'User', resourceId: id, beforeDigest: digest(current.doc), afterDigest: digest(doc), detail: null })
  const [before, after] = [userColumns(current.doc), userColumns(doc)]
  await guardWrite(tx, { kind: 'user', connection, userId: id, isReactivated: !before.isActive && after.isActive, isRenamed: before.userNameKey !== after.userNameKey }, seq)
  return { value: { ...current, doc, version, lastModified: tx.now }, touched: { userIds: [id], userNames: [before.userName, after.userName] } }
}

/** Deletes the user `found`; ON DELETE CASCADE removes their memberships. */
export async function deleteUser(tx: WriteTx, found: unknown, connection: string, id: string, options: WriteOptions): Promise<WriteResult<void>> {
  const row = checkVersion(found as ResourceRow | undefined, 'User', id, options)
  const doc = JSON.parse(row.doc) as JsonObject
  tx.defer('DELETE FROM users WHERE rid = $1', [row.rid])
  const seq = tx.audit({ actor: options.actor, connection, action: 'user.delete', resourceType: 'User', resourceId: id, beforeDigest: digest(doc), afterDigest: null, detail: null })
  await guardWrite(tx, { kind: 'user-deleted', userId: id }, seq)
  return { value: undefined, touched: { userIds: [id], userNames: [userColumns(doc).userName] } }
}
