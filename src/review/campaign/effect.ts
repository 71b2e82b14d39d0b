// When each revocation took effect: the first applied revision after the close whose access no longer gives the
// row, and, for access through an IdP group, whether and when the SCIM store showed the membership gone.
import { formatChain } from '../../engine/chain.js'
import { computeEffectiveAccess } from '../../engine/effective.js'
import type { BreakGlassGrant, Directory } from '../../engine/types.js'
import type { DesiredState } from '../../model/state.js'
import { rowId, type PopulationRow } from './population.js'
import type { ClosureRecord, Removal } from './record.js'

export type RevocationEffect = {
  id: string
  user: string
  key: string
  removal: Removal | undefined
  /** The applied revision that removed it, when one did. */
  appliedRevision: string | null
  appliedAt: string | null
  commit: string | null
  /** True when the latest applied access on the live directory no longer gives it. */
  isRemovedNow: boolean
  /** For IdP group access: when the SCIM store showed the membership gone (null: still a member). */
  idpMembershipGoneAt?: string | null
}

export type AppliedStep = { id: string; appliedAt: string; commit: string | null; state: DesiredState }

/** The ids of `rows`' people's rows that `state` gives them on `directory` at `now`. */
export function heldRowIds(state: DesiredState, directory: Directory, people: ReadonlySet<string>, now: Date, breakGlass: readonly BreakGlassGrant[]): Set<string> {
  const access = computeEffectiveAccess(state, directory, { now, breakGlass, onlyUsers: people })
  const ids = new Set<string>()
  for (const [person, held] of access.users) for (const holding of held.holdings) ids.add(rowId(person, holding.key, formatChain(holding.chain, holding)))
  return ids
}

export function revocationEffects(input: {
  closure: ClosureRecord
  rows: readonly PopulationRow[]
  /** Applied revisions made after the close, in order. */
  steps: readonly AppliedStep[]
  frozen: Directory
  live: Directory
  latest: DesiredState | undefined
  now: Date
  breakGlass: readonly BreakGlassGrant[]
  /** When the SCIM store last changed this IdP group (or the user) after the close; undefined when it did not. */
  membershipChangedAt: (connection: string, displayName: string, user: string) => string | undefined
}): RevocationEffect[] {
  const rows = new Map(input.rows.map((row) => [row.id, row]))
  const revoked = input.closure.items
    .filter((item) => item.outcome === 'revoked')
    .flatMap((item) => {
      const row = rows.get(item.id)
      return row === undefined ? [] : [{ item, row }]
    })
  if (revoked.length === 0) return []
  const people = new Set(revoked.map(({ row }) => row.person))
  const heldAt = input.steps.map((step) => heldRowIds(step.state, input.frozen, people, new Date(step.appliedAt), []))
  const heldNow = input.latest === undefined ? new Set<string>() : heldRowIds(input.latest, input.live, people, input.now, input.breakGlass)
  const liveGroups = new Map(input.live.groups.map((group) => [group.id, group]))
  const liveUsers = new Map(input.live.users.map((user) => [user.id, user]))
  return revoked.map(({ item, row }) => {
    const index = heldAt.findIndex((held) => !held.has(row.id))
    const step = index < 0 ? undefined : input.steps[index]
    const effect: RevocationEffect = {
      id: row.id,
      user: row.user,
      key: row.key,
      removal: item.removal,
      appliedRevision: step?.id ?? null,
      appliedAt: step?.appliedAt ?? null,
      commit: step?.commit ?? null,
      isRemovedNow: !heldNow.has(row.id),
    }
    if (row.via.kind !== 'idp-group') return effect
    const { connection, displayName } = row.via
    const isMember = input.live.memberships.some((membership) => {
      const group = liveGroups.get(membership.groupId)
      const user = liveUsers.get(membership.userId)
      return group?.connection === connection && group.displayName === displayName && user?.userName.toLowerCase() === row.user.toLowerCase()
    })
    return { ...effect, idpMembershipGoneAt: isMember ? null : (input.membershipChangedAt(connection, displayName, row.user) ?? null) }
  })
}
