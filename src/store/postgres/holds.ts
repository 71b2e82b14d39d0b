// Holds in PostgreSQL: decided and written inside the SCIM write's transaction (see store/holds.ts), read, rejected, released.
import type { Candidate, HoldTrigger } from '../../guard/decide.js'
import type { Directory } from '../../engine/types.js'
import type { AppliedDocument } from '../applied.js'
import { decidePerson, GuardContexts, holdColumns, holdDetail, holdNumber, isMassTripped, newHold, targetKey, toHold, type GuardContext, type Hold, type HoldRow, type HoldStatus } from '../holds.js'
import { readUserDirectory } from './access.js'
import type { Sql } from './connect.js'
import type { WriteTx } from './transaction.js'

type Reader = Pick<Sql, 'unsafe'>
type UserRecord = Directory['users'][number]
type GroupRecord = Directory['groups'][number]

/** What a SCIM write did that the guard looks at (as for SQLite). */
export type WriteEffect =
  | { kind: 'members'; connection: string; groupId: string; added: readonly string[]; removed: readonly string[]; isRenamed: boolean }
  | { kind: 'user'; connection: string; userId: string; isReactivated: boolean; isRenamed: boolean }
  | { kind: 'user-deleted'; userId: string }
  | { kind: 'group-deleted'; groupId: string }

/** The applied state last compiled, by store object and applied revision. */
const contexts = new GuardContexts()

const userSql = 'SELECT id, connection, user_name, external_id, active, reviewed_active, reviewed_name_key, user_name_key FROM users WHERE id = $1 AND connection = $2'
type UserSqlRow = { id: string; connection: string; user_name: string; external_id: string | null; active: boolean; reviewed_active: boolean | null; reviewed_name_key: string | null; user_name_key: string }

function toUserRecord(row: UserSqlRow): UserRecord {
  return { id: row.id, connection: row.connection, userName: row.user_name, ...(row.external_id === null ? {} : { externalId: row.external_id }), active: row.active }
}

async function groupRecord(tx: WriteTx, connection: string, id: string): Promise<GroupRecord | undefined> {
  const [row] = await tx.query<{ id: string; connection: string; display_name: string; external_id: string | null }>('SELECT id, connection, display_name, external_id FROM groups WHERE id = $1 AND connection = $2', [id, connection])
  return row === undefined ? undefined : { id: row.id, connection: row.connection, displayName: row.display_name, ...(row.external_id === null ? {} : { externalId: row.external_id }) }
}

async function guardContext(tx: WriteTx, now: Date): Promise<GuardContext | undefined> {
  const applied = tx.head.appliedId
  if (applied === null) return undefined
  // Per store object (each is one database) and applied revision.
  const key = `${tx.origin}\u0000${applied}`
  const known = contexts.cached(key)
  if (known !== undefined) return known
  const [docs] = await tx.query<{ documents: string }>('SELECT documents FROM applied_revisions WHERE id = $1', [applied])
  return docs === undefined ? undefined : contexts.compile(key, JSON.parse(docs.documents) as AppliedDocument[], now)
}

async function mootHolds(tx: WriteTx, where: string, args: string[], why: string): Promise<void> {
  const rows = await tx.query<HoldRow>(`UPDATE holds SET status = 'moot', closed_at = $1, closed_by = 'idp', closed_reason = $2 WHERE status = 'open' AND ${where} RETURNING ${holdColumns}`, [tx.now, why, ...args])
  for (const row of rows.sort((a, b) => Number(a.seq) - Number(b.seq))) {
    const hold = toHold(row)
    tx.audit({ actor: 'guard', connection: hold.connection, action: 'hold.moot', resourceType: 'Hold', resourceId: hold.id, beforeDigest: null, afterDigest: null, detail: { ...holdDetail(hold), reason: why } }, false)
  }
}

async function candidatesOf(tx: WriteTx, effect: WriteEffect): Promise<Candidate[]> {
  if (effect.kind === 'members') {
    const group = await groupRecord(tx, effect.connection, effect.groupId)
    if (group === undefined) return []
    const trigger: HoldTrigger = effect.isRenamed ? 'group-rename' : 'membership'
    const rows = effect.isRenamed
      ? await tx.query<UserSqlRow>(
          `SELECT u.id, u.connection, u.user_name, u.external_id, u.active, u.reviewed_active, u.reviewed_name_key, u.user_name_key FROM memberships m JOIN users u ON u.rid = m.user_rid JOIN groups g ON g.rid = m.group_rid WHERE g.id = $1 AND g.connection = $2`,
          [effect.groupId, effect.connection],
        )
      : await tx.query<UserSqlRow>(`SELECT id, connection, user_name, external_id, active, reviewed_active, reviewed_name_key, user_name_key FROM users WHERE connection = $1 AND id = ANY($2)`, [effect.connection, effect.added as never])
    return rows.map((row) => ({ user: toUserRecord(row), group, trigger }))
  }
  if (effect.kind !== 'user') return []
  const [row] = await tx.query<UserSqlRow>(userSql, [effect.userId, effect.connection])
  if (row === undefined || !row.active) return []
  const isReactivated = effect.isReactivated && row.reviewed_active !== true
  const isRenamed = effect.isRenamed && row.reviewed_name_key !== row.user_name_key
  if (!isReactivated && !isRenamed) return []
  const user = toUserRecord(row)
  const trigger: HoldTrigger = isRenamed ? 'user-rename' : 'reactivation'
  const groups = await tx.query<{ id: string; connection: string; display_name: string; external_id: string | null }>(
    'SELECT g.id, g.connection, g.display_name, g.external_id FROM memberships m JOIN groups g ON g.rid = m.group_rid JOIN users u ON u.rid = m.user_rid WHERE u.id = $1 AND u.connection = $2',
    [user.id, user.connection],
  )
  return [
    { user, group: undefined, trigger },
    ...groups.map((group) => ({ user, group: { id: group.id, connection: group.connection, displayName: group.display_name, ...(group.external_id === null ? {} : { externalId: group.external_id }) }, trigger })),
  ]
}

async function heldTargets(tx: WriteTx, userIds: readonly string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set()
  const rows = await tx.query<{ user_id: string; group_id: string | null }>(`SELECT user_id, group_id FROM holds WHERE user_id = ANY($1) AND status IN ('open', 'rejected')`, [userIds as never])
  return new Set(rows.map((row) => targetKey(row.user_id, row.group_id ?? undefined)))
}

async function insertHold(tx: WriteTx, hold: Omit<Hold, 'id' | 'status'>): Promise<void> {
  const [row] = await tx.query<{ seq: string }>(
    `INSERT INTO holds (connection, user_id, user_name, group_id, group_name, trigger, access, risk, audit_seq, created_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open') RETURNING seq`,
    [hold.connection, hold.userId, hold.userName, hold.groupId ?? null, hold.groupName ?? null, hold.trigger, JSON.stringify(hold.access), hold.risk, hold.auditSeq, hold.createdAt],
  )
  const id = `h${row?.seq ?? ''}`
  tx.audit({ actor: 'guard', connection: hold.connection, action: 'hold.create', resourceType: 'Hold', resourceId: id, beforeDigest: null, afterDigest: null, detail: holdDetail({ ...hold, id }) }, false)
}

/** Decides and writes the holds of a SCIM write inside its transaction, after it wrote and audited (`auditSeq`). */
export async function guardWrite(tx: WriteTx, effect: WriteEffect, auditSeq: number): Promise<void> {
  // Holds only ever target memberships and user records that exist: with none open, removals have nothing to make moot.
  if (tx.head.hasOpenHolds) {
    if (effect.kind === 'user-deleted') return mootHolds(tx, 'user_id = $3', [effect.userId], 'the user was deleted at the IdP')
    if (effect.kind === 'group-deleted') return mootHolds(tx, 'group_id = $3', [effect.groupId], 'the group was deleted at the IdP')
    if (effect.kind === 'members' && effect.removed.length > 0) await mootHolds(tx, 'group_id = $3 AND user_id = ANY($4)', [effect.groupId, effect.removed as never], 'the member was removed at the IdP')
  }
  if (effect.kind === 'user-deleted' || effect.kind === 'group-deleted' || tx.head.appliedId === null) return
  if (effect.kind === 'members' && effect.added.length === 0 && !effect.isRenamed) return
  if (effect.kind === 'user' && !effect.isReactivated && !effect.isRenamed) return
  const now = new Date(tx.now)
  const context = await guardContext(tx, now)
  if (context === undefined) return
  // What the write deferred must be visible to the reads below.
  await tx.flush()
  const candidates = await candidatesOf(tx, effect)
  if (candidates.length === 0) return
  const byName = new Map<string, Candidate[]>()
  for (const candidate of candidates) {
    const name = candidate.user.userName.toLowerCase()
    byName.set(name, [...(byName.get(name) ?? []), candidate])
  }
  const reader = tx.sql as unknown as Reader
  const decided = []
  for (const [name, own] of byName) {
    const directory = await readUserDirectory(reader, name)
    decided.push(
      ...decidePerson(
        context,
        directory,
        await heldTargets(
          tx,
          directory.users.map((user) => user.id),
        ),
        own,
        now,
      ),
    )
  }
  const mass = context.policy.massChange
  let isMass = false
  const counted = decided.filter((gains) => gains.counted.length > 0)
  if (mass !== undefined && counted.length > 0) {
    for (const gains of counted) {
      const { user, group } = gains.candidate
      await tx.query('INSERT INTO guard_gains (connection, user_key, user_id, group_id, at, is_held) VALUES ($1, $2, $3, $4, $5, $6)', [
        user.connection,
        user.userName.toLowerCase(),
        user.id,
        group?.id ?? null,
        tx.now,
        gains.guarded.length > 0,
      ])
    }
    const since = new Date(now.getTime() - mass.windowMs).toISOString()
    const connection = counted[0]?.candidate.user.connection ?? ''
    const [people] = await tx.query<{ n: string }>('SELECT count(DISTINCT user_key) AS n FROM guard_gains WHERE connection = $1 AND at > $2', [connection, since])
    let groupCounts = {}
    if (effect.kind === 'members') {
      const [share] = await tx.query<{ gainers: string; size: string }>(
        'SELECT (SELECT count(DISTINCT user_id) FROM guard_gains WHERE group_id = $1 AND at > $2) AS gainers, (SELECT count(*) FROM memberships m JOIN groups g ON g.rid = m.group_rid WHERE g.id = $1) AS size',
        [effect.groupId, since],
      )
      groupCounts = { groupPeople: Number(share?.gainers ?? 0), groupSize: Number(share?.size ?? 0) }
    }
    isMass = isMassTripped(mass, { people: Number(people?.n ?? 0), ...groupCounts })
  }
  for (const gains of decided) {
    const hold = newHold(gains, isMass, auditSeq, tx.now)
    if (hold !== undefined) await insertHold(tx, hold)
  }
  if (isMass && mass !== undefined) await holdWindow(tx, counted[0]?.candidate.user.connection ?? '', new Date(now.getTime() - mass.windowMs).toISOString(), auditSeq, context, now)
}

/** A tripped mass-change limit holds every counted gain of the window that took effect and is still there. */
async function holdWindow(tx: WriteTx, connection: string, since: string, auditSeq: number, context: GuardContext, now: Date): Promise<void> {
  // Only gains not held yet: each trip of the limit looks at what took effect since the last.
  const rows = await tx.query<{ user_id: string; group_id: string | null }>('UPDATE guard_gains SET is_held = true WHERE connection = $1 AND at > $2 AND NOT is_held RETURNING user_id, group_id', [connection, since])
  for (const row of rows) {
    const [userRow] = await tx.query<UserSqlRow>(userSql, [row.user_id, connection])
    if (userRow === undefined) continue
    const group = row.group_id === null ? undefined : await groupRecord(tx, connection, row.group_id)
    if (row.group_id !== null && group === undefined) continue
    const directory = await readUserDirectory(tx.sql as unknown as Reader, userRow.user_name)
    if (group !== undefined && !directory.memberships.some((membership) => membership.userId === row.user_id && membership.groupId === group.id)) continue
    const held = await heldTargets(
      tx,
      directory.users.map((user) => user.id),
    )
    for (const gains of decidePerson(context, directory, held, [{ user: toUserRecord(userRow), group, trigger: 'mass-change' }], now)) {
      const hold = newHold(gains, true, auditSeq, tx.now)
      if (hold !== undefined) await insertHold(tx, hold)
    }
  }
}

export async function listHolds(sql: Reader, status: readonly HoldStatus[] | undefined): Promise<Hold[]> {
  const rows = (status === undefined
    ? await sql.unsafe(`SELECT ${holdColumns} FROM holds ORDER BY seq`, [], { prepare: true })
    : await sql.unsafe(`SELECT ${holdColumns} FROM holds WHERE status = ANY($1) ORDER BY seq`, [status as never], { prepare: true })) as unknown as HoldRow[]
  return rows.map(toHold)
}

export async function holdsOfRecords(sql: Reader, userIds: readonly string[]): Promise<Hold[]> {
  if (userIds.length === 0) return []
  const rows = (await sql.unsafe(`SELECT ${holdColumns} FROM holds WHERE user_id = ANY($1) AND status IN ('open', 'rejected') ORDER BY seq`, [userIds as never], { prepare: true })) as unknown as HoldRow[]
  return rows.map(toHold)
}

export async function rejectHold(tx: WriteTx, id: string, actor: string, reason: string | undefined): Promise<{ value: Hold | undefined; touched?: { userIds: string[]; userNames: string[] } }> {
  const seq = holdNumber(id)
  if (seq === undefined) return { value: undefined }
  const why = reason ?? 'rejected; remove the change at the IdP'
  const [row] = await tx.query<HoldRow>(`UPDATE holds SET status = 'rejected', closed_at = $1, closed_by = $2, closed_reason = $3 WHERE seq = $4 AND status = 'open' RETURNING ${holdColumns}`, [tx.now, actor, why, seq])
  if (row === undefined) return { value: undefined }
  const hold = toHold(row)
  tx.audit({ actor, connection: hold.connection, action: 'hold.reject', resourceType: 'Hold', resourceId: hold.id, beforeDigest: null, afterDigest: null, detail: { ...holdDetail(hold), reason: why } })
  return { value: hold, touched: { userIds: [hold.userId], userNames: [hold.userName] } }
}

/** Inside an apply's transaction: releases the open holds it reviewed, and makes the directory as applied the baseline of reactivations and renames. */
export async function settleHoldsAtApply(tx: WriteTx, ids: readonly string[], revision: string, actor: string): Promise<void> {
  const numbers = ids.map(holdNumber).filter((seq) => seq !== undefined)
  if (numbers.length > 0) {
    const rows = await tx.query<HoldRow>(`UPDATE holds SET status = 'released', closed_at = $1, closed_by = $2, closed_reason = $3 WHERE seq = ANY($4) AND status = 'open' RETURNING ${holdColumns}`, [
      tx.now,
      actor,
      `released by applied revision ${revision}`,
      numbers as never,
    ])
    for (const row of rows.sort((a, b) => Number(a.seq) - Number(b.seq))) {
      const hold = toHold(row)
      tx.audit({ actor, connection: hold.connection, action: 'hold.release', resourceType: 'Hold', resourceId: hold.id, beforeDigest: null, afterDigest: null, detail: { ...holdDetail(hold), revision } }, false)
    }
  }
  await tx.query('UPDATE users SET reviewed_active = active, reviewed_name_key = user_name_key WHERE reviewed_active IS DISTINCT FROM active OR reviewed_name_key IS DISTINCT FROM user_name_key')
}

/** Holds in force (an apply's guard reads them inside its transaction). */
export async function holdsInForce(sql: Reader): Promise<Hold[]> {
  return listHolds(sql, ['open', 'rejected'])
}
