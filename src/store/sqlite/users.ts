// Users: their rows, reads (by id, with their groups) and writes.
import type Database from 'better-sqlite3'
import { digest } from '../audit-chain.js'
import { userFields } from '../fields.js'
import { newResourceId } from '../ids.js'
import { WriteRejectedError, type JsonObject, type StoredUser, type WriteOptions } from '../store.js'
import type { SqliteCore } from './core.js'
import { guardWrite } from './holds.js'
import { groupsOf } from './memberships.js'
import { checkVersion, toResource } from '../resource-row.js'
import { isUniqueViolation, type ResourceRow } from './resource-rows.js'

/** Every write bumps the version and a delete removes the row: one index look-up confirms a cached user. */
export function userVersion(core: SqliteCore, connection: string, id: string): number | undefined {
  const row = core.stmt(core.reader, 'SELECT version FROM users WHERE id = ? AND connection = ?').get(id, connection) as { version: number } | undefined
  return row?.version
}

function userRow(core: SqliteCore, db: Database.Database, connection: string, id: string): ResourceRow | undefined {
  return core.stmt(db, 'SELECT rid, id, connection, doc, created, last_modified, version FROM users WHERE id = ? AND connection = ?').get(id, connection) as ResourceRow | undefined
}

export function toUser(core: SqliteCore, row: ResourceRow, withGroups: boolean): StoredUser {
  return withGroups ? { ...toResource(row), groups: groupsOf(core, row.rid) } : toResource(row)
}

function writeUserDoc(core: SqliteCore, connection: string, rid: number, doc: JsonObject, version: number): void {
  const fields = userFields(doc)
  try {
    core
      .stmt(core.writer, 'UPDATE users SET user_name = ?, user_name_key = ?, external_id = ?, active = ?, display_name = ?, doc = ?, last_modified = ?, version = ? WHERE rid = ?')
      .run(fields.userName, fields.userNameKey, fields.externalId, fields.active, fields.displayName, JSON.stringify(doc), core.now(), version, rid)
  } catch (error) {
    if (isUniqueViolation(error)) throw new WriteRejectedError('conflict', `userName "${fields.userName}" is already taken in ${connection}`)
    throw error
  }
}

export function createUser(core: SqliteCore, connection: string, doc: JsonObject, options: WriteOptions): Promise<StoredUser> {
  return core.write(() => {
    core.ensureConnectionSync(connection)
    const fields = userFields(doc)
    const id = newResourceId()
    const now = core.now()
    try {
      core
        .stmt(
          core.writer,
          `INSERT INTO users (id, connection, user_name, user_name_key, external_id, active, display_name, doc, created, last_modified, version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
        )
        .run(id, connection, fields.userName, fields.userNameKey, fields.externalId, fields.active, fields.displayName, JSON.stringify(doc), now, now)
    } catch (error) {
      if (isUniqueViolation(error)) throw new WriteRejectedError('conflict', `userName "${fields.userName}" is already taken in ${connection}`)
      throw error
    }
    core.record({ actor: options.actor, connection, action: 'user.create', resourceType: 'User', resourceId: id, beforeDigest: null, afterDigest: digest(doc), detail: null })
    core.accessChanges.touchUsers([id], [fields.userName])
    return { id, connection, doc, created: now, lastModified: now, version: 1 }
  })
}

export function getUser(core: SqliteCore, connection: string, id: string, withGroups: boolean): StoredUser | undefined {
  const row = userRow(core, core.reader, connection, id)
  return row === undefined ? undefined : toUser(core, row, withGroups)
}

export function modifyUser(core: SqliteCore, connection: string, id: string, change: (current: StoredUser) => JsonObject, options: WriteOptions, action: string): Promise<StoredUser> {
  return core.write(() => {
    const row = checkVersion(userRow(core, core.writer, connection, id), 'User', id, options)
    const current = toResource(row)
    const doc = change(current)
    const version = row.version + 1
    writeUserDoc(core, connection, row.rid, doc, version)
    const [before, after] = [userFields(current.doc), userFields(doc)]
    core.accessChanges.touchUsers([id], [before.userName, after.userName])
    const seq = core.record({ actor: options.actor, connection, action, resourceType: 'User', resourceId: id, beforeDigest: digest(current.doc), afterDigest: digest(doc), detail: null })
    guardWrite(core, { kind: 'user', connection, userId: id, isReactivated: before.active === 0 && after.active === 1, isRenamed: before.userNameKey !== after.userNameKey }, seq)
    return { ...current, doc, version, lastModified: core.now() }
  })
}

export function deleteUser(core: SqliteCore, connection: string, id: string, options: WriteOptions): Promise<void> {
  return core.write(() => {
    const row = checkVersion(userRow(core, core.writer, connection, id), 'User', id, options)
    // ON DELETE CASCADE removes the user's memberships.
    core.stmt(core.writer, 'DELETE FROM users WHERE rid = ?').run(row.rid)
    core.accessChanges.touchUsers([id], [userFields(JSON.parse(row.doc) as JsonObject).userName])
    const seq = core.record({ actor: options.actor, connection, action: 'user.delete', resourceType: 'User', resourceId: id, beforeDigest: digest(JSON.parse(row.doc) as JsonObject), afterDigest: null, detail: null })
    guardWrite(core, { kind: 'user-deleted', userId: id }, seq)
  })
}

/** Every userName key in the store, each once, sorted. */
export function userNameKeys(core: SqliteCore): string[] {
  return core.stmt(core.reader, 'SELECT DISTINCT user_name_key FROM users ORDER BY user_name_key').pluck().all() as string[]
}
