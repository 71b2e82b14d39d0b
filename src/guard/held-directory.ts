// A directory as holds leave it (pure): what the check API, explain and the explorer compute access on.
import type { Directory } from '../engine/types.js'
import type { Hold } from '../store/holds.js'

function keyOf(userId: string, groupId: string | undefined): string {
  return `${userId}\u0000${groupId ?? ''}`
}

/**
 * `directory` without the memberships that holds in force keep out, and with the user records they hold (a
 * reactivation, a rename) as deactivated: known, holding nothing. With `except`, as it would be were that one
 * hold released.
 */
export function withoutHolds<D extends Directory>(directory: D, holds: readonly Hold[], except?: Hold): Directory {
  const held = new Set(holds.filter((hold) => hold !== except && (hold.status === 'open' || hold.status === 'rejected')).map((hold) => keyOf(hold.userId, hold.groupId)))
  if (held.size === 0) return directory
  const users = directory.users.map((user) => (held.has(keyOf(user.id, undefined)) ? { ...user, active: false } : user))
  return { users, groups: directory.groups, memberships: directory.memberships.filter((membership) => !held.has(keyOf(membership.userId, membership.groupId))) }
}

/** What the IdP change a hold keeps out was, in words. */
export function heldChange(hold: Hold): string {
  switch (hold.trigger) {
    case 'membership':
    case 'mass-change':
      return hold.groupName === undefined ? `${hold.userName} changed at ${hold.connection}` : `${hold.userName} added to ${hold.connection} group ${hold.groupName}`
    case 'group-rename':
      return `${hold.connection} group renamed to ${hold.groupName ?? '?'} with ${hold.userName} in it`
    case 'reactivation':
      return `${hold.userName} reactivated at ${hold.connection}`
    case 'user-rename':
      return `${hold.connection} user renamed to ${hold.userName}`
    default: {
      const never: never = hold.trigger
      return never
    }
  }
}

/** The denial a check answer gives for held access. */
export function holdText(hold: Hold): string {
  const state = hold.status === 'rejected' ? 'rejected; remove the change at the IdP' : 'waiting for a reviewed apply'
  return `held by ${hold.id} since ${hold.createdAt} (${heldChange(hold)}${hold.trigger === 'mass-change' ? ', part of a mass change' : ''}): ${state}`
}

/** A hold as explain shows it beside a person's holdings. */
export type HeldSummary = { id: string; status: Hold['status']; since: string; change: string; risk: Hold['risk']; access: string[] }

/** The holds in force on the records of `userIds` (a person's), as explain lists them. */
export function heldOf(holds: readonly Hold[], userIds: ReadonlySet<string>): HeldSummary[] {
  return holds
    .filter((hold) => userIds.has(hold.userId) && (hold.status === 'open' || hold.status === 'rejected'))
    .map((hold) => ({ id: hold.id, status: hold.status, since: hold.createdAt, change: heldChange(hold), risk: hold.risk, access: hold.access.map((item) => item.key) }))
}
