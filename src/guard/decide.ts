// The IdP change guard's decision (pure): which of the access a SCIM write would give someone waits for review.
//
// The baseline is what the person holds now through everything that is not held (the last applied state and
// every released hold, moved only by the IdP changes that took effect): a candidate (a membership the write added,
// or a reactivated or renamed user record) is held when it would add guarded access beyond that baseline.
import { maxRisk, type Risk } from '../model/risk.js'
import type { Directory, Holding } from '../engine/types.js'
import type { UserAccessCompiler } from '../engine/user-access.js'
import { isGuarded, isMassCounted, type GuardPolicy, type MassChangeLimit } from './guard-policy.js'

type UserRecord = Directory['users'][number]
type GroupRecord = Directory['groups'][number]

/** Why a write's effect is a candidate for a hold. */
export type HoldTrigger = 'membership' | 'reactivation' | 'user-rename' | 'group-rename' | 'mass-change'

/** Something a write made effective: a membership, or a user record's own (name-based) access. */
export type Candidate = { user: UserRecord; group: GroupRecord | undefined; trigger: HoldTrigger }

export type HeldAccess = { key: string; risk: Risk }

/** A candidate's gains: those the policy holds, and those a mass-change limit counts. */
export type CandidateGains = { candidate: Candidate; guarded: HeldAccess[]; counted: HeldAccess[]; risk: Risk | undefined }

export type GuardInput = {
  compiler: UserAccessCompiler
  policy: GuardPolicy
  /** The person's directory as it takes effect without any candidate (held memberships and records left out). */
  baseline: Directory
  candidates: readonly Candidate[]
  now: Date
}

function holdingsOf(compiler: UserAccessCompiler, key: string, directory: Directory, now: Date): Holding[] {
  return compiler.partsOf(key, directory, { now }).parts.flat()
}

function withRecord(directory: Directory, user: UserRecord, group: GroupRecord | undefined): Directory {
  const users = directory.users.some((record) => record.id === user.id) ? directory.users.map((record) => (record.id === user.id ? { ...record, active: user.active } : record)) : [...directory.users, user]
  if (group === undefined) return { users, groups: directory.groups, memberships: directory.memberships }
  return { users, groups: directory.groups.some((known) => known.id === group.id) ? directory.groups : [...directory.groups, group], memberships: [...directory.memberships, { groupId: group.id, userId: user.id }] }
}

function gainsOver(before: readonly Holding[], after: readonly Holding[], keep: (holding: Holding) => boolean): HeldAccess[] {
  const had = new Set(before.map((holding) => holding.key))
  const gained = new Map<string, Risk>()
  for (const holding of after) {
    if (had.has(holding.key) || !keep(holding)) continue
    const known = gained.get(holding.key)
    gained.set(holding.key, known === undefined ? holding.risk : maxRisk(known, holding.risk))
  }
  return [...gained].map(([key, risk]) => ({ key, risk })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/**
 * What each candidate adds for one person. A user record's own access is judged on the baseline; a membership on
 * the baseline with its user record in it (so that what the record alone brings is not counted twice).
 */
export function decideGains(input: GuardInput): CandidateGains[] {
  const { compiler, policy, baseline, now } = input
  const results: CandidateGains[] = []
  for (const candidate of input.candidates) {
    const key = compiler.identities.personKey(candidate.user.userName, candidate.user.connection)
    // Judged as if active: a membership added while the user is deactivated would take effect on reactivation.
    const user = { ...candidate.user, active: true }
    const base = candidate.group === undefined ? baseline : withRecord(baseline, user, undefined)
    // A person without an active record is no one the check API answers for: their name's grants are a gain too.
    const isKnown = base.users.some((record) => record.active && compiler.identities.personKey(record.userName, record.connection) === key)
    const before = isKnown ? holdingsOf(compiler, key, base, now) : []
    const after = holdingsOf(compiler, key, withRecord(base, user, candidate.group), now)
    const guarded = gainsOver(before, after, (holding) => isGuarded(policy, holding))
    const counted = gainsOver(before, after, (holding) => isMassCounted(policy, holding))
    const risks = [...guarded, ...counted].map((gain) => gain.risk)
    results.push({ candidate, guarded, counted, risk: risks.length === 0 ? undefined : risks.reduce(maxRisk) })
  }
  return results
}

/** Whether gains counted in a window trip the mass-change limit: too many people, or too large a share of one group. */
export function isMassTripped(limit: MassChangeLimit | undefined, counts: { people: number; groupPeople?: number; groupSize?: number }): boolean {
  if (limit === undefined) return false
  if (limit.maxPeople !== undefined && counts.people > limit.maxPeople) return true
  if (limit.maxGroupShare !== undefined && counts.groupPeople !== undefined && counts.groupSize !== undefined && counts.groupSize > 0) {
    return counts.groupPeople / counts.groupSize > limit.maxGroupShare
  }
  return false
}
