// Holds: access that an IdP-originated change would give, kept from taking effect until a reviewed apply releases
// it (or someone rejects it). The SCIM write itself is stored as the IdP sent it; the hold rows are written in the
// same transaction, by whichever backend and replica took the write.
import { decideGains, isMassTripped, type Candidate, type CandidateGains, type HeldAccess, type HoldTrigger } from '../guard/decide.js'
import { guardPolicyOf, type GuardPolicy } from '../guard/guard-policy.js'
import type { Directory } from '../engine/types.js'
import { UserAccessCompiler } from '../engine/user-access.js'
import { stateFromDocuments } from '../model/documents.js'
import { maxRisk, type Risk } from '../model/risk.js'
import type { AppliedDocument } from './applied.js'
import type { JsonObject } from './json.js'

export type { HoldTrigger, HeldAccess }

/**
 * `open`: the access is denied until released. `released`: a reviewed apply let it take effect. `rejected`: denied
 * for as long as the IdP keeps the change, which should be undone there. `moot`: the IdP removed what it held (a
 * member removed, a user or group deleted) before anyone decided: nothing is left to hold.
 */
export type HoldStatus = 'open' | 'released' | 'rejected' | 'moot'

export type Hold = {
  /** `h<number>`. */
  id: string
  connection: string
  userId: string
  userName: string
  /** The IdP group whose membership is held; absent when the user record's own access is (reactivation, rename). */
  groupId?: string
  groupName?: string
  trigger: HoldTrigger
  /** What it holds, as effective access names it (`permission sso:manage`), with each item's risk. */
  access: HeldAccess[]
  risk: Risk
  /** The audit entry of the SCIM write that was held. */
  auditSeq: number
  createdAt: string
  status: HoldStatus
  closedAt?: string
  closedBy?: string
  /** The applied revision that released it, or why it was rejected or became moot. */
  closedReason?: string
}

/** Holds as the store keeps them: made by SCIM writes, released by applies (ApplyRecord.releaseHolds), rejected here. */
export interface HoldLedger {
  /** Every hold, or those of these statuses, by id number. */
  listHolds(options?: { status?: readonly HoldStatus[] }): Promise<Hold[]>
  /** The holds in force (open or rejected) on these user records: what the check API leaves out. */
  holdsOfRecords(userIds: readonly string[]): Promise<Hold[]>
  /** Rejects an open hold: its access stays denied. Undefined when no such open hold exists. Audited. */
  rejectHold(id: string, actor: string, reason?: string): Promise<Hold | undefined>
}

/** Holds in force deny access: the statuses that do. */
export const holdingStatuses: readonly HoldStatus[] = ['open', 'rejected']

/** What a backend needs to decide holds: the applied state compiled and its guard policy, for one applied revision. */
export type GuardContext = { revision: string; compiler: UserAccessCompiler; policy: GuardPolicy }

/** Keeps the guard context of the latest applied revision, compiled once per revision. */
export class GuardContexts {
  private current: GuardContext | undefined

  /** The context of applied revision `revision` (null: nothing applied, nothing to guard). */
  of(revision: string | null, documents: () => readonly AppliedDocument[] | undefined, now: Date): GuardContext | undefined {
    if (revision === null) return undefined
    if (this.current?.revision === revision) return this.current
    const docs = documents()
    return docs === undefined ? undefined : this.compile(revision, docs, now)
  }

  /** The context kept for `revision`, if it is the one kept. */
  cached(revision: string): GuardContext | undefined {
    return this.current?.revision === revision ? this.current : undefined
  }

  compile(revision: string, documents: readonly AppliedDocument[], now: Date): GuardContext | undefined {
    const state = stateFromDocuments(documents, now)
    if (state.catalog === undefined) return undefined
    this.current = { revision, compiler: new UserAccessCompiler(state), policy: guardPolicyOf(state) }
    return this.current
  }
}

/** The key of what a hold targets: a membership, or a user record's own access (`groupId` empty). */
export function targetKey(userId: string, groupId: string | undefined): string {
  return `${userId}\u0000${groupId ?? ''}`
}

/** A person's directory without what holds in force keep out, and without the write's candidates (the baseline). */
export function baselineOf(directory: Directory, held: ReadonlySet<string>, candidates: readonly Candidate[]): Directory {
  const left = new Set([...held, ...candidates.map((candidate) => targetKey(candidate.user.id, candidate.group?.id))])
  const users = directory.users.filter((user) => !left.has(targetKey(user.id, undefined)))
  const kept = new Set(users.map((user) => user.id))
  return { users, groups: directory.groups, memberships: directory.memberships.filter((membership) => kept.has(membership.userId) && !left.has(targetKey(membership.userId, membership.groupId))) }
}

/** Decides the candidates of one person: those whose gains the policy holds, and those a mass-change limit counts. */
export function decidePerson(context: GuardContext, directory: Directory, held: ReadonlySet<string>, candidates: readonly Candidate[], now: Date): CandidateGains[] {
  const fresh = candidates.filter((candidate) => !held.has(targetKey(candidate.user.id, candidate.group?.id)))
  if (fresh.length === 0) return []
  return decideGains({ compiler: context.compiler, policy: context.policy, baseline: baselineOf(directory, held, fresh), candidates: fresh, now }).filter((gains) => gains.risk !== undefined)
}

export { isMassTripped }

/** The hold a decided candidate makes (without id and status), or undefined when it gains nothing held. */
export function newHold(gains: CandidateGains, isMass: boolean, auditSeq: number, at: string): Omit<Hold, 'id' | 'status'> | undefined {
  const access = isMass ? mergeAccess(gains.guarded, gains.counted) : gains.guarded
  if (access.length === 0) return undefined
  const { user, group } = gains.candidate
  return {
    connection: user.connection,
    userId: user.id,
    userName: user.userName,
    ...(group === undefined ? {} : { groupId: group.id, groupName: group.displayName }),
    trigger: isMass && gains.guarded.length === 0 ? 'mass-change' : gains.candidate.trigger,
    access,
    risk: access.map((item) => item.risk).reduce(maxRisk),
    auditSeq,
    createdAt: at,
  }
}

function mergeAccess(a: readonly HeldAccess[], b: readonly HeldAccess[]): HeldAccess[] {
  const merged = new Map<string, Risk>()
  for (const item of [...a, ...b]) merged.set(item.key, item.risk)
  return [...merged].map(([key, risk]) => ({ key, risk })).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
}

/** The audit detail of a hold decision. */
export function holdDetail(hold: Omit<Hold, 'status'>): JsonObject {
  return {
    hold: hold.id,
    user: hold.userName,
    ...(hold.groupName === undefined ? {} : { group: hold.groupName }),
    trigger: hold.trigger,
    risk: hold.risk,
    access: hold.access.map((item) => item.key),
    write: hold.auditSeq,
  }
}

/** Holds as rows of text columns, the same in every backend. */
export type HoldRow = {
  seq: number
  connection: string
  user_id: string
  user_name: string
  group_id: string | null
  group_name: string | null
  trigger: string
  access: string
  risk: string
  audit_seq: number
  created_at: string
  status: string
  closed_at: string | null
  closed_by: string | null
  closed_reason: string | null
}

export const holdColumns = 'seq, connection, user_id, user_name, group_id, group_name, trigger, access, risk, audit_seq, created_at, status, closed_at, closed_by, closed_reason'

export function toHold(row: HoldRow): Hold {
  return {
    id: `h${row.seq}`,
    connection: row.connection,
    userId: row.user_id,
    userName: row.user_name,
    ...(row.group_id === null ? {} : { groupId: row.group_id }),
    ...(row.group_name === null ? {} : { groupName: row.group_name }),
    trigger: row.trigger as HoldTrigger,
    access: JSON.parse(row.access) as HeldAccess[],
    risk: row.risk as Risk,
    auditSeq: Number(row.audit_seq),
    createdAt: row.created_at,
    status: row.status as HoldStatus,
    ...(row.closed_at === null ? {} : { closedAt: row.closed_at }),
    ...(row.closed_by === null ? {} : { closedBy: row.closed_by }),
    ...(row.closed_reason === null ? {} : { closedReason: row.closed_reason }),
  }
}

/** The number of a hold id (`h12` → 12), or undefined for anything else. */
export function holdNumber(id: string): number | undefined {
  const match = /^h([1-9][0-9]{0,14})$/.exec(id)
  return match === null ? undefined : Number(match[1])
}
