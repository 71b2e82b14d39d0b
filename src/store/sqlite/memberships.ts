// Membership rows: a group's members, a user's groups, and the member operations of a group write.
import type Database from 'better-sqlite3'
import { WriteRejectedError, type MemberOp, type MemberRef, type MembershipKey, type MembershipSeq } from '../store.js'
import type { SqliteCore } from './core.js'

/** What a group write did to its members: ids actually added and removed, and whether it cleared them first. */
export type MemberSummary = { added: string[]; removed: string[]; cleared: boolean }

/** The user's groups (by the user's rowid), ordered by displayName. */
export function groupsOf(core: SqliteCore, rid: number): MemberRef[] {
  const rows = core.stmt(core.reader, 'SELECT g.id, g.display_name FROM memberships m JOIN groups g ON g.rid = m.group_rid WHERE m.user_rid = ? ORDER BY g.display_name_key').all(rid) as { id: string; display_name: string }[]
  return rows.map((row) => ({ value: row.id, display: row.display_name }))
}

/** The group's members (by the group's rowid) through `db`, in the order the users were created. */
export function membersOf(core: SqliteCore, db: Database.Database, rid: number): MemberRef[] {
  const rows = core.stmt(db, 'SELECT u.id, u.display_name, u.user_name FROM memberships m JOIN users u ON u.rid = m.user_rid WHERE m.group_rid = ? ORDER BY u.rid').all(rid) as {
    id: string
    display_name: string | null
    user_name: string
  }[]
  return rows.map((row) => ({ value: row.id, display: row.display_name ?? row.user_name }))
}

/**
 * Applies membership operations in order; unknown user ids in an add are refused (the whole write rolls back). An
 * added membership records the audit entry its write appends next (the write's own, after these operations).
 */
export function applyMemberOps(core: SqliteCore, connection: string, groupRid: number, ops: MemberOp[]): MemberSummary {
  const summary = { added: [] as string[], removed: [] as string[], cleared: false }
  const userRid = core.stmt(core.writer, 'SELECT rid FROM users WHERE id = ? AND connection = ?')
  let seq: number | undefined
  for (const op of ops) {
    if (op.op === 'clear') {
      core.stmt(core.writer, 'DELETE FROM memberships WHERE group_rid = ?').run(groupRid)
      summary.cleared = true
      continue
    }
    for (const id of op.ids) {
      const user = userRid.get(id, connection) as { rid: number } | undefined
      if (op.op === 'add') {
        if (user === undefined) throw new WriteRejectedError('unknown-member', `no user with id "${id}" in ${connection}`)
        seq ??= core.audit.nextSeq()
        const changes = core.stmt(core.writer, 'INSERT OR IGNORE INTO memberships (group_rid, user_rid, added_seq) VALUES (?, ?, ?)').run(groupRid, user.rid, seq).changes
        if (changes > 0) summary.added.push(id)
      } else if (user !== undefined) {
        const changes = core.stmt(core.writer, 'DELETE FROM memberships WHERE group_rid = ? AND user_rid = ?').run(groupRid, user.rid).changes
        if (changes > 0) summary.removed.push(id)
      }
    }
  }
  return summary
}

/** The audit entry of the write that added each membership that exists (see AccessFeed.membershipSeqs). */
export function membershipSeqs(core: SqliteCore, memberships: readonly MembershipKey[]): MembershipSeq[] {
  const statement = core.stmt(core.reader, 'SELECT m.added_seq AS seq FROM memberships m JOIN groups g ON g.rid = m.group_rid JOIN users u ON u.rid = m.user_rid WHERE g.id = ? AND u.id = ?')
  return core.reader.transaction(() => {
    const found: MembershipSeq[] = []
    for (const { groupId, userId } of memberships) {
      const row = statement.get(groupId, userId) as { seq: number | null } | undefined
      if (row !== undefined) found.push({ groupId, userId, seq: row.seq })
    }
    return found
  })()
}
