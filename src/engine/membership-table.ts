// Memberships in a compact, canonical form: per group (by id), the indexes of its members (by id) in typed arrays.
// Millions of `{groupId, userId}` objects cost more to make, hash, index and collect than everything else a plan does.
import type { Directory, MembershipTable } from './types.js'

export type { MembershipTable } from './types.js'

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** True when `ids` are distinct and in code-unit order. */
export function isStrictlyOrdered(ids: readonly string[]): boolean {
  for (let i = 1; i < ids.length; i++) if (!((ids[i - 1] as string) < (ids[i] as string))) return false
  return true
}

/**
 * Builds a table of `groupIds` and `userIds` (distinct, in code-unit order) from each group's members: `memberLists[g]`
 * holds indexes into `userIds` in any order, or is undefined for a group without members.
 */
export function tableOfMemberLists(groupIds: readonly string[], userIds: readonly string[], memberLists: readonly (ArrayLike<number> | undefined)[]): MembershipTable {
  const offsets = new Uint32Array(groupIds.length + 1)
  let total = 0
  for (let g = 0; g < groupIds.length; g++) {
    offsets[g] = total
    total += memberLists[g]?.length ?? 0
  }
  offsets[groupIds.length] = total
  const members = new Uint32Array(total)
  for (let g = 0; g < groupIds.length; g++) {
    const list = memberLists[g]
    if (list === undefined || list.length === 0) continue
    const start = offsets[g] as number
    for (let i = 0; i < list.length; i++) members[start + i] = list[i] as number
    // A typed array sorts numerically: ascending indexes are ascending ids.
    if (list.length > 1) members.subarray(start, start + list.length).sort()
  }
  return { groupIds, userIds, offsets, members }
}

/** Lists built from a table by `directoryWithTable`, so that a directory copied from one keeps the table's speed. */
const tables = new WeakMap<Directory['memberships'], MembershipTable>()

/** The table of a list of memberships, in any order. */
export function tableOfMemberships(memberships: Directory['memberships']): MembershipTable {
  const known = tables.get(memberships)
  if (known !== undefined && known.members.length === memberships.length) return known
  const groupIds = [...new Set(memberships.map((entry) => entry.groupId))].sort(byCodeUnits)
  const userIds = [...new Set(memberships.map((entry) => entry.userId))].sort(byCodeUnits)
  const groupIndex = new Map(groupIds.map((id, i) => [id, i]))
  const userIndex = new Map(userIds.map((id, i) => [id, i]))
  const lists: number[][] = groupIds.map(() => [])
  for (const { groupId, userId } of memberships) lists[groupIndex.get(groupId) as number]?.push(userIndex.get(userId) as number)
  return tableOfMemberLists(groupIds, userIds, lists)
}

/** The directory's memberships as a table: the one it carries, else one built from its list. */
export function membershipTableOf(directory: Directory): MembershipTable {
  return directory.membershipTable ?? tableOfMemberships(directory.memberships)
}

/** The table's memberships as `{groupId, userId}` objects, by group id, then user id. */
export function membershipsOfTable(table: MembershipTable): { groupId: string; userId: string }[] {
  const out: { groupId: string; userId: string }[] = new Array(table.members.length)
  for (let g = 0; g < table.groupIds.length; g++) {
    const groupId = table.groupIds[g] as string
    for (let i = table.offsets[g] as number; i < (table.offsets[g + 1] as number); i++) out[i] = { groupId, userId: table.userIds[table.members[i] as number] as string }
  }
  return out
}

/**
 * A directory whose memberships are `table`: the list of objects is built only if something reads `memberships`.
 * `membershipTable` is not enumerable, so a copy made by spreading (which may then replace `memberships`) drops it.
 */
export function directoryWithTable<T extends object>(fields: T, table: MembershipTable): T & { memberships: { groupId: string; userId: string }[]; readonly membershipTable?: MembershipTable } {
  let list: { groupId: string; userId: string }[] | undefined
  Object.defineProperty(fields, 'memberships', {
    enumerable: true,
    configurable: true,
    get: () => {
      if (list === undefined) {
        list = membershipsOfTable(table)
        tables.set(list, table)
      }
      return list
    },
    // Memberships set by hand replace the table.
    set: (value: Directory['memberships']) => {
      Object.defineProperty(fields, 'memberships', { enumerable: true, configurable: true, writable: true, value })
      Object.defineProperty(fields, 'membershipTable', { enumerable: false, configurable: true, writable: true, value: undefined })
    },
  })
  Object.defineProperty(fields, 'membershipTable', { enumerable: false, configurable: true, writable: true, value: table })
  return fields as T & { memberships: { groupId: string; userId: string }[]; readonly membershipTable?: MembershipTable }
}
