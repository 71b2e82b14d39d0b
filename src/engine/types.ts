// Effective access: what each user holds, and the chain of declarations that gives it to them.
import type { ResourcePattern } from '../model/resource.js'
import type { Risk } from '../model/risk.js'

/** One link of a provenance chain, from the IdP group (or user) to the permission or grant. */
export type Step =
  | { kind: 'idp-group'; connection: string; displayName: string }
  | { kind: 'local-member'; user: string; connection?: string }
  | { kind: 'group'; name: string }
  | { kind: 'role'; name: string }
  | { kind: 'service-role'; service: string; role: string }
  | { kind: 'service-team'; service: string; role: string }
  | { kind: 'grant'; name: string }
  | { kind: 'break-glass'; id: string; reason: string }

export type Chain = readonly Step[]

/** A grant rule as it reaches a user: actions on a pattern, limited to environments and tags. */
export type GrantRuleHeld = {
  actions: readonly string[]
  resource: ResourcePattern
  env?: readonly string[]
  tags?: readonly string[]
}

/** One way a user holds an org permission or a grant. */
export type Holding = {
  /** Stable identity of what is held: `permission sso:manage` or `grant run journey:*\/diagnostic-*` (+ env, tags). */
  key: string
  risk: Risk
  chain: Chain
  /** Sign-in methods allowed along the chain (intersection); absent means any. */
  authMethods?: readonly string[]
  /** When it stops (individual and break-glass grants). */
  expires?: string
} & ({ type: 'permission'; permission: string } | { type: 'grant'; grant: GrantRuleHeld })

/** Everything one active user holds. */
export type UserAccess = {
  user: string
  holdings: readonly Holding[]
}

/** A user and group directory as SCIM filled it (a LiveSnapshot, or a hypothetical one). */
export type Directory = {
  users: readonly { id: string; connection: string; userName: string; externalId?: string; active: boolean }[]
  groups: readonly { id: string; connection: string; displayName: string; externalId?: string }[]
  memberships: readonly { groupId: string; userId: string }[]
  /** The same memberships as a table, when the source has one (the SQLite store's snapshot); see MembershipTable. */
  readonly membershipTable?: MembershipTable
}

/** A grant made outside git (break glass): always reported as drift, effective until it expires. */
export type BreakGlassGrant = {
  id: string
  user: string
  actions: readonly string[]
  resource: string
  env?: readonly string[]
  reason: string
  expires: string
}

/**
 * Memberships as membership-table.ts builds and reads them. Group `g`'s members are `userIds[members[i]]` for `offsets[g] <= i < offsets[g + 1]`, ascending, so that the
 * table lists memberships by group id, then user id (code-unit order, as `<` compares strings).
 */
export type MembershipTable = {
  /** Ids of groups, distinct, in code-unit order. Groups without members may be listed. */
  readonly groupIds: readonly string[]
  /** Ids of users, distinct, in code-unit order. Users in no group may be listed. */
  readonly userIds: readonly string[]
  /** `groupIds.length + 1` offsets into `members`. */
  readonly offsets: Uint32Array
  /** Indexes into `userIds`; ascending within each group (duplicates kept). */
  readonly members: Uint32Array
  /**
   * The directory's user and group rows in the order of `userIds` and `groupIds`, when those list exactly the
   * directory's users and groups (the SQLite snapshot's table): the directory in id order without a sort.
   */
  readonly rowsById?: { readonly users: Directory['users']; readonly groups: Directory['groups'] }
}
