// Rows of users and groups as the statements read them, and what the store returns of them.
import { toResource, type StoredRow } from '../resource-row.js'
import type { MemberRef, StoredGroup, StoredUser } from '../store.js'

/** A user or group row; `refs` is the JSON text of its groups or members when the statement read them. */
export type ResourceRow = StoredRow & { rid: string; refs?: string | null }

export const resourceColumns = 'r.rid, r.id, r.connection, r.doc, r.created, r.last_modified, r.version'

/** A user's groups as one JSON text column, in the order SCIM lists them (by display name). */
export const groupsColumn = `(SELECT coalesce(json_agg(json_build_array(g.id, g.display_name) ORDER BY g.display_name_key, g.rid), '[]')::text
  FROM memberships m JOIN groups g ON g.rid = m.group_rid WHERE m.user_rid = r.rid) AS refs`

/** A group's members as one JSON text column, in the order they were first stored. */
export const membersColumn = `(SELECT coalesce(json_agg(json_build_array(u.id, coalesce(u.display_name, u.user_name)) ORDER BY u.rid), '[]')::text
  FROM memberships m JOIN users u ON u.rid = m.user_rid WHERE m.group_rid = r.rid) AS refs`

function refsOf(text: string | null | undefined): MemberRef[] {
  return (JSON.parse(text ?? '[]') as [string, string][]).map(([value, display]) => ({ value, display }))
}

export function toUser(row: ResourceRow, withGroups: boolean): StoredUser {
  return withGroups ? { ...toResource(row), groups: refsOf(row.refs) } : toResource(row)
}

export function toGroup(row: ResourceRow, withMembers: boolean): StoredGroup {
  return withMembers ? { ...toResource(row), members: refsOf(row.refs) } : toResource(row)
}
