// Reads from a Store what a plan is computed against: the live directory, the applied documents, break-glass grants.
import { directoryWithTable, membershipLookup, membershipTableOf } from '../engine/membership-table.js'
import type { BreakGlassGrant, Directory } from '../engine/types.js'
import type { StateDocument } from '../model/documents.js'
import type { PlanBaseInput } from '../plan/make-plan.js'
import type { BreakGlassRecord } from '../store/applied.js'
import type { LiveSnapshot, Store } from '../store/store.js'
import { withoutHolds } from '../guard/held-directory.js'
import { holdingStatuses, type Hold } from '../store/holds.js'

/** Break-glass grants that still count (not revoked); expiry is decided by the engine at `now`. */
export function activeBreakGlass(records: readonly BreakGlassRecord[]): BreakGlassGrant[] {
  return records
    .filter((record) => record.revokedAt === undefined)
    .map((record) => ({ id: record.id, user: record.user, actions: record.actions, resource: record.resource, ...(record.env === undefined ? {} : { env: record.env }), reason: record.reason, expires: record.expires }))
}

/** The snapshot's directory; memberships stay a table when the store read them as one. */
export function directoryOf(snapshot: LiveSnapshot): Directory {
  const { users, groups, membershipTable } = snapshot
  return membershipTable === undefined ? { users, groups, memberships: snapshot.memberships } : directoryWithTable({ users, groups }, membershipTable)
}

export async function readPlanBase(store: Store): Promise<PlanBaseInput> {
  const [snapshot, applied, breakGlass, holds] = await Promise.all([store.snapshot(), store.appliedState({ withDirectory: true }), store.listBreakGlass(), store.listHolds({ status: holdingStatuses })])
  // A rejected hold is never released: its access is no part of what any plan projects.
  const directory = withoutHolds(
    directoryOf(snapshot),
    holds.filter((hold) => hold.status === 'rejected'),
  )
  return {
    storeRevision: snapshot.revision,
    directory,
    applied: { revision: applied?.revision.id ?? null, documents: (applied?.documents ?? []) as StateDocument[] },
    breakGlass: activeBreakGlass(breakGlass),
    holds: holds.filter((hold) => hold.status === 'open'),
    ...(applied?.directory === undefined ? {} : { reviewedDirectory: reviewedDirectory(applied.directory, snapshot, holds) }),
  }
}

/** An empty base: no store yet (plan before anything was provisioned or applied). */
export function emptyPlanBase(): PlanBaseInput {
  return { storeRevision: 0, directory: { users: [], groups: [], memberships: [] }, applied: { revision: null, documents: [] }, breakGlass: [] }
}

/**
 * The directory as reviewed: the memberships and active users of the last apply that are still live, without
 * what holds in force keep out (a released hold was applied, so it is in the applied directory).
 */
export function reviewedDirectory(applied: Directory, live: LiveSnapshot, holds: readonly Hold[]): Directory {
  const liveUsers = new Map(live.users.map((user) => [user.id, user]))
  const users = applied.users.filter((user) => user.active && liveUsers.get(user.id)?.active === true)
  const active = new Set(users.map((user) => user.id))
  // Asked of the live table: its list would be millions of objects, and their keys as many strings.
  const isLive = membershipLookup(membershipTableOf(live))
  const liveGroups = new Map(live.groups.map((group) => [group.id, group]))
  const reviewed: Directory = {
    users,
    groups: applied.groups.filter((group) => liveGroups.get(group.id)?.displayName === group.displayName),
    memberships: applied.memberships.filter((membership) => active.has(membership.userId) && isLive(membership.groupId, membership.userId)),
  }
  return withoutHolds(reviewed, holds)
}
