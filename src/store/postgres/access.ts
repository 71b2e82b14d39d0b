// Reads of the directory as access sees it: the whole directory for plans, one user's records for the check API.
import { directoryWithTable, tableOfMemberLists } from '../../engine/membership-table.js'
import type { LiveSnapshot, MembershipKey, MembershipSeq } from '../store.js'
import type { Sql } from './connect.js'

type Reader = Pick<Sql, 'unsafe'>

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * A consistent read of the directory (call inside a repeatable-read transaction): users and groups in the order
 * plans list them, memberships as a table of indexes in id order, built from one row per group.
 */
export async function readLiveSnapshot(sql: Reader): Promise<LiveSnapshot> {
  const [head, userRows, groupRows, memberRows] = (await Promise.all([
    sql.unsafe('SELECT revision FROM store_head WHERE id = 1'),
    sql.unsafe('SELECT rid, id, connection, user_name, external_id, active FROM users ORDER BY connection, user_name_key').values(),
    sql.unsafe('SELECT rid, id, connection, display_name, external_id FROM groups ORDER BY connection, display_name_key').values(),
    sql.unsafe(`SELECT group_rid, string_agg(user_rid::text, ',') FROM memberships GROUP BY group_rid`).values(),
  ])) as unknown as [{ revision: string }[], [string, string, string, string, string | null, boolean][], [string, string, string, string, string | null][], [string, string][]]
  const users = userRows.map(([, id, connection, userName, externalId, active]) => ({ id, connection, userName, ...(externalId === null ? {} : { externalId }), active }))
  const groups = groupRows.map(([, id, connection, displayName, externalId]) => ({ id, connection, displayName, ...(externalId === null ? {} : { externalId }) }))
  const userIds = users.map((user) => user.id).sort(byCodeUnits)
  const groupIds = groups.map((group) => group.id).sort(byCodeUnits)
  const userIndex = new Map(userIds.map((id, i) => [id, i]))
  const groupIndex = new Map(groupIds.map((id, i) => [id, i]))
  const userOfRid = new Map(userRows.map(([rid, id]) => [rid, userIndex.get(id) as number]))
  const groupOfRid = new Map(groupRows.map(([rid, id]) => [rid, groupIndex.get(id) as number]))
  const lists: (number[] | undefined)[] = new Array(groupIds.length)
  for (const [groupRid, text] of memberRows) {
    const group = groupOfRid.get(groupRid)
    if (group === undefined) continue
    const list: number[] = []
    for (const rid of text.split(',')) {
      const user = userOfRid.get(rid)
      if (user !== undefined) list.push(user)
    }
    lists[group] = list
  }
  const table = tableOfMemberLists(groupIds, userIds, lists)
  return directoryWithTable({ revision: Number(head[0]?.revision ?? 0), users, groups }, table)
}

/** One user's records (by userName, case-insensitive, in every connection), their groups and memberships, in one statement. */
export async function readUserDirectory(sql: Reader, userName: string): Promise<LiveSnapshot> {
  const rows = (await sql.unsafe(
    `SELECT h.revision, u.id, u.connection, u.user_name, u.external_id, u.active,
       (SELECT coalesce(json_agg(json_build_array(g.id, g.connection, g.display_name, g.external_id) ORDER BY m.group_rid), '[]')::text
        FROM memberships m JOIN groups g ON g.rid = m.group_rid WHERE m.user_rid = u.rid) AS groups
     FROM store_head h LEFT JOIN users u ON u.user_name_key = $1 WHERE h.id = 1 ORDER BY u.rid`,
    [userName.toLowerCase()],
    { prepare: true },
  )) as unknown as { revision: string; id: string | null; connection: string; user_name: string; external_id: string | null; active: boolean; groups: string | null }[]
  const users: LiveSnapshot['users'] = []
  const groups: LiveSnapshot['groups'] = []
  const memberships: LiveSnapshot['memberships'] = []
  for (const row of rows) {
    if (row.id === null) continue
    users.push({ id: row.id, connection: row.connection, userName: row.user_name, ...(row.external_id === null ? {} : { externalId: row.external_id }), active: row.active })
    for (const [id, connection, displayName, externalId] of JSON.parse(row.groups ?? '[]') as [string, string, string, string | null][]) {
      groups.push({ id, connection, displayName, ...(externalId === null ? {} : { externalId }) })
      memberships.push({ groupId: id, userId: row.id })
    }
  }
  return { revision: Number(rows[0]?.revision ?? 0), users, groups, memberships }
}

export async function userNameKeys(sql: Reader): Promise<string[]> {
  const rows = (await sql.unsafe('SELECT DISTINCT user_name_key FROM users ORDER BY user_name_key', [], { prepare: true })) as unknown as { user_name_key: string }[]
  return rows.map((row) => row.user_name_key)
}

/** The audit entry of the write that added each membership that exists (see AccessFeed.membershipSeqs). */
export async function membershipSeqs(sql: Sql, memberships: readonly MembershipKey[]): Promise<MembershipSeq[]> {
  if (memberships.length === 0) return []
  const rows = await sql.unsafe<{ group_id: string; user_id: string; seq: string | null }[]>(
    `SELECT w.group_id, w.user_id, m.added_seq AS seq FROM unnest($1::text[], $2::text[]) AS w(group_id, user_id)
       JOIN groups g ON g.id = w.group_id JOIN users u ON u.id = w.user_id JOIN memberships m ON m.group_rid = g.rid AND m.user_rid = u.rid`,
    [memberships.map((m) => m.groupId), memberships.map((m) => m.userId)] as never[],
    { prepare: true },
  )
  const seqOf = new Map(rows.map((row) => [`${row.group_id}\u0000${row.user_id}`, row.seq === null ? null : Number(row.seq)]))
  return memberships.flatMap(({ groupId, userId }) => {
    const seq = seqOf.get(`${groupId}\u0000${userId}`)
    return seq === undefined ? [] : [{ groupId, userId, seq }]
  })
}
