// The digest of the part of the directory a plan can read, so that apply can tell, without planning again, that SCIM
// writes since it planned touched nothing its plan depends on.
import { createHash } from 'node:crypto'
import { userKey } from '../engine/effective.js'
import { idpGroupKeys, sourceKey } from '../engine/idp-mapping.js'
import { membershipTableOf } from '../engine/membership-table.js'
import type { BreakGlassGrant, Directory } from '../engine/types.js'
import type { DesiredState } from '../model/state.js'
import { directoryDigest } from './directory-digest.js'

/**
 * What a plan of `states` (the desired and the applied one) reads of the directory: the IdP groups their Groups map
 * (by displayName or externalId) and those groups' memberships; every record of each person who is a member of one,
 * or whom a Group lists, a Grant is for or a break-glass grant names (their activity and the userName shown come
 * from all their records); and whether the store has any user at all (the unknown-user finding reads that). Other
 * users, groups and memberships cannot move a plan's changes, delta, findings, approvals or dependencies.
 */
export function dependencyDirectory(states: readonly DesiredState[], directory: Directory, breakGlass: readonly BreakGlassGrant[]): Directory {
  const sources = new Set<string>()
  const named = new Set<string>()
  for (const state of states) {
    for (const { doc } of state.groups.values()) {
      if (doc.source.scim !== undefined) sources.add(sourceKey(doc.source.scim))
      for (const user of doc.source.members?.users ?? []) named.add(userKey(user))
    }
    for (const { doc } of state.grants.values()) named.add(userKey(doc.user))
  }
  for (const grant of breakGlass) named.add(userKey(grant.user))
  const groups = directory.groups.filter((group) => idpGroupKeys(group).some((key) => sources.has(key)))
  const groupIds = new Set(groups.map((group) => group.id))
  const table = membershipTableOf(directory)
  const memberIds = new Set<string>()
  const memberships: { groupId: string; userId: string }[] = []
  for (let g = 0; g < table.groupIds.length; g++) {
    const groupId = table.groupIds[g] as string
    if (!groupIds.has(groupId)) continue
    for (let i = table.offsets[g] as number; i < (table.offsets[g + 1] as number); i++) {
      const userId = table.userIds[table.members[i] as number] as string
      memberIds.add(userId)
      memberships.push({ groupId, userId })
    }
  }
  const keys = new Set(named)
  for (const user of directory.users) if (memberIds.has(user.id)) keys.add(userKey(user.userName))
  const users = directory.users.filter((user) => keys.has(userKey(user.userName)))
  return { users, groups, memberships }
}

/** sha256 of dependencyDirectory, whether the store has users, and the break-glass grants: equal digests, equal plans. */
export function dependencyDigest(states: readonly DesiredState[], directory: Directory, breakGlass: readonly BreakGlassGrant[]): string {
  const hash = createHash('sha256')
  hash.update(directoryDigest(dependencyDirectory(states, directory, breakGlass)))
  hash.update(directory.users.length === 0 ? '\u0000empty' : '\u0000users')
  hash.update(JSON.stringify(breakGlass))
  return `sha256:${hash.digest('hex')}`
}
