// Groups: their rows (and the open batch's copy of one), reads, and writes with their members.
import type Database from 'better-sqlite3'
import { StoreError } from '../../errors.js'
import { digest, digestOfStored } from '../audit-chain.js'
import { groupFields, memberDetail } from '../fields.js'
import { newResourceId } from '../ids.js'
import { WriteRejectedError, type GroupChange, type JsonObject, type MemberRef, type StoredGroup, type WriteOptions } from '../store.js'
import type { SqliteCore } from './core.js'
import { guardWrite } from './holds.js'
import { applyMemberOps, membersOf } from './memberships.js'
import { checkVersion, toResource } from '../resource-row.js'
import { isUniqueViolation, type ResourceRow } from './resource-rows.js'

export function groupRow(core: SqliteCore, db: Database.Database, connection: string, id: string): ResourceRow | undefined {
  return core.stmt(db, 'SELECT rid, id, connection, doc, created, last_modified, version FROM groups WHERE id = ? AND connection = ?').get(id, connection) as ResourceRow | undefined
}

/** The group's row as the open batch sees it: read once, then as the batch's last PATCH of it left it. */
function groupRowInBatch(core: SqliteCore, connection: string, id: string): ResourceRow | undefined {
  const known = core.groupsInBatch.get(id)
  if (known !== undefined && known.connection === connection) return known
  const row = groupRow(core, core.writer, connection, id)
  if (row !== undefined) core.groupsInBatch.set(id, row)
  return row
}

export function toGroup(core: SqliteCore, db: Database.Database, row: ResourceRow, withMembers: boolean): StoredGroup {
  return withMembers ? { ...toResource(row), members: membersOf(core, db, row.rid) } : toResource(row)
}

/** Inserts (`isNew`) or updates the group's row and its indexed columns; its rowid. */
export function writeGroupDoc(core: SqliteCore, connection: string, rid: number, doc: JsonObject, version: number, isNew: boolean, id: string, text = JSON.stringify(doc)): number {
  const fields = groupFields(doc)
  const now = core.now()
  try {
    if (isNew) {
      return Number(
        core
          .stmt(core.writer, `INSERT INTO groups (id, connection, display_name, display_name_key, external_id, doc, created, last_modified, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)`)
          .run(id, connection, fields.displayName, fields.displayNameKey, fields.externalId, text, now, now).lastInsertRowid,
      )
    }
    core
      .stmt(core.writer, 'UPDATE groups SET display_name = ?, display_name_key = ?, external_id = ?, doc = ?, last_modified = ?, version = ? WHERE rid = ?')
      .run(fields.displayName, fields.displayNameKey, fields.externalId, text, now, version, rid)
    core.groupFieldsChanged()
    return rid
  } catch (error) {
    if (isUniqueViolation(error)) throw new WriteRejectedError('conflict', `displayName "${fields.displayName}" is already taken in ${connection}`)
    throw error
  }
}

export function createGroup(core: SqliteCore, connection: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<StoredGroup> {
  return core.write(() => {
    core.ensureConnectionSync(connection)
    const id = newResourceId()
    const rid = writeGroupDoc(core, connection, 0, doc, 1, true, id)
    const summary = applyMemberOps(core, connection, rid, [{ op: 'add', ids: memberIds }])
    core.accessChanges.touchUsers(summary.added)
    const seq = core.record({
      actor: options.actor,
      connection,
      action: 'group.create',
      resourceType: 'Group',
      resourceId: id,
      beforeDigest: null,
      afterDigest: digest(doc),
      detail: memberDetail(summary),
    })
    guardWrite(core, { kind: 'members', connection, groupId: id, added: summary.added, removed: [], isRenamed: false }, seq)
    const row = groupRow(core, core.writer, connection, id)
    if (row === undefined) throw new StoreError(`group ${id} vanished`)
    return toGroup(core, core.writer, row, true)
  })
}

export function getGroup(core: SqliteCore, connection: string, id: string, withMembers: boolean): StoredGroup | undefined {
  const row = groupRow(core, core.reader, connection, id)
  return row === undefined ? undefined : toGroup(core, core.reader, row, withMembers)
}

export function replaceGroup(core: SqliteCore, connection: string, id: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<StoredGroup> {
  return core.write(() => {
    core.groupsInBatch.delete(id)
    const row = checkVersion(groupRow(core, core.writer, connection, id), 'Group', id, options)
    const before = JSON.parse(row.doc) as JsonObject
    const previous = new Set(membersOf(core, core.writer, row.rid).map((member) => member.value))
    writeGroupDoc(core, connection, row.rid, doc, row.version + 1, false, id)
    const summary = applyMemberOps(core, connection, row.rid, [{ op: 'clear' }, { op: 'add', ids: memberIds }])
    core.accessChanges.touchAll()
    const kept = new Set(memberIds)
    const seq = core.record({
      actor: options.actor,
      connection,
      action: 'group.replace',
      resourceType: 'Group',
      resourceId: id,
      beforeDigest: digest(before),
      afterDigest: digest(doc),
      detail: memberDetail(summary),
    })
    guardWrite(core, { kind: 'members', connection, groupId: id, added: summary.added.filter((member) => !previous.has(member)), removed: [...previous].filter((member) => !kept.has(member)), isRenamed: isRenamed(before, doc) }, seq)
    const after = groupRow(core, core.writer, connection, id)
    if (after === undefined) throw new StoreError(`group ${id} vanished`)
    return toGroup(core, core.writer, after, true)
  })
}

export function modifyGroup(core: SqliteCore, connection: string, id: string, change: (current: StoredGroup, loadMembers: () => MemberRef[]) => GroupChange, options: WriteOptions): Promise<StoredGroup> {
  return core.write(() => {
    const row = checkVersion(groupRowInBatch(core, connection, id), 'Group', id, options)
    const current = toResource(row)
    const result = change(current, () => membersOf(core, core.writer, row.rid))
    // A PATCH that replaces the members re-adds those who stay: only the others are added or removed.
    const previous = result.memberOps.some((op) => op.op === 'clear') ? new Set(membersOf(core, core.writer, row.rid).map((member) => member.value)) : undefined
    const version = row.version + 1
    const text = JSON.stringify(result.doc)
    const now = core.now()
    if (text === row.doc) {
      // Members only (the usual IdP PATCH): the attributes and their indexed columns stay as they are.
      core.stmt(core.writer, 'UPDATE groups SET last_modified = ?, version = ? WHERE rid = ?').run(now, version, row.rid)
    } else {
      writeGroupDoc(core, connection, row.rid, result.doc, version, false, id, text)
    }
    const summary = applyMemberOps(core, connection, row.rid, result.memberOps)
    // A renamed group changes what every member holds; a members-only PATCH, only the members it names.
    if (text !== row.doc || summary.cleared) core.accessChanges.touchAll()
    else core.accessChanges.touchUsers([...summary.added, ...summary.removed])
    const beforeDigest = digestOfStored(row.doc, current.doc)
    const seq = core.record({
      actor: options.actor,
      connection,
      action: 'group.modify',
      resourceType: 'Group',
      resourceId: id,
      beforeDigest,
      afterDigest: text === row.doc ? beforeDigest : digestOfStored(text, result.doc),
      detail: memberDetail(summary),
    })
    const after = previous === undefined ? undefined : new Set(membersOf(core, core.writer, row.rid).map((member) => member.value))
    const added = previous === undefined ? summary.added : summary.added.filter((member) => !previous.has(member))
    const removed = previous === undefined || after === undefined ? summary.removed : [...previous].filter((member) => !after.has(member))
    guardWrite(core, { kind: 'members', connection, groupId: id, added, removed, isRenamed: text !== row.doc && isRenamed(current.doc, result.doc) }, seq)
    core.groupsInBatch.set(id, { ...row, doc: text, last_modified: now, version })
    return { ...current, doc: result.doc, version, lastModified: now }
  })
}

export function deleteGroup(core: SqliteCore, connection: string, id: string, options: WriteOptions): Promise<void> {
  return core.write(() => {
    core.groupsInBatch.delete(id)
    const row = checkVersion(groupRow(core, core.writer, connection, id), 'Group', id, options)
    core.stmt(core.writer, 'DELETE FROM groups WHERE rid = ?').run(row.rid)
    core.groupFieldsChanged()
    core.accessChanges.touchAll()
    const seq = core.record({ actor: options.actor, connection, action: 'group.delete', resourceType: 'Group', resourceId: id, beforeDigest: digest(JSON.parse(row.doc) as JsonObject), afterDigest: null, detail: null })
    guardWrite(core, { kind: 'group-deleted', groupId: id }, seq)
  })
}

/** Whether a group's new attributes name it differently to the mappings (displayName or externalId). */
function isRenamed(before: JsonObject, after: JsonObject): boolean {
  const [a, b] = [groupFields(before), groupFields(after)]
  return a.displayNameKey !== b.displayNameKey || a.externalId !== b.externalId
}
