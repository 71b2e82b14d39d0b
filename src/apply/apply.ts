// Runs a Plan against the store in one transaction: refuses stale plans, policy violations and missing approvals.
import { RolecallError, StalePlanError } from '../errors.js'
import type { MembershipTable } from '../engine/membership-table.js'
import type { Directory } from '../engine/types.js'
import { stateFromDocuments, type StateDocument } from '../model/documents.js'
import type { DesiredState } from '../model/state.js'
import { desiredDigest, directoryDigest, hasBlockingFindings, makePlan, makePlanConcurrently, type PlanBaseInput } from '../plan/make-plan.js'
import type { ApprovalRequirement, Plan } from '../schema/generated/plan.js'
import type { AppliedRevision } from '../store/applied.js'
import type { JsonObject, Store } from '../store/store.js'
import { compareStrings } from '../util/compare.js'
import { digestOf } from '../util/digest.js'
import { readPlanBase } from './store-base.js'
import { idpGroupKeys, sourceKey } from '../engine/idp-mapping.js'

/** Apply refused for a reason of policy (findings or approvals). Nothing was written. */
export class ApplyRefusedError extends RolecallError {
  override name = 'ApplyRefusedError'
}

export type ApplyOptions = {
  /** userNames of approvers (members of an approver group), or `org/team:login` for a GitHub team approval. */
  approvedBy: readonly string[]
  commit: string | null
  author: string | null
  /** Who applies, for the audit log (`cli`, `admin-token:<id>`). */
  actor: string
  now: Date
}

export type ApplyOutcome = { status: 'applied'; revision: AppliedRevision } | { status: 'no-changes' }

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

/**
 * Says what moved since the plan and whether the reviewed per-person delta still holds. `replanned` is the plan
 * its documents make against the store now (made here when not given).
 */
export function explainStale(plan: Plan, current: PlanBaseInput, now: Date, replanned = makePlan(stateFromDocuments(plan.desired as StateDocument[], now), current, now)): string {
  const lines: string[] = []
  if (plan.base.appliedRevision !== current.applied.revision) {
    lines.push(`Another apply happened since the plan: applied revision ${plan.base.appliedRevision ?? '(none)'} → ${current.applied.revision ?? '(none)'}.`)
  }
  if (plan.base.directoryDigest !== replanned.base.directoryDigest) {
    lines.push(`SCIM changed users or memberships since the plan (store revision ${plan.base.storeRevision} → ${current.storeRevision}).`)
  }
  const id = (entry: Plan['access'][number]) => `${entry.user}\u0000${entry.change}\u0000${entry.key}`
  const reviewed = new Set(plan.access.map(id))
  const nowDelta = new Set(replanned.access.map(id))
  const added = replanned.access.filter((entry) => !reviewed.has(id(entry)))
  const dropped = plan.access.filter((entry) => !nowDelta.has(id(entry)))
  if (added.length === 0 && dropped.length === 0) {
    lines.push('The reviewed per-person access delta still holds. Plan again to refresh the plan, then apply.')
    return lines.join('\n')
  }
  lines.push('The reviewed per-person access delta no longer holds:')
  const groupsOf = new Map<string, string[]>()
  for (const entry of added) {
    const via = entry.chains[0]?.split(' → ')[0] ?? 'an unknown path'
    const key = `${entry.change === 'gain' ? 'gain' : 'lose'} ${entry.what} through ${via}`
    groupsOf.set(key, [...(groupsOf.get(key) ?? []), entry.user])
  }
  for (const [what, users] of [...groupsOf].sort(([a], [b]) => compareStrings(a, b))) {
    lines.push(`  - ${users.length} user${users.length === 1 ? '' : 's'} (${users.slice(0, 5).join(', ')}${users.length > 5 ? ', …' : ''}) would now ${what}, which the plan did not show`)
  }
  for (const entry of dropped) lines.push(`  - ${entry.user} would no longer ${entry.change === 'gain' ? 'gain' : 'lose'} ${entry.what} as the plan showed`)
  lines.push('Plan again and have the new plan reviewed.')
  return lines.join('\n')
}

/** What a plan was made on, what it does, and what it is judged by. */
const baseFields = ['appliedRevision', 'directoryDigest'] as const
const doneSections = ['changes', 'access'] as const
const judgedSections = ['findings', 'approvals', 'summary'] as const

/** The sections in which two plans of the same documents differ. */
function differingSections(plan: Plan, made: Plan, sections: readonly (keyof Plan)[]): string[] {
  return sections.filter((section) => JSON.stringify(plan[section]) !== JSON.stringify(made[section]))
}

function differingBase(plan: Plan, made: Plan): boolean {
  return baseFields.some((field) => plan.base[field] !== made.base[field])
}

/**
 * Apply exactly what `plan` shows, or refuse with nothing written. A plan comes from a file or over the network,
 * so nothing in it is taken on trust but its documents (checked against their digest): the plan is made again
 * from them against the store as it is, and applied only if it shows the same changes and the same access delta.
 * Policy findings and approvals are judged on the plan made here, whatever the file says.
 */
export async function applyPlan(plan: Plan, store: Store, options: ApplyOptions): Promise<ApplyOutcome> {
  if (desiredDigest(plan.desired as StateDocument[]) !== plan.base.desiredDigest) {
    throw new ApplyRefusedError('the plan file was modified after it was made: its desired documents do not match its digest')
  }
  const current = await readPlanBase(store)
  const desired = stateFromDocuments(plan.desired as StateDocument[], options.now)
  // One plan, its directory digest hashed on a worker: it answers both whether the store moved in a way that matters
  // and whether the file's changes and delta are what applying would do.
  const made = await makePlanConcurrently(desired, current, options.now)
  if (differingBase(plan, made) || differingSections(plan, made, doneSections).length > 0) {
    // Same revisions but another outcome: another store (or one whose revision came back to the same number), or
    // time moved past an expiry since the plan.
    const hasMoved = current.applied.revision !== plan.base.appliedRevision || current.storeRevision !== plan.base.storeRevision
    const why = hasMoved ? 'the store moved since this plan was made.' : 'this plan does not show what applying it to this store would do now.'
    throw new StalePlanError(`${why}\n${explainStale(plan, current, options.now, made)}`)
  }
  const edited = differingSections(plan, made, judgedSections)
  if (edited.length > 0) {
    throw new ApplyRefusedError(`the plan file was modified after it was made: its ${edited.join(', ')} do not match its documents (plan again; apply judges the plan it makes itself)`)
  }
  return commitPlan(made, desired, current, store, options)
}

/** Plan `desired` against the store and apply that plan: `apply --dir`, where nobody saw a plan file. */
export async function applyDesired(desired: DesiredState, store: Store, options: ApplyOptions): Promise<{ plan: Plan; outcome: ApplyOutcome }> {
  const current = await readPlanBase(store)
  const plan = await makePlanConcurrently(desired, current, options.now)
  return { plan, outcome: await commitPlan(plan, desired, current, store, options) }
}

/** Refuses on blocking findings or missing approvals; otherwise writes the plan's state if the store did not move since `current`. */
async function commitPlan(plan: Plan, desired: DesiredState, current: PlanBaseInput, store: Store, options: ApplyOptions): Promise<ApplyOutcome> {
  if (!plan.summary.hasChanges) return { status: 'no-changes' }
  if (hasBlockingFindings(plan)) {
    const findings = plan.findings.filter((finding) => finding.severity === 'error').map((finding) => `  - ${finding.code}: ${finding.summary}${finding.paths.map((path) => `\n      ${path}`).join('')}`)
    throw new ApplyRefusedError(`policy forbids this plan:\n${findings.join('\n')}`)
  }
  const missing = missingApprovals(plan.approvals, options.approvedBy)
  if (missing.length > 0) throw new ApplyRefusedError(`approvals missing:\n${missing.map((line) => `  - ${line}`).join('\n')}`)
  const summary = { ...plan.summary, accessByRisk: plan.summary.accessByRisk.map((row) => ({ ...row })) } as unknown as JsonObject
  const revision = await store.recordApply(
    {
      commit: options.commit,
      author: options.author,
      approvedBy: [...options.approvedBy].sort(compareStrings),
      planDigest: digestOf(plan),
      desiredDigest: plan.base.desiredDigest,
      directoryDigest: plan.base.directoryDigest,
      summary,
      documents: plan.desired,
      directory: mappedDirectory(desired, current.directory),
      actor: options.actor,
    },
    (view) => {
      // Inside the write transaction: a concurrent apply or SCIM write since the plan was made loses here.
      if (view.appliedRevision !== plan.base.appliedRevision) throw new StalePlanError(`another apply (${view.appliedRevision ?? 'none'}) happened since this plan was made; plan again`)
      if (view.storeRevision !== current.storeRevision && directoryDigest(view.directory()) !== plan.base.directoryDigest) {
        throw new StalePlanError('SCIM changed users or memberships since this plan was made; plan again')
      }
    },
  )
  return { status: 'applied', revision }
}
