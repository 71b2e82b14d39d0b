// Runs a Plan against the store in one transaction: refuses plans the store moved under, policy violations and missing approvals.
import { withoutHolds } from '../guard/held-directory.js'
import { RolecallError, StalePlanError } from '../errors.js'
import type { MembershipTable } from '../engine/membership-table.js'
import type { Directory } from '../engine/types.js'
import { stateFromDocuments, type StateDocument } from '../model/documents.js'
import type { DesiredState } from '../model/state.js'
import { dependencyDigest } from '../plan/dependency-digest.js'
import { accessOf, desiredDigest, directoryDigest, hasBlockingFindings, makePlan, makePlanConcurrently, type PlanBaseInput } from '../plan/make-plan.js'
import type { ApprovalRequirement, Plan } from '../schema/generated/plan.js'
import type { AppliedReview, AppliedRevision, ApplyBasis } from '../store/applied.js'
import type { JsonObject, Store } from '../store/store.js'
import { compareStrings } from '../util/compare.js'
import { digestOf } from '../util/digest.js'
import { planMovement, type HoldingChains } from './plan-movement.js'
import { formatChain } from '../engine/chain.js'
import { userKey, type EffectiveAccess } from '../engine/effective.js'
import { activeBreakGlass, directoryOf, readPlanBase } from './store-base.js'
import { idpGroupKeys, sourceKey } from '../engine/idp-mapping.js'

/** Apply refused for a reason of policy (findings or approvals). Nothing was written. */
export class ApplyRefusedError extends RolecallError {
  override name = 'ApplyRefusedError'
}

export type ApplyOptions = {
  /** userNames of approvers (members of an approver group), or `org/team:login` for a GitHub team approval. */
  approvedBy: readonly string[]
  /** The approvers the caller named, recorded as the revision's `approvedBy` when `approvedBy` is what the server verified. */
  claimedBy?: readonly string[]
  /** The review the server verified: recorded with the revision and in its audit entry. */
  review?: AppliedReview
  commit: string | null
  author: string | null
  /** Who applies, for the audit log (`cli`, `admin-token:<id>`). */
  actor: string
  now: Date
  /** Told as each part of the work begins (a terminal shows it). */
  onStep?: (step: ApplyStep) => void
}

export type ApplyStep = 'reading the store' | 'planning' | 'writing the applied state'

/** `basis` says where the reviewed plan was made and where it was applied (SCIM may have written in between). */
export type ApplyOutcome = { status: 'applied'; revision: AppliedRevision; basis: ApplyBasis } | { status: 'no-changes' }

/**
 * Which requirements the given approvers do not satisfy, as lines. Each person counts once per requirement: a
 * login named through two teams (`org/a:sam`, `org/b:sam`) is one approval.
 */
export function missingApprovals(requirements: readonly ApprovalRequirement[], approvedBy: readonly string[]): string[] {
  const missing: string[] = []
  for (const requirement of requirements) {
    const eligible = new Set((requirement.eligible ?? []).map((name) => name.toLowerCase()))
    const teams = requirement.approvers.filter((approver) => approver.startsWith('github:')).map((approver) => approver.slice('github:'.length).toLowerCase())
    const counted = new Set<string>()
    for (const name of approvedBy.map((entry) => entry.toLowerCase())) {
      if (eligible.has(name)) counted.add(name)
      const team = teams.find((candidate) => name.startsWith(`${candidate}:`) && name.length > candidate.length + 1)
      if (team !== undefined) counted.add(`github:${name.slice(team.length + 1)}`)
    }
    if (counted.size < requirement.count) {
      missing.push(`${requirement.risk}: ${counted.size} of ${requirement.count} approvals from ${requirement.approvers.join(', ')}`)
    }
  }
  return missing
}

/** The table's memberships of the groups `groupIds` names, in the table's order (membershipsOfTable, filtered). */
function mappedMemberships(table: MembershipTable, groupIds: ReadonlySet<string>): { groupId: string; userId: string }[] {
  const out: { groupId: string; userId: string }[] = []
  for (let g = 0; g < table.groupIds.length; g++) {
    const groupId = table.groupIds[g] as string
    if (!groupIds.has(groupId)) continue
    for (let i = table.offsets[g] as number; i < (table.offsets[g + 1] as number); i++) out.push({ groupId, userId: table.userIds[table.members[i] as number] as string })
  }
  return out
}

/** The part of the directory that access depends on (mapped IdP groups, their members), kept for drift. */
export function mappedDirectory(state: DesiredState, directory: Directory): Directory {
  const sources = new Set<string>()
  for (const { doc } of state.groups.values()) {
    const scim = doc.source.scim
    if (scim !== undefined) sources.add(sourceKey(scim))
  }
  const groups = directory.groups.filter((group) => idpGroupKeys(group).some((key) => sources.has(key)))
  const groupIds = new Set(groups.map((group) => group.id))
  const table = directory.membershipTable
  // From the table when there is one: its list (by group, then user) would be millions of objects, most left out.
  const memberships = table === undefined ? directory.memberships.filter((entry) => groupIds.has(entry.groupId)) : mappedMemberships(table, groupIds)
  const userIds = new Set(memberships.map((entry) => entry.userId))
  const localUsers = new Set([...state.groups.values()].flatMap(({ doc }) => (doc.source.members?.users ?? []).map((user) => user.toLowerCase())))
  const users = directory.users.filter((user) => userIds.has(user.id) || localUsers.has(user.userName.toLowerCase()))
  return { users, groups, memberships }
}

/** The sections of a plan that say what applying it does (the document changes, the delta, and what they depend on). */
const doneSections = ['changes', 'access', 'dependsOn'] as const
/** The sections that say how it is judged. */
const judgedSections = ['findings', 'approvals', 'summary'] as const

/** The sections in which two plans of the same documents differ. */
function differingSections(plan: Plan, made: Plan, sections: readonly (keyof Plan)[]): string[] {
  return sections.filter((section) => JSON.stringify(plan[section]) !== JSON.stringify(made[section]))
}

/** True when the two plans do the same and are judged alike: the same changes, delta, dependencies, findings and approvals. */
function isSameOutcome(plan: Plan, made: Plan): boolean {
  return differingSections(plan, made, [...doneSections, ...judgedSections]).length === 0
}

/** How each user would hold a permission under `desired` on `base`: computed once, when a refusal asks. */
function holdingChains(desired: DesiredState, base: PlanBaseInput, now: Date): HoldingChains {
  let access: EffectiveAccess | undefined
  return (user, permission) => {
    access ??= accessOf(desired, base.directory, now, base.breakGlass)
    // A plan names a person by userName, or (when the organization has several identities) as `name (identity)`.
    const held = access.users.get(userKey(user)) ?? [...access.users.values()].find((entry) => entry.user === user)
    const holdings = held?.holdings ?? []
    return holdings.filter((holding) => holding.type === 'permission' && holding.permission === permission).map((holding) => formatChain(holding.chain, holding))
  }
}

/** What no longer holds of `plan` in `replanned`, as indented lines, ending with what to do. */
function movementText(plan: Plan, replanned: Plan, chainsOf?: HoldingChains): string {
  const { delta, judged } = planMovement(plan, replanned, chainsOf)
  const lines: string[] = []
  if (delta.length === 0) lines.push('The reviewed per-person access delta still holds.')
  else lines.push('The reviewed per-person access delta no longer holds:', ...delta.map((line) => `  - ${line}`))
  if (judged.length > 0) lines.push('What the plan showed or judged besides it moved:', ...judged.map((line) => `  - ${line}`))
  else if (delta.length === 0 && !isSameOutcome(plan, replanned)) lines.push('What the plan showed or judged besides it moved.')
  if (isSameOutcome(plan, replanned)) {
    lines[0] = 'The reviewed plan still holds: its per-person access delta and every input its findings and approvals read are unchanged.'
    return lines.join('\n')
  }
  lines.push('Plan again and have the new plan reviewed.')
  return lines.join('\n')
}

/**
 * Says what moved since the plan and whether the reviewed per-person delta, and what the plan judged, still hold.
 * `replanned` is the plan its documents make against the store now (made here when not given).
 */
export function explainStale(plan: Plan, current: PlanBaseInput, now: Date, replanned = makePlan(stateFromDocuments(plan.desired as StateDocument[], now), current, now)): string {
  const chainsOf = holdingChains(stateFromDocuments(plan.desired as StateDocument[], now), current, now)
  const lines: string[] = []
  if (isGuardPolicyMoved(plan, replanned)) {
    lines.push('The IdP change guard policy (idpChanges) changed since the plan: the held IdP changes it shows were decided under another policy.')
  }
  if (JSON.stringify(plan.held ?? []) !== JSON.stringify(replanned.held ?? [])) {
    lines.push(`The held IdP changes moved since the plan: it showed ${heldIds(plan)}, the store now holds ${heldIds(replanned)}.`)
  }
  if (plan.base.appliedRevision !== current.applied.revision) {
    lines.push(`Another apply happened since the plan: applied revision ${plan.base.appliedRevision ?? '(none)'} → ${current.applied.revision ?? '(none)'}.`)
  }
  if (plan.base.directoryDigest !== replanned.base.directoryDigest) {
    lines.push(`SCIM changed users or memberships since the plan (store revision ${plan.base.storeRevision} → ${current.storeRevision}).`)
  }
  lines.push(movementText(plan, replanned, chainsOf))
  return lines.join('\n')
}

/** Whether the plan shows held IdP changes decided under another idpChanges policy than the store's now. */
function isGuardPolicyMoved(plan: Plan, made: Plan): boolean {
  const [was, now] = [plan.base.guardPolicyDigest, made.base.guardPolicyDigest]
  return (plan.held?.length ?? 0) > 0 && was !== undefined && now !== undefined && was !== now
}

function heldIds(plan: Plan): string {
  const ids = (plan.held ?? []).map((change) => change.id)
  return ids.length === 0 ? 'none' : ids.join(', ')
}

/** Where the reviewed plan was made and where it is applied. */
function basisOf(reviewed: Plan, storeRevision: number, directoryDigest: string): ApplyBasis {
  return { planStoreRevision: reviewed.base.storeRevision, planDirectoryDigest: reviewed.base.directoryDigest, storeRevision, directoryMoved: directoryDigest !== reviewed.base.directoryDigest }
}

/**
 * Refuses `plan` unless `made` (its documents planned against the store as it is) does and judges the same. A plan
 * with recorded dependencies survives SCIM writes that move none of them; one made before rolecall recorded them is
 * refused once the directory moved at all, as it was then.
 */
function judgeReviewed(plan: Plan, made: Plan, current: PlanBaseInput, now: Date): void {
  if (isGuardPolicyMoved(plan, made)) throw new StalePlanError(`the IdP change guard policy changed since this plan was made.\n${explainStale(plan, current, now, made)}`)
  const hasMoved = current.applied.revision !== plan.base.appliedRevision || current.storeRevision !== plan.base.storeRevision
  const isDirectoryMoved = plan.base.directoryDigest !== made.base.directoryDigest
  const done = differingSections(
    plan,
    made,
    doneSections.filter((section) => section !== 'dependsOn' || plan.dependsOn !== undefined),
  )
  const judged = differingSections(plan, made, judgedSections)
  const isOld = plan.dependsOn === undefined
  if (plan.base.appliedRevision === made.base.appliedRevision && done.length === 0 && (isOld ? !isDirectoryMoved : true)) {
    if (judged.length === 0) return
    // The same documents on an unmoved store make other findings or approvals only if the file was edited.
    if (!hasMoved && !isDirectoryMoved) {
      throw new ApplyRefusedError(`the plan file was modified after it was made: its ${judged.join(', ')} do not match its documents (plan again; apply judges the plan it makes itself)`)
    }
  }
  // Same revisions but another outcome: another store (or one whose revision came back to the same number), or
  // time moved past an expiry since the plan.
  const why = hasMoved ? 'the store moved since this plan was made.' : 'this plan does not show what applying it to this store would do now.'
  const old = isOld && isDirectoryMoved ? '\nThis plan file does not record what its findings and approvals depend on (it was made by an earlier rolecall), so any change to users or memberships refuses it.' : ''
  throw new StalePlanError(`${why}\n${explainStale(plan, current, now, made)}${old}`)
}

/**
 * Apply exactly what `plan` shows, or refuse with nothing written. A plan comes from a file or over the network,
 * so nothing in it is taken on trust but its documents (checked against their digest): the plan is made again
 * from them against the store as it is, and applied only if it shows the same changes and access delta and reads
 * the same holders, approvers and users for its findings and approvals; the same comparison is made again inside
 * the write transaction when SCIM wrote meanwhile. Policy findings and approvals are judged on the plan made
 * here, whatever the file says. SCIM writes that move none of that (an unmapped group's members, a user nobody's
 * access depends on) do not refuse it; the audit entry of the apply records them.
 */
export async function applyPlan(plan: Plan, store: Store, options: ApplyOptions): Promise<ApplyOutcome> {
  if (desiredDigest(plan.desired as StateDocument[]) !== plan.base.desiredDigest) {
    throw new ApplyRefusedError('the plan file was modified after it was made: its desired documents do not match its digest')
  }
  options.onStep?.('reading the store')
  const read = await readPlanBase(store)
  // Only the held IdP changes the reviewed plan showed are released; any held since stay held, unjudged here.
  const shown = new Set((plan.held ?? []).map((change) => change.id))
  const current = withHoldsShown(read, shown)
  options.onStep?.('planning')
  const desired = stateFromDocuments(plan.desired as StateDocument[], options.now)
  // One plan, its directory digest hashed on a worker: it answers both whether the store moved in a way that matters
  // and whether the file's changes and delta are what applying would do.
  const made = await makePlanConcurrently(desired, current, options.now)
  judgeReviewed(plan, made, current, options.now)
  return commitPlan(made, desired, current, store, options, plan)
}

/** The store as a plan that releases the holds `shown` sees it: other holds keep their access out of the directory. */
export function withHoldsShown(read: PlanBaseInput, shown: ReadonlySet<string>): PlanBaseInput {
  const holds = read.holds ?? []
  return {
    ...read,
    directory: withoutHolds(
      read.directory,
      holds.filter((hold) => !shown.has(hold.id)),
    ),
    holds: holds.filter((hold) => shown.has(hold.id)),
  }
}

/** Plan `desired` against the store and apply that plan: `apply --dir`, where nobody saw a plan file. */
export async function applyDesired(desired: DesiredState, store: Store, options: ApplyOptions): Promise<{ plan: Plan; outcome: ApplyOutcome }> {
  options.onStep?.('reading the store')
  const current = await readPlanBase(store)
  options.onStep?.('planning')
  const plan = await makePlanConcurrently(desired, current, options.now)
  return { plan, outcome: await commitPlan(plan, desired, current, store, options, plan) }
}

/**
 * Refuses on blocking findings or missing approvals; otherwise writes the plan's state. Inside the write
 * transaction, when the store moved since `current`, the plan is made again on the store as it is there and
 * committed only if it does and judges the same: no write can come between that check and the commit.
 */
async function commitPlan(plan: Plan, desired: DesiredState, current: PlanBaseInput, store: Store, options: ApplyOptions, reviewed: Plan): Promise<ApplyOutcome> {
  if (!plan.summary.hasChanges) return { status: 'no-changes' }
  if (hasBlockingFindings(plan)) {
    const findings = plan.findings.filter((finding) => finding.severity === 'error').map((finding) => `  - ${finding.code}: ${finding.summary}${finding.paths.map((path) => `\n      ${path}`).join('')}`)
    throw new ApplyRefusedError(`policy forbids this plan:\n${findings.join('\n')}`)
  }
  const missing = missingApprovals(plan.approvals, options.approvedBy)
  if (missing.length > 0) throw new ApplyRefusedError(`approvals missing:\n${missing.map((line) => `  - ${line}`).join('\n')}`)
  const summary = { ...plan.summary, accessByRisk: plan.summary.accessByRisk.map((row) => ({ ...row })) } as unknown as JsonObject
  let basis = basisOf(reviewed, current.storeRevision, plan.base.directoryDigest)
  const shownHolds = new Set((plan.held ?? []).map((change) => change.id))
  options.onStep?.('writing the applied state')
  const revision = await store.recordApply(
    {
      commit: options.commit,
      author: options.author,
      approvedBy: [...(options.claimedBy ?? options.approvedBy)].sort(compareStrings),
      ...(options.review === undefined ? {} : { review: options.review }),
      planDigest: digestOf(plan),
      desiredDigest: plan.base.desiredDigest,
      directoryDigest: plan.base.directoryDigest,
      summary,
      documents: plan.desired,
      directory: mappedDirectory(desired, current.directory),
      actor: options.actor,
      basis,
      // The held IdP changes the reviewed plan showed: their access takes effect with this apply.
      ...(plan.held === undefined ? {} : { releaseHolds: plan.held.map((change) => change.id) }),
    },
    (view) => {
      // Inside the write transaction: a concurrent apply, or a SCIM write since the plan was made that moves what it
      // shows or judges, loses here.
      if (view.appliedRevision !== plan.base.appliedRevision) throw new StalePlanError(`another apply (${view.appliedRevision ?? 'none'}) happened since this plan was made; plan again`)
      if (view.storeRevision === current.storeRevision) return undefined
      // What holds keep out, as when the plan was made again above (a hold made since is judged as effective: refused).
      const directory = withoutHolds(
        directoryOf(view.directory()),
        view.holds().filter((hold) => !shownHolds.has(hold.id)),
      )
      const breakGlass = activeBreakGlass(view.breakGlass())
      const isOld = reviewed.dependsOn === undefined
      // Whether the writes touched anything a plan of these states reads: if not, the plan made again would be this one.
      const states = [desired, stateFromDocuments(current.applied.documents, options.now)]
      if (!isOld && dependencyDigest(states, directory, breakGlass) === dependencyDigest(states, current.directory, current.breakGlass ?? [])) {
        const digest = directoryDigest(directory)
        basis = basisOf(reviewed, view.storeRevision, digest)
        return { directory: mappedDirectory(desired, directory), directoryDigest: digest, basis }
      }
      const again = makePlan(desired, { ...current, storeRevision: view.storeRevision, directory, breakGlass }, options.now)
      if ((isOld && again.base.directoryDigest !== reviewed.base.directoryDigest) || !isSameOutcome(plan, again)) {
        const old = isOld ? '\nThis plan file does not record what its findings and approvals depend on (it was made by an earlier rolecall), so any change to users or memberships refuses it.' : ''
        const chainsOf = holdingChains(desired, { ...current, storeRevision: view.storeRevision, directory, breakGlass }, options.now)
        throw new StalePlanError(
          `SCIM changed users or memberships since this plan was made (store revision ${reviewed.base.storeRevision} → ${view.storeRevision}), and applying it now would not be what the plan showed.\n${movementText(plan, again, chainsOf)}${old}`,
        )
      }
      basis = basisOf(reviewed, view.storeRevision, again.base.directoryDigest)
      return { directory: mappedDirectory(desired, directory), directoryDigest: again.base.directoryDigest, basis }
    },
  )
  return { status: 'applied', revision, basis }
}
