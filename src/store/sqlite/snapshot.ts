// The live directory in one read, for plans: users and groups as rows, memberships as a table of integer indexes.
import type Database from 'better-sqlite3'
import { directoryWithTable, isStrictlyOrdered, tableOfMemberLists } from '../../engine/membership-table.js'
import type { LiveSnapshot } from '../store.js'
import { statement } from './statements.js'

/** Ids in code-unit order, and each row's position in that order (-1 for no row). */
type IdOrder = { ids: string[]; positionOfRid: Int32Array }

/**
 * `sql` lists `rid, id` by id. SQLite orders by UTF-8 bytes, which is code-unit order for the ASCII ids the store
 * makes; the order is checked, and ids it does not hold for are sorted here.
 */
function idOrder(db: Database.Database, sql: string): IdOrder {
  let rows = statement(db, sql).raw().all() as [number, string][]
  let ids = rows.map((row) => row[1])
  if (!isStrictlyOrdered(ids)) {
    rows = [...rows].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    ids = rows.map((row) => row[1])
  }
  let maxRid = 0
  for (const [rid] of rows) if (rid > maxRid) maxRid = rid
  const positionOfRid = new Int32Array(maxRid + 1).fill(-1)
  for (let i = 0; i < rows.length; i++) positionOfRid[(rows[i] as [number, string])[0]] = i
  return { ids, positionOfRid }
}

/**
 * A consistent read of the directory through `db` (call inside a transaction). `memberships` is listed by group id,
 * then user id, and built only when read: plans use `membershipTable`.
 */
export function readLiveSnapshot(db: Database.Database): LiveSnapshot {
  const revision = (statement(db, `SELECT value FROM state WHERE key = 'revision'`).get() as { value: number }).value
  const userRows = statement(db, 'SELECT id, connection, user_name, external_id, active FROM users ORDER BY connection, user_name_key').raw().all() as [string, string, string, string | null, number][]
  const users = userRows.map(([id, connection, userName, externalId, active]) => ({ id, connection, userName, ...(externalId === null ? {} : { externalId }), active: active === 1 }))
  const groupRows = statement(db, 'SELECT id, connection, display_name, external_id FROM groups ORDER BY connection, display_name_key').raw().all() as [string, string, string, string | null][]
  const groups = groupRows.map(([id, connection, displayName, externalId]) => ({ id, connection, displayName, ...(externalId === null ? {} : { externalId }) }))
  const userOrder = idOrder(db, 'SELECT rid, id FROM users ORDER BY id')
  const groupOrder = idOrder(db, 'SELECT rid, id FROM groups ORDER BY id')
  // One row per group, read by integer keys (no join, no sort of millions of texts, no row object per membership).
  const rows = statement(db, 'SELECT group_rid, json_group_array(user_rid) FROM memberships GROUP BY group_rid').raw().all() as [number, string][]
  const lists: (number[] | undefined)[] = new Array(groupOrder.ids.length)
  for (const [groupRid, text] of rows) {
    const group = groupOrder.positionOfRid[groupRid] ?? -1
    if (group < 0) continue
    const members = JSON.parse(text) as number[]
    let kept = 0
    for (const rid of members) {
      const user = userOrder.positionOfRid[rid] ?? -1
      if (user >= 0) members[kept++] = user
    }
    members.length = kept
    lists[group] = members
  }
  return directoryWithTable({ revision, users, groups }, tableOfMemberLists(groupOrder.ids, userOrder.ids, lists))
}
