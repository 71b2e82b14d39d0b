// Where an answer's truth comes from: the applied revision and its review, the IdP memberships behind its chains and
// the SCIM writes that made them, and the store revision it was computed at. Pure: the store's facts are passed in.
import { compareStrings } from '../util/compare.js'
import type { Chain, Directory } from './types.js'

/** A pull request of an access repository. */
export type PullRequestProvenance = { repository: string; number: number }

/** The applied revision an answer comes from: its commit, and its review as claimed and (when the server checked it) as verified. */
export type AppliedProvenance = {
  revision: string
  appliedAt: string
  commit: string | null
  author: string | null
  /** Approvers the applier named (a claim, unless `verifiedApprovers` says who counted). */
  approvedBy: string[]
  pullRequest: PullRequestProvenance | null
  /** The approvals of the pull request the server verified against its reviews; null when nobody verified them. */
  verifiedApprovers: string[] | null
}

/** An IdP membership behind a chain, and the SCIM write that added it (null fields: not recorded). */
export type MembershipProvenance = {
  connection: string
  group: string
  user: string
  /** The audit sequence number of that write. */
  auditSeq: number | null
  at: string | null
  actor: string | null
}

export type Provenance = {
  /** The store revision the answer was computed at: every write up to it is reflected. */
  storeRevision: number
  applied: AppliedProvenance | null
  memberships: MembershipProvenance[]
}

/** An IdP membership, by record ids, with the names an answer shows. */
export type MembershipRef = { groupId: string; userId: string; connection: string; group: string; user: string }

/** What the store recorded of one write: its audit entry's time and actor. */
export type WriteRecord = { seq: number; at: string; actor: string }

/** A person (by key) and the chains of an answer about them. */
export type ChainsOf = { key: string; chains: Iterable<Chain> }

/**
 * The IdP memberships behind the chains (their `idp-group` steps) of each person, found in `directory` (`keyOf`
 * names the person of a user record), in one pass over its memberships; each once, sorted by connection, group, user.
 */
export function membershipsBehind(people: Iterable<ChainsOf>, directory: Pick<Directory, 'users' | 'groups' | 'memberships'>, keyOf: (user: Directory['users'][number]) => string): MembershipRef[] {
  const wanted = new Set<string>()
  const wantedGroups = new Set<string>()
  for (const { key, chains } of people) {
    for (const chain of chains) {
      for (const step of chain) {
        if (step.kind !== 'idp-group') continue
        wanted.add(`${key}\u0000${step.connection}\u0000${step.displayName}`)
        wantedGroups.add(`${step.connection}\u0000${step.displayName}`)
      }
    }
  }
  if (wanted.size === 0) return []
  const groups = new Map(directory.groups.filter((group) => wantedGroups.has(`${group.connection}\u0000${group.displayName}`)).map((group) => [group.id, group]))
  const users = new Map(directory.users.map((user) => [user.id, user]))
  const found = new Map<string, MembershipRef>()
  for (const { groupId, userId } of directory.memberships) {
    const group = groups.get(groupId)
    if (group === undefined) continue
    const user = users.get(userId)
    if (user === undefined || group.connection !== user.connection || !wanted.has(`${keyOf(user)}\u0000${group.connection}\u0000${group.displayName}`)) continue
    found.set(`${groupId}\u0000${userId}`, { groupId, userId, connection: group.connection, group: group.displayName, user: user.userName })
  }
  return [...found.values()].sort((a, b) => compareStrings(a.connection, b.connection) || compareStrings(a.group, b.group) || compareStrings(a.user, b.user))
}

/** The memberships with the writes that added them: `seqOf` gives a membership's audit sequence, `writes` those entries. */
export function membershipProvenance(memberships: readonly MembershipRef[], seqOf: (membership: MembershipRef) => number | null | undefined, writes: readonly WriteRecord[]): MembershipProvenance[] {
  const bySeq = new Map(writes.map((write) => [write.seq, write]))
  return memberships.map((membership) => {
    const seq = seqOf(membership) ?? null
    const write = seq === null ? undefined : bySeq.get(seq)
    return { connection: membership.connection, group: membership.group, user: membership.user, auditSeq: seq, at: write?.at ?? null, actor: write?.actor ?? null }
  })
}

/** Provenance as lines of text, for `explain` and `who-can`. */
export function formatProvenance(provenance: Provenance): string[] {
  const lines: string[] = []
  const { applied } = provenance
  if (applied === null) lines.push('nothing applied')
  else {
    const review =
      applied.verifiedApprovers !== null
        ? `approvals verified by the server: ${applied.verifiedApprovers.join(', ') || 'none needed'}`
        : applied.approvedBy.length > 0
          ? `approvals claimed: ${applied.approvedBy.join(', ')}`
          : 'no approvals recorded'
    const pull = applied.pullRequest === null ? '' : `, pull request ${applied.pullRequest.repository}#${applied.pullRequest.number}`
    lines.push(`applied revision ${applied.revision} at ${applied.appliedAt}, commit ${applied.commit ?? 'not recorded'}${pull}; ${review}`)
  }
  for (const membership of provenance.memberships) {
    const write =
      membership.auditSeq === null
        ? 'added before rolecall recorded its SCIM write'
        : `added by SCIM write #${membership.auditSeq}${membership.at === null ? '' : ` at ${membership.at}`}${membership.actor === null ? '' : ` (${membership.actor})`}`
    lines.push(`${membership.connection} group "${membership.group}" member ${membership.user}: ${write}`)
  }
  lines.push(`computed at store revision ${provenance.storeRevision}`)
  return lines
}
