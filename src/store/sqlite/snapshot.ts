// The live directory in one read, for plans: users and groups as rows, memberships as a table of integer indexes.
import type Database from 'better-sqlite3'
import { directoryWithTable, isStrictlyOrdered, tableOfMemberLists } from '../../engine/membership-table.js'
import type { LiveSnapshot } from '../store.js'
import { statement } from './statements.js'

/** Ids in code-unit order, and each row's position in that order (-1 for no row). */
type IdOrder = { ids: string[]; positionOfRid: Int32Array }

/**
 * The ids of `rows` (whose rowids are `rids`) in code-unit order. `sql` lists the rowids by id: SQLite orders by
 * UTF-8 bytes, which is code-unit order for the ASCII ids the store makes; the order is checked, else sorted here.
 */
function idOrder(db: Database.Database, sql: string, rows: readonly { id: string }[], rids: Int32Array): IdOrder {
  let maxRid = 0
  for (const rid of rids) if (rid > maxRid) maxRid = rid
  const rowOfRid = new Int32Array(maxRid + 1).fill(-1)
  for (let i = 0; i < rids.length; i++) rowOfRid[rids[i] as number] = i
  let order = (statement(db, sql).pluck().all() as number[]).map((rid) => rowOfRid[rid] ?? -1)
  let ids = order.map((row) => rows[row]?.id ?? '')
  if (order.length !== rows.length || order.includes(-1) || !isStrictlyOrdered(ids)) {
    const idOf = (row: number) => (rows[row] as { id: string }).id
    order = rows.map((_, row) => row).sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0))
    ids = order.map(idOf)
  }
  const positionOfRid = new Int32Array(maxRid + 1).fill(-1)
  for (let position = 0; position < order.length; position++) positionOfRid[rids[order[position] as number] as number] = position
  return { ids, positionOfRid }
}

/**
 * A consistent read of the directory through `db` (call inside a transaction). `memberships` is listed by group id,
 * then user id, and built only when read: plans use `membershipTable`.
 */
export function readLiveSnapshot(db: Database.Database): LiveSnapshot {
  const revision = (statement(db, `SELECT value FROM state WHERE key = 'revision'`).get() as { value: number }).value
  const userRows = statement(db, 'SELECT rid, id, connection, user_name, external_id, active FROM users ORDER BY connection, user_name_key').raw().all() as [
    number,
    string,
    string,
    string,
    string | null,
    number,
  ][]
  const userRids = new Int32Array(userRows.length)
  const users = userRows.map(([rid, id, connection, userName, externalId, active], i) => {
    userRids[i] = rid
    return { id, connection, userName, ...(externalId === null ? {} : { externalId }), active: active === 1 }
  })
  const groupRows = statement(db, 'SELECT rid, id, connection, display_name, external_id FROM groups ORDER BY connection, display_name_key').raw().all() as [number, string, string, string, string | null][]
  const groupRids = new Int32Array(groupRows.length)
  const groups = groupRows.map(([rid, id, connection, displayName, externalId], i) => {
    groupRids[i] = rid
    return { id, connection, displayName, ...(externalId === null ? {} : { externalId }) }
  })
  const userOrder = idOrder(db, 'SELECT rid FROM users ORDER BY id', users, userRids)
  const groupOrder = idOrder(db, 'SELECT rid FROM groups ORDER BY id', groups, groupRids)
  // One row per group, read by integer keys (no join, no sort of millions of texts, no row object per membership):
  // each group's rowids, comma-separated, are parsed straight into one array.
  const rows = statement(db, 'SELECT group_rid, group_concat(user_rid) FROM memberships GROUP BY group_rid').raw().all() as [number, string][]
  let total = 0
  for (const [, text] of rows) total += text.length
  // A list of n rowids has at least 2n - 1 characters.
  const parsed = new Uint32Array((total >> 1) + rows.length)
  const starts = new Int32Array(groupOrder.ids.length).fill(-1)
  const counts = new Int32Array(groupOrder.ids.length)
  let at = 0
  for (const [groupRid, text] of rows) {
    const group = groupOrder.positionOfRid[groupRid] ?? -1
    if (group < 0) continue
    const start = at
    let value = 0
    for (let i = 0; i <= text.length; i++) {
      const code = i < text.length ? text.charCodeAt(i) : 44
      if (code !== 44) {
        value = value * 10 + code - 48
        continue
      }
      const user = userOrder.positionOfRid[value] ?? -1
      if (user >= 0) parsed[at++] = user
      value = 0
    }
    starts[group] = start
    counts[group] = at - start
  }
  const lists: (Uint32Array | undefined)[] = new Array(groupOrder.ids.length)
  for (let group = 0; group < lists.length; group++) {
    const start = starts[group] as number
    if (start >= 0) lists[group] = parsed.subarray(start, start + (counts[group] as number))
  }
  const table = tableOfMemberLists(groupOrder.ids, userOrder.ids, lists)
  // The rows in id order, placed by the positions already known.
  const byPosition = <T>(rows: readonly T[], rids: Int32Array, order: IdOrder): T[] => {
    const placed: T[] = new Array(rows.length)
    for (let i = 0; i < rows.length; i++) placed[order.positionOfRid[rids[i] as number] as number] = rows[i] as T
    return placed
  }
  const rowsById = { users: byPosition(users, userRids, userOrder), groups: byPosition(groups, groupRids, groupOrder) }
  return directoryWithTable({ revision, users, groups }, { ...table, rowsById })
}
