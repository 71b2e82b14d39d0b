// What a plan reads of the directory: users, groups and memberships as the IdPs sent them, at one revision.
import type { MembershipTable } from '../engine/types.js'

/** A consistent read of the live SCIM state, for plans. `revision` increases with every write. */
export type LiveSnapshot = {
  revision: number
  users: { id: string; connection: string; userName: string; externalId?: string; active: boolean }[]
  groups: { id: string; connection: string; displayName: string; externalId?: string }[]
  /** Memberships as the IdPs sent them, including those of deactivated users: see `activeMemberships`. */
  memberships: { groupId: string; userId: string }[]
  /** The same memberships as a table, when the store reads them so (then `memberships` is built only when read). */
  readonly membershipTable?: MembershipTable
}
