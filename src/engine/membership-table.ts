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

/** The table of a list of memberships, in any order (fastest when it is grouped by group, as canonical lists are). */
export function tableOfMemberships(memberships: Directory['memberships']): MembershipTable {
  const known = tables.get(memberships)
  if (known !== undefined && known.members.length === memberships.length) return known
  // One pass: each group's members by first-seen user number; consecutive entries of one group skip the group look-up.
  const groupNumber = new Map<string, number>()
  const userNumber = new Map<string, number>()
  const seenGroups: string[] = []
  const seenUsers: string[] = []
  const lists: number[][] = []
  let lastGroup: string | undefined
  let list: number[] = []
  for (const { groupId, userId } of memberships) {
    if (groupId !== lastGroup) {
      let g = groupNumber.get(groupId)
      if (g === undefined) {
        g = seenGroups.push(groupId) - 1
        groupNumber.set(groupId, g)
        lists.push([])
      }
      list = lists[g] as number[]
      lastGroup = groupId
    }
    let u = userNumber.get(userId)
    if (u === undefined) {
      u = seenUsers.push(userId) - 1
      userNumber.set(userId, u)
    }
    list.push(u)
  }
  // Renumber in code-unit order of the ids.
  const groupOrder = seenGroups.map((_, i) => i).sort((a, b) => byCodeUnits(seenGroups[a] as string, seenGroups[b] as string))
  const userOrder = seenUsers.map((_, i) => i).sort((a, b) => byCodeUnits(seenUsers[a] as string, seenUsers[b] as string))
  const userRank = new Uint32Array(seenUsers.length)
  userOrder.forEach((u, rank) => (userRank[u] = rank))
  const memberLists = groupOrder.map((g) => Uint32Array.from(lists[g] as number[], (u) => userRank[u] as number))
  return tableOfMemberLists(
    groupOrder.map((g) => seenGroups[g] as string),
    userOrder.map((u) => seenUsers[u] as string),
    memberLists,
  )
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
 * Whether the table holds a membership of `userId` in `groupId`, asked without building the table's list: the ids are
 * indexed once (on the first question), and each group's members, ascending, are searched by halves.
 */
export function membershipLookup(table: MembershipTable): (groupId: string, userId: string) => boolean {
  let groups: Map<string, number> | undefined
  let users: Map<string, number> | undefined
  return (groupId, userId) => {
    groups ??= new Map(table.groupIds.map((id, i) => [id, i]))
    users ??= new Map(table.userIds.map((id, i) => [id, i]))
    const g = groups.get(groupId)
    const u = users.get(userId)
    if (g === undefined || u === undefined) return false
    let low = table.offsets[g] as number
    let high = table.offsets[g + 1] as number
    while (low < high) {
      const middle = (low + high) >>> 1
      const member = table.members[middle] as number
      if (member === u) return true
      if (member < u) low = middle + 1
      else high = middle
    }
    return false
  }
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
