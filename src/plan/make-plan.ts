// Compose a Plan (pure): desired vs applied, the access delta on live memberships, risks, policy and approvals.
import { computeEffectiveAccess, type EffectiveAccess } from '../engine/effective.js'
import { directoryWithTable, membershipTableOf } from '../engine/membership-table.js'
import { projectAccess, type AccessProjection } from '../engine/project-access.js'
import type { BreakGlassGrant, Directory, Holding } from '../engine/types.js'
import { stateDocuments, stateFromDocuments, type StateDocument } from '../model/documents.js'
import { isAtLeast, maxRisk, riskLevels, riskRank, type Risk } from '../model/risk.js'
import type { DesiredState } from '../model/state.js'
import { parseTimestamp } from '../model/time.js'
import type { ApprovalRequirement, HeldChange, ObjectChange, Plan } from '../schema/generated/plan.js'
import { compareStrings } from '../util/compare.js'
import { digestOf } from '../util/digest.js'
import { deltaChains, diffAccess, type AccessDelta } from './diff-access.js'
import { directoryDigest, directoryDigestOffThread, rowsInIdOrder } from './directory-digest.js'
import { diffDocuments, type DocumentChange } from './diff-objects.js'
import { evaluatePolicy, requiredApprovals, sortApprovals, sortFindings } from './policy.js'
import { unknownNamedUsers, unknownUserFindings } from './unknown-users.js'
import { planDependencies } from './dependencies.js'
import { defaultHoldExpiryDays, guardPolicyOf, type GuardPolicy } from '../guard/guard-policy.js'
import { heldChange } from '../guard/held-directory.js'
import { holdNumber, type Hold } from '../store/holds.js'

/** What the store holds: the live directory, its revision, the last applied documents and break-glass grants. */
export type PlanBaseInput = {
  storeRevision: number
  directory: Directory
  applied: { revision: string | null; documents: readonly StateDocument[] }
  breakGlass?: readonly BreakGlassGrant[]
  /** directoryDigest of `directory`, when already known. */
  directoryDigest?: string
  /**
   * Open holds: held IdP changes that the apply of this plan releases. `directory` holds what they keep out (it is
   * what applying projects on), and nothing that other holds keep out.
   */
  holds?: readonly Hold[]
  /**
   * The directory as reviewed (the last applied one, still live, without what holds in force keep out): where
   * approver groups' members come from, so that nobody becomes an approver through an unreviewed IdP change.
   */
  reviewedDirectory?: Directory
}

/** Grants expiring within this many days are listed by plan. */
export const expiringWithinDays = 14

const emptyAccess = (): EffectiveAccess => ({ users: new Map(), inactive: new Set() })

/** Effective access of a state that may be empty (before the first apply). */
export function accessOf(state: DesiredState, directory: Directory, now: Date, breakGlass: readonly BreakGlassGrant[] = []): EffectiveAccess {
  return state.catalog === undefined ? emptyAccess() : computeEffectiveAccess(state, directory, { now, breakGlass })
}

export { directoryDigest } from './directory-digest.js'

/**
 * The directory in one order (by id), so that the plan does not depend on the order the store listed it in:
 * the engine names a person after one of their records, and which one depends on that order. Memberships are
 * a table (by group id, then user id); the list of objects is built only if something reads it.
 */
export function canonicalDirectory(directory: Directory): Directory {
  const table = membershipTableOf(directory)
  return directoryWithTable(rowsInIdOrder(directory, table), table)
}

export function desiredDigest(documents: readonly StateDocument[]): string {
  return digestOf(documents.map((entry) => entry.doc))
}

/** The names a holding's chain touches, as `Kind\u0000name` of the documents whose change would move it. */
function touchedDocuments(holding: Holding): string[] {
  const out: string[] = []
  for (const step of holding.chain) {
    switch (step.kind) {
      case 'group':
        out.push(`Group\u0000${step.name}`)
        break
      case 'role':
        out.push(`Role\u0000${step.name}`)
        break
      case 'service-role':
      case 'service-team':
        out.push(`Service\u0000${step.service}`)
        break
      case 'grant':
        out.push(`Grant\u0000${step.name}`)
        break
      default:
        break
    }
  }
  return out
}

/** The highest risk of the deltas whose holdings touch each document (`Kind\u0000name`). */
function movedRisks(deltas: readonly AccessDelta[]): Map<string, Risk> {
  const risks = new Map<string, Risk>()
  // Per chain, the documents it touches and the highest risk already counted for them: a delta no riskier
  // than that through the same chain changes nothing.
  const seen = new Map<Holding['chain'], { touched: string[]; rank: number }>()
  for (const delta of deltas) {
    const rank = riskRank(delta.risk)
    for (const holding of delta.holdings) {
      let known = seen.get(holding.chain)
      if (known === undefined) {
        known = { touched: touchedDocuments(holding), rank: Number.NEGATIVE_INFINITY }
        seen.set(holding.chain, known)
      }
      if (rank <= known.rank) continue
      known.rank = rank
      for (const document of known.touched) {
        const known = risks.get(document)
        risks.set(document, known === undefined ? delta.risk : maxRisk(known, delta.risk))
      }
    }
  }
  return risks
}

/** Risk of a document change: of the access it moves; else of what it declares; policy and vocabulary changes are high. */
function changeRisk(change: DocumentChange, moved: ReadonlyMap<string, Risk>, before: AccessProjection | undefined, after: AccessProjection): Risk {
  if (change.kind === 'Policy' || change.kind === 'Catalog' || change.kind === 'Organization') return 'high'
  if (change.kind === 'AccessTest') return 'low'
  const movedRisk = moved.get(`${change.kind}\u0000${change.name}`)
  if (movedRisk !== undefined) return movedRisk
  const declared = [change.action !== 'delete' ? after.declaredRisk(change.kind, change.name) : undefined, change.action !== 'create' ? before?.declaredRisk(change.kind, change.name) : undefined]
  return declared.filter((risk): risk is Risk => risk !== undefined).reduce(maxRisk, 'low')
}

function expiringGrants(state: DesiredState, now: Date): Plan['expiring'] {
  const horizon = now.getTime() + expiringWithinDays * 86_400_000
  return [...state.grants.values()]
    .map((entry) => entry.doc)
    .filter((grant) => {
      const at = grant.expires === undefined ? undefined : parseTimestamp(grant.expires)
      return at !== undefined && at.getTime() > now.getTime() && at.getTime() <= horizon
    })
    .map((grant) => ({ name: grant.name, user: grant.user, expires: grant.expires ?? '' }))
    .sort((a, b) => compareStrings(a.expires, b.expires) || compareStrings(a.name, b.name))
}

/** Groups that the policies of these states name as approvers. */
function approverGroups(...states: DesiredState[]): Set<string> {
  const names = new Set<string>()
  for (const state of states) for (const { doc } of state.policies.values()) for (const rule of doc.approvals ?? []) for (const approver of rule.approvers) if (approver.group !== undefined) names.add(approver.group)
  return names
}

/**
 * The approvals a plan needs. A change cannot lower the bar it is judged by: once something is applied, the
 * applied policies' rules hold as well as the proposed ones (a pull request that loosens a rule, or the policy
 * itself, still needs what the rule asked before), and approver groups count the members they have as applied
 * (a pull request that adds its author to an approver group does not make them an approver of itself).
 */
function approvalsOf(
  desired: DesiredState,
  applied: DesiredState | undefined,
  risks: readonly Risk[],
  membersOf: (state: DesiredState, only: ReadonlySet<string>) => Map<string, string[]>,
): { requirements: ApprovalRequirement[]; members: Map<string, string[]> } {
  if (applied === undefined) {
    const members = membersOf(desired, approverGroups(desired))
    return { requirements: requiredApprovals(desired, risks, members), members }
  }
  const members = membersOf(applied, approverGroups(applied, desired))
  const requirements = new Map<string, ApprovalRequirement>()
  for (const requirement of [...requiredApprovals(applied, risks, members), ...requiredApprovals(desired, risks, members)]) requirements.set(JSON.stringify(requirement), requirement)
  return { requirements: sortApprovals([...requirements.values()]), members }
}

/** The org permissions someone gains or loses. */
function movedPermissions(deltas: readonly AccessDelta[]): Set<string> {
  const moved = new Set<string>()
  for (const delta of deltas) for (const holding of delta.holdings) if (holding.type === 'permission') moved.add(holding.permission)
  return moved
}

/** Compute the plan. Pure: `now` and the store's contents are passed in. The desired state must be valid. */
export function makePlan(desired: DesiredState, base: PlanBaseInput, now: Date): Plan {
  const desiredDocs = stateDocuments(desired)
  const directory = canonicalDirectory(base.directory)
  const appliedState = stateFromDocuments(base.applied.documents, now)
  const breakGlass = base.breakGlass ?? []
  // Both states are projected on one directory, indexed once; its users are walked in the order they were read
  // (and allocated), which is faster than by id at 100k+ users.
  const projected = projectAccess(desired, directory, { usersInReadOrder: base.directory.users })
  const applied = appliedState.catalog === undefined ? undefined : projectAccess(appliedState, directory)
  const documentChanges = diffDocuments(base.applied.documents, desiredDocs)
  // Only users whose access may differ are computed, unless a policy counts or scans everyone's access.
  const needsEveryone = [...desired.policies.values()].some(({ doc }) => doc.criticalPermissions !== undefined || doc.separationOfDuty !== undefined || doc.maxRemovalShare !== undefined)
  const onlyUsers = needsEveryone || applied === undefined ? undefined : projected.usersAffectedSince(applied, breakGlass, now, new Set(documentChanges.map((change) => `${change.kind}\u0000${change.name}`)))
  // affectedUsers returns undefined, so everyone is computed, when nested groups form a cycle: then paths depend on
  // the order of resolution.
  const options = { now, breakGlass, ...(onlyUsers === undefined ? {} : { onlyUsers }) }
  const before = applied === undefined ? emptyAccess() : applied.access(options)
  const after = desired.catalog === undefined ? emptyAccess() : projected.access(options)
  const deltas = diffAccess(before, after, {
    // A gain is rated under the applied catalog and risk rules too, whichever is higher: a change that lowers a
    // catalog risk or drops a risk rule is judged (and approved) at the risk the rules it changes gave.
    after: (holding, action, env) => {
      const proposed = projected.atomRisk(holding, action, env)
      const previous = applied?.riskHere(holding, action, env)
      return previous === undefined ? proposed : maxRisk(proposed, previous)
    },
    ...(applied === undefined ? {} : { before: (holding: Holding, action: string, env?: string) => applied.atomRisk(holding, action, env) }),
  })
  const moved = movedRisks(deltas)
  // Listed members and Grant users nobody provisioned count as users; findings name them (unknown-users.ts).
  const isInStore = (key: string) => projected.isProvisioned(key)
  const changes: ObjectChange[] = documentChanges.map((change) => ({
    action: change.action,
    kind: change.kind,
    name: change.name,
    ...(change.file === undefined ? {} : { file: change.file }),
    risk: changeRisk(change, moved, applied, projected),
    fields: change.fields,
  }))
  const risks = changes.map((change) => change.risk)
  for (const delta of deltas) risks.push(delta.risk)
  const counts = new Map<Risk, { gains: number; losses: number }>()
  const usersWithDeltas = new Set<string>()
  for (const delta of deltas) {
    let count = counts.get(delta.risk)
    if (count === undefined) {
      count = { gains: 0, losses: 0 }
      counts.set(delta.risk, count)
    }
    if (delta.change === 'gain') count.gains++
    else if (delta.change === 'loss') count.losses++
    usersWithDeltas.add(delta.user)
  }
  const accessByRisk = [...riskLevels]
    .reverse()
    .map((risk) => ({ risk, gains: counts.get(risk)?.gains ?? 0, losses: counts.get(risk)?.losses ?? 0 }))
    .filter((row) => row.gains + row.losses > 0)
  const guard = appliedState.catalog === undefined ? undefined : guardPolicyOf(appliedState)
  const held = heldChanges(base.holds ?? [], guard, now)
  for (const change of held) risks.push(change.risk)
  const reviewed = base.reviewedDirectory
  const reviewedProjections = new Map<DesiredState, ReturnType<typeof projectAccess>>()
  const membersOf = (state: DesiredState, only: ReadonlySet<string>) => {
    if (reviewed === undefined) return (state === desired ? projected : applied)?.membersOf(only) ?? new Map<string, string[]>()
    let projection = reviewedProjections.get(state)
    if (projection === undefined) {
      projection = projectAccess(state, reviewed)
      reviewedProjections.set(state, projection)
    }
    return projection.membersOf(only)
  }
  // Before the first apply there is no reviewed state to keep an approver from: the first plan is judged as a whole.
  const allApprovals = approvalsOf(desired, applied?.state, risks, membersOf)
  const approvals = applied === undefined ? allApprovals : withoutGainers(allApprovals, deltas, held)
  return {
    formatVersion: 1,
    createdAt: now.toISOString(),
    base: {
      storeRevision: base.storeRevision,
      appliedRevision: base.applied.revision,
      desiredDigest: desiredDigest(desiredDocs),
      // The canonical directory has the same digest, and its rows are already in order.
      directoryDigest: base.directoryDigest ?? directoryDigest(directory),
      ...(guard === undefined ? {} : { guardPolicyDigest: guard.digest }),
    },
    summary: {
      hasChanges: changes.length > 0 || held.length > 0,
      highestRisk: risks.length === 0 ? null : risks.reduce(maxRisk),
      objects: {
        create: changes.filter((change) => change.action === 'create').length,
        update: changes.filter((change) => change.action === 'update').length,
        delete: changes.filter((change) => change.action === 'delete').length,
      },
      accessByRisk,
      users: usersWithDeltas.size,
    },
    changes,
    access: deltas.map((delta) => ({ user: delta.user, change: delta.change, key: delta.key, what: delta.what, risk: delta.risk, chains: deltaChains(delta) })),
    ...(held.length === 0 ? {} : { held }),
    findings: sortFindings([...evaluatePolicy(desired, before, after, deltas, isInStore), ...unknownUserFindings(desired, applied?.state, after, movedPermissions(deltas), isInStore, projected.isDirectoryEmpty, now)]),
    approvals: approvals.requirements,
    dependsOn: planDependencies({ desired, before, after, approverMembers: approvals.members, unknownUsers: unknownNamedUsers(desired, isInStore, now) }),
    idpGroups: projected.idpGroupMapping(),
    expiring: expiringGrants(desired, now),
    desired: desiredDocs.map((entry) => ({ file: entry.file, doc: entry.doc })),
  }
}

/** makePlan, with the directory's digest computed on a worker thread meanwhile. */
export async function makePlanConcurrently(desired: DesiredState, base: PlanBaseInput, now: Date): Promise<Plan> {
  if (base.directoryDigest !== undefined) return makePlan(desired, base, now)
  // In order already, so that the worker does not sort it.
  const digest = directoryDigestOffThread(canonicalDirectory(base.directory))
  // Suppresses an unhandled rejection while makePlan runs; the promise never rejects (it falls back to this thread).
  digest.catch(() => undefined)
  const plan = makePlan(desired, { ...base, directoryDigest: '' }, now)
  plan.base.directoryDigest = await digest
  return plan
}

/** True when the plan's policy findings forbid applying it. */
export function hasBlockingFindings(plan: Plan): boolean {
  return plan.findings.some((finding) => finding.severity === 'error')
}

/** Open holds as the plan shows them, by hold number; overdue past the applied policy's expiry. */
function heldChanges(holds: readonly Hold[], guard: GuardPolicy | undefined, now: Date): HeldChange[] {
  const expiresAfterMs = guard?.expiresAfterMs ?? defaultHoldExpiryDays * 86_400_000
  return holds
    .filter((hold) => hold.status === 'open')
    .sort((a, b) => (holdNumber(a.id) ?? 0) - (holdNumber(b.id) ?? 0))
    .map((hold) => ({
      id: hold.id,
      user: hold.userName,
      connection: hold.connection,
      ...(hold.groupName === undefined ? {} : { group: hold.groupName }),
      trigger: hold.trigger,
      risk: hold.risk,
      access: hold.access.map((item) => item.key),
      change: heldChange(hold),
      since: hold.createdAt,
      auditSeq: hold.auditSeq,
      ...(now.getTime() - Date.parse(hold.createdAt) > expiresAfterMs ? { isOverdue: true } : {}),
    }))
}

/**
 * Approvals without the people the plan gives access to: nobody counts as an approver of a change that gives
 * them access of that requirement's risk or above (a delta gain, or a held IdP change the apply releases).
 */
function withoutGainers(
  approvals: { requirements: ApprovalRequirement[]; members: Map<string, string[]> },
  deltas: readonly AccessDelta[],
  held: readonly HeldChange[],
): { requirements: ApprovalRequirement[]; members: Map<string, string[]> } {
  const gains = [...deltas.filter((delta) => delta.change === 'gain').map((delta) => ({ user: delta.user.toLowerCase(), risk: delta.risk })), ...held.map((change) => ({ user: change.user.toLowerCase(), risk: change.risk }))]
  if (gains.length === 0) return approvals
  const gainsOf = (name: string, risk: Risk) => gains.some((gain) => gain.user === name.toLowerCase() && isAtLeast(gain.risk, risk))
  return {
    members: approvals.members,
    requirements: approvals.requirements.map((requirement) => (requirement.eligible === undefined ? requirement : { ...requirement, eligible: requirement.eligible.filter((name) => !gainsOf(name, requirement.risk)) })),
  }
}
