// Holds in SQLite: decided and written inside the SCIM write's transaction (see store/holds.ts), read, rejected, released.
import type { Candidate, HoldTrigger } from '../../guard/decide.js'
import type { Directory } from '../../engine/types.js'
import { decidePerson, holdColumns, holdDetail, holdingStatuses, holdNumber, isMassTripped, newHold, targetKey, toHold, type Hold, type HoldRow, type HoldStatus } from '../holds.js'
import type { SqliteCore } from './core.js'
import { currentAppliedId, readAppliedState } from './applied.js'
import { UserDirectories } from './user-directory.js'

type UserRecord = Directory['users'][number]
type GroupRecord = Directory['groups'][number]

/** What a SCIM write did that the guard looks at: memberships it added or removed, a group renamed, a user reactivated or renamed. */
export type WriteEffect =
  | { kind: 'members'; connection: string; groupId: string; added: readonly string[]; removed: readonly string[]; isRenamed: boolean }
  | { kind: 'user'; connection: string; userId: string; isReactivated: boolean; isRenamed: boolean }
  | { kind: 'user-deleted'; userId: string }
  | { kind: 'group-deleted'; groupId: string }

const userSql = 'SELECT id, connection, user_name, external_id, active, reviewed_active, reviewed_name_key, user_name_key FROM users WHERE id = ? AND connection = ?'
type UserSqlRow = { id: string; connection: string; user_name: string; external_id: string | null; active: number; reviewed_active: number | null; reviewed_name_key: string | null; user_name_key: string }

function toUserRecord(row: UserSqlRow): UserRecord {
  return { id: row.id, connection: row.connection, userName: row.user_name, ...(row.external_id === null ? {} : { externalId: row.external_id }), active: row.active === 1 }
}

function groupRecord(core: SqliteCore, connection: string, id: string): GroupRecord | undefined {
  const row = core.stmt(core.writer, 'SELECT id, connection, display_name, external_id FROM groups WHERE id = ? AND connection = ?').get(id, connection) as
    { id: string; connection: string; display_name: string; external_id: string | null } | undefined
  return row === undefined ? undefined : { id: row.id, connection: row.connection, displayName: row.display_name, ...(row.external_id === null ? {} : { externalId: row.external_id }) }
}

/** Closes the holds in force on what the IdP removed: nothing is left to hold. Audited. */
function mootHolds(core: SqliteCore, where: string, args: unknown[], why: string): void {
  const rows = core.stmt(core.writer, `SELECT ${holdColumns} FROM holds WHERE status = 'open' AND ${where}`).all(...args) as HoldRow[]
  for (const row of rows) {
    core.stmt(core.writer, "UPDATE holds SET status = 'moot', closed_at = ?, closed_by = 'idp', closed_reason = ? WHERE seq = ?").run(core.now(), why, row.seq)
    const hold = toHold(row)
    core.record({ actor: 'guard', connection: hold.connection, action: 'hold.moot', resourceType: 'Hold', resourceId: hold.id, beforeDigest: null, afterDigest: null, detail: { ...holdDetail(hold), reason: why } }, false)
  }
}

/** The candidates of a write, by user record. */
function candidatesOf(core: SqliteCore, effect: WriteEffect): Candidate[] {
  if (effect.kind === 'members') {
    const group = groupRecord(core, effect.connection, effect.groupId)
    if (group === undefined) return []
    const trigger: HoldTrigger = effect.isRenamed ? 'group-rename' : 'membership'
    const ids = effect.isRenamed
      ? (core.stmt(core.writer, 'SELECT u.id FROM memberships m JOIN users u ON u.rid = m.user_rid JOIN groups g ON g.rid = m.group_rid WHERE g.id = ? AND g.connection = ?').pluck().all(effect.groupId, effect.connection) as string[])
      : effect.added
    const candidates: Candidate[] = []
    for (const id of ids) {
      const row = core.stmt(core.writer, userSql).get(id, effect.connection) as UserSqlRow | undefined
      if (row !== undefined) candidates.push({ user: toUserRecord(row), group, trigger })
    }
    return candidates
  }
  if (effect.kind !== 'user') return []
  const row = core.stmt(core.writer, userSql).get(effect.userId, effect.connection) as UserSqlRow | undefined
  if (row === undefined || row.active !== 1) return []
  // Against the last applied revision: a user who was active under this name then regains only what was reviewed.
  const isReactivated = effect.isReactivated && row.reviewed_active !== 1
  const isRenamed = effect.isRenamed && row.reviewed_name_key !== row.user_name_key
  if (!isReactivated && !isRenamed) return []
  const user = toUserRecord(row)
  const trigger: HoldTrigger = isRenamed ? 'user-rename' : 'reactivation'
  const candidates: Candidate[] = [{ user, group: undefined, trigger }]
  const groupIds = core.stmt(core.writer, 'SELECT g.id FROM memberships m JOIN groups g ON g.rid = m.group_rid JOIN users u ON u.rid = m.user_rid WHERE u.id = ? AND u.connection = ?').pluck().all(user.id, user.connection) as string[]
  for (const id of groupIds) {
    const group = groupRecord(core, user.connection, id)
    if (group !== undefined) candidates.push({ user, group, trigger })
  }
  return candidates
}

function heldTargets(core: SqliteCore, userIds: readonly string[]): Set<string> {
  const held = new Set<string>()
  for (const id of userIds) {
    for (const row of core.stmt(core.writer, `SELECT user_id, group_id FROM holds WHERE user_id = ? AND status IN ('open', 'rejected')`).all(id) as { user_id: string; group_id: string | null }[]) {
      held.add(targetKey(row.user_id, row.group_id ?? undefined))
    }
  }
  return held
}

function insertHold(core: SqliteCore, hold: Omit<Hold, 'id' | 'status'>): void {
  const seq = Number(
    core
      .stmt(core.writer, `INSERT INTO holds (connection, user_id, user_name, group_id, group_name, trigger, access, risk, audit_seq, created_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')`)
      .run(hold.connection, hold.userId, hold.userName, hold.groupId ?? null, hold.groupName ?? null, hold.trigger, JSON.stringify(hold.access), hold.risk, hold.auditSeq, hold.createdAt).lastInsertRowid,
  )
  core.record({ actor: 'guard', connection: hold.connection, action: 'hold.create', resourceType: 'Hold', resourceId: `h${seq}`, beforeDigest: null, afterDigest: null, detail: holdDetail({ ...hold, id: `h${seq}` }) }, false)
}

/**
 * Decides and writes the holds of a SCIM write, inside its transaction, after it wrote and audited (`auditSeq`):
 * removals make holds on what was removed moot; gains of guarded access become holds.
 */
export function guardWrite(core: SqliteCore, effect: WriteEffect, auditSeq: number): void {
  if (effect.kind === 'user-deleted') return mootHolds(core, 'user_id = ?', [effect.userId], 'the user was deleted at the IdP')
  if (effect.kind === 'group-deleted') return mootHolds(core, 'group_id = ?', [effect.groupId], 'the group was deleted at the IdP')
  if (effect.kind === 'members') for (const id of effect.removed) mootHolds(core, 'user_id = ? AND group_id = ?', [id, effect.groupId], 'the member was removed at the IdP')
  if (effect.kind === 'members' && effect.added.length === 0 && !effect.isRenamed) return
  if (effect.kind === 'user' && !effect.isReactivated && !effect.isRenamed) return
  const now = new Date(core.now())
  const context = core.guards.of(currentAppliedId(core.writer), () => readAppliedState(core.writer, undefined, false)?.documents, now)
  if (context === undefined) return
  const candidates = candidatesOf(core, effect)
  if (candidates.length === 0) return
  const byName = new Map<string, Candidate[]>()
  for (const candidate of candidates) {
    const name = candidate.user.userName.toLowerCase()
    byName.set(name, [...(byName.get(name) ?? []), candidate])
  }
  // A fresh reader of the writer's view per write: what it keeps must not outlive a rollback.
  const directories = new UserDirectories(
    core.writer,
    (sql) => core.stmt(core.writer, sql),
    () => core.revisionOf(core.writer),
  )
  const at = core.now()
  const decided = [...byName].flatMap(([name, own]) => {
    const directory = directories.read(name)
    return decidePerson(
      context,
      directory,
      heldTargets(
        core,
        directory.users.map((user) => user.id),
      ),
      own,
      now,
    )
  })
  const mass = context.policy.massChange
  let isMass = false
  if (mass !== undefined) {
    const counted = decided.filter((gains) => gains.counted.length > 0)
    for (const gains of counted) {
      const { user, group } = gains.candidate
      core
        .stmt(core.writer, 'INSERT INTO guard_gains (connection, user_key, user_id, group_id, at, is_held) VALUES (?, ?, ?, ?, ?, ?)')
        .run(user.connection, user.userName.toLowerCase(), user.id, group?.id ?? null, at, gains.guarded.length > 0 ? 1 : 0)
    }
    if (counted.length > 0) {
      const since = new Date(now.getTime() - mass.windowMs).toISOString()
      const connection = counted[0]?.candidate.user.connection ?? ''
      const people = core.stmt(core.writer, 'SELECT count(DISTINCT user_key) FROM guard_gains WHERE connection = ? AND at > ?').pluck().get(connection, since) as number
      const groupId = effect.kind === 'members' ? effect.groupId : undefined
      const groupPeople = groupId === undefined ? undefined : (core.stmt(core.writer, 'SELECT count(DISTINCT user_id) FROM guard_gains WHERE group_id = ? AND at > ?').pluck().get(groupId, since) as number)
      const groupSize = groupId === undefined ? undefined : (core.stmt(core.writer, 'SELECT count(*) FROM memberships m JOIN groups g ON g.rid = m.group_rid WHERE g.id = ?').pluck().get(groupId) as number)
      isMass = isMassTripped(mass, { people, ...(groupPeople === undefined ? {} : { groupPeople }), ...(groupSize === undefined ? {} : { groupSize }) })
    }
  }
  for (const gains of decided) {
    const hold = newHold(gains, isMass, auditSeq, at)
    if (hold !== undefined) insertHold(core, hold)
  }
  if (isMass && mass !== undefined) holdWindow(core, connection(decided), new Date(now.getTime() - mass.windowMs).toISOString(), auditSeq, at, context, now)
}

function connection(decided: readonly { candidate: Candidate }[]): string {
  return decided[0]?.candidate.user.connection ?? ''
}

/** A tripped mass-change limit holds every counted gain of the window that took effect and is still there. */
function holdWindow(core: SqliteCore, connection: string, since: string, auditSeq: number, at: string, context: NonNullable<ReturnType<SqliteCore['guards']['of']>>, now: Date): void {
  // Only gains not held yet: each trip of the limit looks at what took effect since the last.
  const rows = core.stmt(core.writer, 'SELECT DISTINCT user_id, group_id FROM guard_gains WHERE connection = ? AND at > ? AND is_held = 0').all(connection, since) as { user_id: string; group_id: string | null }[]
  core.stmt(core.writer, 'UPDATE guard_gains SET is_held = 1 WHERE connection = ? AND at > ? AND is_held = 0').run(connection, since)
  const directories = new UserDirectories(
    core.writer,
    (sql) => core.stmt(core.writer, sql),
    () => core.revisionOf(core.writer),
  )
  for (const row of rows) {
    const userRow = core.stmt(core.writer, userSql).get(row.user_id, connection) as UserSqlRow | undefined
    if (userRow === undefined) continue
    const group = row.group_id === null ? undefined : groupRecord(core, connection, row.group_id)
    if (row.group_id !== null && group === undefined) continue
    const directory = directories.read(userRow.user_name)
    if (group !== undefined && !directory.memberships.some((membership) => membership.userId === row.user_id && membership.groupId === group.id)) continue
    const held = heldTargets(
      core,
      directory.users.map((user) => user.id),
    )
    for (const gains of decidePerson(context, directory, held, [{ user: toUserRecord(userRow), group, trigger: 'mass-change' }], now)) {
      const hold = newHold(gains, true, auditSeq, at)
      if (hold !== undefined) insertHold(core, hold)
    }
  }
}

export function listHolds(core: SqliteCore, status: readonly HoldStatus[] | undefined): Hold[] {
  const rows = (
    status === undefined
      ? core.stmt(core.reader, `SELECT ${holdColumns} FROM holds ORDER BY seq`).all()
      : core.stmt(core.reader, `SELECT ${holdColumns} FROM holds WHERE status IN (SELECT value FROM json_each(?)) ORDER BY seq`).all(JSON.stringify(status))
  ) as HoldRow[]
  return rows.map(toHold)
}

export function holdsOfRecords(core: SqliteCore, userIds: readonly string[]): Hold[] {
  if (userIds.length === 0) return []
  const rows = core.stmt(core.reader, `SELECT ${holdColumns} FROM holds WHERE user_id IN (SELECT value FROM json_each(?)) AND status IN ('open', 'rejected') ORDER BY seq`).all(JSON.stringify(userIds)) as HoldRow[]
  return rows.map(toHold)
}

export function rejectHold(core: SqliteCore, id: string, actor: string, reason: string | undefined): Promise<Hold | undefined> {
  return core.write(() => {
    const seq = holdNumber(id)
    if (seq === undefined) return undefined
    const row = core.stmt(core.writer, `SELECT ${holdColumns} FROM holds WHERE seq = ? AND status = 'open'`).get(seq) as HoldRow | undefined
    if (row === undefined) return undefined
    const why = reason ?? 'rejected; remove the change at the IdP'
    core.stmt(core.writer, "UPDATE holds SET status = 'rejected', closed_at = ?, closed_by = ?, closed_reason = ? WHERE seq = ?").run(core.now(), actor, why, seq)
    const hold: Hold = { ...toHold(row), status: 'rejected', closedAt: core.now(), closedBy: actor, closedReason: why }
    core.accessChanges.touchUsers([hold.userId], [hold.userName])
    core.record({ actor, connection: hold.connection, action: 'hold.reject', resourceType: 'Hold', resourceId: hold.id, beforeDigest: null, afterDigest: null, detail: { ...holdDetail(hold), reason: why } })
    return hold
  })
}

/**
 * Inside an apply's transaction: releases the open holds it reviewed (the access takes effect), and makes the
 * directory as applied the baseline of reactivations and renames. Holds no longer open are refused by the caller's
 * guard beforehand; here each is released and audited.
 */
export function settleHoldsAtApply(core: SqliteCore, ids: readonly string[], revision: string, actor: string): void {
  for (const id of ids) {
    const seq = holdNumber(id)
    const row = seq === undefined ? undefined : (core.stmt(core.writer, `SELECT ${holdColumns} FROM holds WHERE seq = ? AND status = 'open'`).get(seq) as HoldRow | undefined)
    if (row === undefined) continue
    core.stmt(core.writer, "UPDATE holds SET status = 'released', closed_at = ?, closed_by = ?, closed_reason = ? WHERE seq = ?").run(core.now(), actor, `released by applied revision ${revision}`, row.seq)
    const hold = toHold(row)
    core.record({ actor, connection: hold.connection, action: 'hold.release', resourceType: 'Hold', resourceId: hold.id, beforeDigest: null, afterDigest: null, detail: { ...holdDetail(hold), revision } }, false)
  }
  core.stmt(core.writer, 'UPDATE users SET reviewed_active = active, reviewed_name_key = user_name_key WHERE reviewed_active IS NOT active OR reviewed_name_key IS NOT user_name_key').run()
}

export { holdingStatuses }

/** Holds in force, as the open write sees them (an apply's guard). */
export function holdsInForce(core: SqliteCore): Hold[] {
  return (core.stmt(core.writer, `SELECT ${holdColumns} FROM holds WHERE status IN ('open', 'rejected') ORDER BY seq`).all() as HoldRow[]).map(toHold)
}
