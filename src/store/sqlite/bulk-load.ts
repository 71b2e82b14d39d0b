// Bulk loads: users, groups and memberships in one transaction of their own with a single audit entry.
import { userFields } from '../fields.js'
import { newResourceId } from '../ids.js'
import type { JsonObject } from '../store.js'
import type { SqliteCore } from './core.js'
import { writeGroupDoc } from './groups.js'

/** Loads users, groups and memberships in one transaction with a single audit entry (benchmarks, imports). */
export function bulkLoad(
  core: SqliteCore,
  connection: string,
  users: JsonObject[],
  groups: { doc: JsonObject; memberIndexes: number[] }[],
): { userIds: string[]; groupIds: string[] } {
  return core.writeUnbatched(() => {
    core.ensureConnectionSync(connection)
    const now = core.now()
    const insertUser = core.writer.prepare(
      `INSERT INTO users (id, connection, user_name, user_name_key, external_id, active, display_name, doc, created, last_modified, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
    )
    const userIds: string[] = []
    const userRids: number[] = []
    for (const doc of users) {
      const fields = userFields(doc)
      const id = newResourceId()
      userIds.push(id)
      userRids.push(
        Number(insertUser.run(id, connection, fields.userName, fields.userNameKey, fields.externalId, fields.active, fields.displayName, JSON.stringify(doc), now, now).lastInsertRowid),
      )
    }
    const insertMember = core.writer.prepare('INSERT OR IGNORE INTO memberships (group_rid, user_rid) VALUES (?, ?)')
    const groupIds: string[] = []
    for (const group of groups) {
      const id = newResourceId()
      groupIds.push(id)
      const rid = writeGroupDoc(core, connection, 0, group.doc, 1, true, id)
      for (const index of group.memberIndexes) {
        const user = userRids[index]
        if (user !== undefined) insertMember.run(rid, user)
      }
    }
    core.accessChanges.touchAll()
    core.record({ actor: 'cli', connection, action: 'bulk.load', resourceType: null, resourceId: null, beforeDigest: null, afterDigest: null, detail: { users: users.length, groups: groups.length } })
    return { userIds, groupIds }
  })
}
