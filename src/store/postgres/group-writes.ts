// Writes of groups and their memberships inside a write transaction; a member PATCH reads one group row, never its members.
import { StoreError } from '../../errors.js'
import { digest, digestOfStored, type AuditRecord } from '../audit-chain.js'
import { memberDetail } from '../fields.js'
import { newResourceId } from '../ids.js'
import type { GroupChange, JsonObject, MemberRef, StoredGroup, WriteOptions } from '../store.js'
import { checkVersion, toResource } from '../resource-row.js'
import { groupFields } from '../fields.js'
import { applyMemberOps, insertGroup, updateGroup } from './directory-writes.js'
import { guardWrite } from './holds.js'
import { membersColumn, resourceColumns, toGroup, type ResourceRow } from './rows.js'
import type { Touched, WriteResult, WriteTx } from './transaction.js'

/** The row a group write reads first, with BEGIN and the head lock. */
export const groupById = `SELECT ${resourceColumns} FROM groups r WHERE r.id = $1 AND r.connection = $2`

/** Thrown by the member loader a group change may call: the change runs again once the members are read. */
class MembersNeeded extends Error {}

async function groupWithMembers(tx: WriteTx, connection: string, id: string): Promise<StoredGroup> {
  const [row] = await tx.query<ResourceRow>(`SELECT ${resourceColumns}, ${membersColumn} FROM groups r WHERE r.id = $1 AND r.connection = $2`, [id, connection])
  if (row === undefined) throw new StoreError(`group ${id} vanished`)
  return toGroup(row, true)
}

function groupRecord(options: WriteOptions, connection: string, action: string, id: string, beforeDigest: string | null, afterDigest: string | null, detail: JsonObject | null): AuditRecord {
  return { actor: options.actor, connection, action, resourceType: 'Group', resourceId: id, beforeDigest, afterDigest, detail }
}

export async function createGroup(tx: WriteTx, connection: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<WriteResult<StoredGroup>> {
  const id = newResourceId()
  const rid = await insertGroup(tx, connection, id, doc)
  const summary = await applyMemberOps(tx, connection, rid, [{ op: 'add', ids: memberIds }])
  const seq = tx.audit(groupRecord(options, connection, 'group.create', id, null, digest(doc), memberDetail(summary)))
  await guardWrite(tx, { kind: 'members', connection, groupId: id, added: summary.added, removed: [], isRenamed: false }, seq)
  return { value: await groupWithMembers(tx, connection, id), touched: { userIds: summary.added } }
}

export async function replaceGroup(tx: WriteTx, found: unknown, connection: string, id: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<WriteResult<StoredGroup>> {
  const row = checkVersion(found as ResourceRow | undefined, 'Group', id, options)
  const before = JSON.parse(row.doc) as JsonObject
  const previous = new Set((await tx.query<{ id: string }>('SELECT u.id FROM memberships m JOIN users u ON u.rid = m.user_rid WHERE m.group_rid = $1', [row.rid])).map((member) => member.id))
  updateGroup(tx, connection, row.rid, doc, row.version + 1)
  // The new document goes first: its displayName must be free before the members are written.
  await tx.flush()
  const summary = await applyMemberOps(tx, connection, row.rid, [{ op: 'clear' }, { op: 'add', ids: memberIds }])
  const seq = tx.audit(groupRecord(options, connection, 'group.replace', id, digest(before), digest(doc), memberDetail(summary)))
  const kept = new Set(memberIds)
  await guardWrite(tx, { kind: 'members', connection, groupId: id, added: summary.added.filter((member) => !previous.has(member)), removed: [...previous].filter((member) => !kept.has(member)), isRenamed: isRenamed(before, doc) }, seq)
  return { value: await groupWithMembers(tx, connection, id), touched: { all: true } }
}

/**
 * The group `found` changed as `change` says: its new attributes and membership operations, each operation one
 * statement on the memberships it names. `change` gets the members only if it asks for them (a filter on member
 * attributes): it is then called again with them.
 */
export async function modifyGroup(tx: WriteTx, found: unknown, connection: string, id: string, change: (current: StoredGroup, loadMembers: () => MemberRef[]) => GroupChange, options: WriteOptions): Promise<WriteResult<StoredGroup>> {
  const row = checkVersion(found as ResourceRow | undefined, 'Group', id, options)
  const current = toResource(row)
  let members: MemberRef[] | undefined
  let result: GroupChange
  try {
    result = change(current, () => {
      if (members === undefined) throw new MembersNeeded()
      return members
    })
  } catch (error) {
    if (!(error instanceof MembersNeeded)) throw error
    members = (await groupWithMembers(tx, connection, id)).members ?? []
    result = change(current, () => members ?? [])
  }
  const version = row.version + 1
  const text = JSON.stringify(result.doc)
  const isDocChanged = text !== row.doc
  // A PATCH that replaces the members re-adds those who stay: only the others are added or removed.
  const previous = result.memberOps.some((op) => op.op === 'clear')
    ? new Set((await tx.query<{ id: string }>('SELECT u.id FROM memberships m JOIN users u ON u.rid = m.user_rid WHERE m.group_rid = $1', [row.rid])).map((member) => member.id))
    : undefined
  const summary = await applyMemberOps(tx, connection, row.rid, result.memberOps)
  if (isDocChanged) updateGroup(tx, connection, row.rid, result.doc, version, text)
  else tx.defer('UPDATE groups SET last_modified = $1, version = $2 WHERE rid = $3', [tx.now, version, row.rid])
  const beforeDigest = digestOfStored(row.doc, current.doc)
  const afterDigest = isDocChanged ? digestOfStored(text, result.doc) : beforeDigest
  const seq = tx.audit(groupRecord(options, connection, 'group.modify', id, beforeDigest, afterDigest, memberDetail(summary)))
  const after = previous === undefined ? undefined : new Set((await tx.query<{ id: string }>('SELECT u.id FROM memberships m JOIN users u ON u.rid = m.user_rid WHERE m.group_rid = $1', [row.rid])).map((member) => member.id))
  const added = previous === undefined ? summary.added : summary.added.filter((member) => !previous.has(member))
  const removed = previous === undefined || after === undefined ? summary.removed : [...previous].filter((member) => !after.has(member))
  await guardWrite(tx, { kind: 'members', connection, groupId: id, added, removed, isRenamed: isDocChanged && isRenamed(current.doc, result.doc) }, seq)
  // A renamed group changes what every member holds; a members-only PATCH, only the members it names.
  const touched: Touched = isDocChanged || summary.cleared ? { all: true } : { userIds: [...summary.added, ...summary.removed] }
  return { value: { ...current, doc: result.doc, version, lastModified: tx.now }, touched }
}

export async function deleteGroup(tx: WriteTx, found: unknown, connection: string, id: string, options: WriteOptions): Promise<WriteResult<void>> {
  const row = checkVersion(found as ResourceRow | undefined, 'Group', id, options)
  tx.defer('DELETE FROM groups WHERE rid = $1', [row.rid])
  tx.isGroupFieldsChanged = true
  const seq = tx.audit(groupRecord(options, connection, 'group.delete', id, digest(JSON.parse(row.doc) as JsonObject), null, null))
  await guardWrite(tx, { kind: 'group-deleted', groupId: id }, seq)
  return { value: undefined, touched: { all: true } }
}

/** Whether a group's new attributes name it differently to the mappings (displayName or externalId). */
function isRenamed(before: JsonObject, after: JsonObject): boolean {
  const [a, b] = [groupFields(before), groupFields(after)]
  return a.displayNameKey !== b.displayNameKey || a.externalId !== b.externalId
}
