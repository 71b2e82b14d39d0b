// Compose a Plan (pure): desired vs applied, the access delta on live memberships, risks, policy and approvals.
import { BundleBuilder, computeEffectiveAccess, membersOfGroups, type EffectiveAccess } from '../engine/effective.js'
import type { BreakGlassGrant, Directory, Holding } from '../engine/types.js'
import { stateDocuments, stateFromDocuments, type StateDocument } from '../model/documents.js'
import { maxRisk, riskLevels, type Risk } from '../model/risk.js'
import type { DesiredState } from '../model/state.js'
import { parseTimestamp } from '../model/time.js'
import type { ObjectChange, Plan } from '../schema/generated/plan.js'
import { compareStrings } from '../util/compare.js'
import { digestOf } from '../util/digest.js'
import { deltaChains, diffAccess, type AccessDelta } from './diff-access.js'
import { diffDocuments, type DocumentChange } from './diff-objects.js'
import { evaluatePolicy, requiredApprovals } from './policy.js'

/** What the store holds: the live directory, its revision, the last applied documents and break-glass grants. */
export type PlanBaseInput = {
  storeRevision: number
  directory: Directory
  applied: { revision: string | null; documents: readonly StateDocument[] }
  breakGlass?: readonly BreakGlassGrant[]
}

/** Grants expiring within this many days are listed by plan. */
export const expiringWithinDays = 14

const emptyAccess = (): EffectiveAccess => ({ users: new Map(), inactive: new Set() })

/** Effective access of a state that may be empty (before the first apply). */
export function accessOf(state: DesiredState, directory: Directory, now: Date, breakGlass: readonly BreakGlassGrant[] = []): EffectiveAccess {
  return state.catalog === undefined ? emptyAccess() : computeEffectiveAccess(state, directory, { now, breakGlass })
}

/** A canonical digest of the directory the access delta depends on. */
export function directoryDigest(directory: Directory): string {
  const users = directory.users.map((user) => [user.id, user.connection, user.userName, user.externalId ?? null, user.active]).sort((a, b) => compareStrings(String(a[0]), String(b[0])))
  const groups = directory.groups.map((group) => [group.id, group.connection, group.displayName, group.externalId ?? null]).sort((a, b) => compareStrings(String(a[0]), String(b[0])))
  const memberships = directory.memberships.map((entry) => `${entry.groupId}\u0000${entry.userId}`).sort()
  return digestOf({ users, groups, memberships })
}

/**
 * The directory in one order (by id), so that the plan does not depend on the order the store listed it in:
 * the engine names a person after one of their records, and which one depends on that order.
 */
export function canonicalDirectory(directory: Directory): Directory {
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  const membership = (entry: { groupId: string; userId: string }) => `${entry.groupId}\u0000${entry.userId}`
  return {
    users: [...directory.users].sort(byId),
    groups: [...directory.groups].sort(byId),
    memberships: [...directory.memberships].sort((a, b) => (membership(a) < membership(b) ? -1 : membership(a) > membership(b) ? 1 : 0)),
  }
}

export function desiredDigest(documents: readonly StateDocument[]): string {
  return digestOf(documents.map((entry) => entry.doc))
}

function touches(holding: Holding, change: DocumentChange): boolean {
  return holding.chain.some((step) => {
    switch (change.kind) {
      case 'Group':
        return step.kind === 'group' && step.name === change.name
      case 'Role':
        return step.kind === 'role' && step.name === change.name
      case 'Service':
        return (step.kind === 'service-role' || step.kind === 'service-team') && step.service === change.name
      case 'Grant':
        return step.kind === 'grant' && step.name === change.name
      default:
        return false
    }
  })
}

/** Risk of a document change: of the access it moves; else of what it declares; policy and vocabulary changes are high. */
function changeRisk(change: DocumentChange, deltas: readonly AccessDelta[], before: BundleBuilder | undefined, after: BundleBuilder): Risk {
  if (change.kind === 'Policy' || change.kind === 'Catalog' || change.kind === 'Organization') return 'high'
  if (change.kind === 'AccessTest') return 'low'
  const moved = deltas.filter((delta) => delta.holdings.some((holding) => touches(holding, change))).map((delta) => delta.risk)
  if (moved.length > 0) return moved.reduce(maxRisk)
  const declared = [change.action !== 'delete' ? after.declaredRisk(change.kind, change.name) : undefined, change.action !== 'create' ? before?.declaredRisk(change.kind, change.name) : undefined]
  return declared.filter((risk): risk is Risk => risk !== undefined).reduce(maxRisk, 'low')
}

function idpGroupFindings(state: DesiredState, directory: Directory): Plan['idpGroups'] {
  const mapped = new Set<string>()
  const missing: string[] = []
  for (const { doc: group } of state.groups.values()) {
    const scim = group.source.scim
    if (scim === undefined) continue
    const matches = directory.groups.filter((candidate) => candidate.connection === scim.connection && (scim.externalId !== undefined ? candidate.externalId === scim.externalId : candidate.displayName === scim.displayName))
    for (const match of matches) mapped.add(match.id)
    if (matches.length === 0) missing.push(`${group.name} (${scim.connection}/${scim.externalId ?? scim.displayName ?? ''})`)
  }
  const unmapped = directory.groups.filter((group) => !mapped.has(group.id)).map((group) => `${group.connection}/${group.displayName}`)
  return { unmapped: [...new Set(unmapped)].sort(compareStrings), missing: missing.sort(compareStrings) }
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

/** Compute the plan. Pure: `now` and the store's contents are passed in. The desired state must be valid. */
export function makePlan(desired: DesiredState, base: PlanBaseInput, now: Date): Plan {
  const desiredDocs = stateDocuments(desired)
  const directory = canonicalDirectory(base.directory)
  const appliedState = stateFromDocuments(base.applied.documents, now)
  const before = accessOf(appliedState, directory, now, base.breakGlass)
  const after = accessOf(desired, directory, now, base.breakGlass)
  const deltas = diffAccess(before, after)
  const documentChanges = diffDocuments(base.applied.documents, desiredDocs)
  const afterBundles = new BundleBuilder(desired)
  const beforeBundles = appliedState.catalog === undefined ? undefined : new BundleBuilder(appliedState)
  const changes: ObjectChange[] = documentChanges.map((change) => ({
    action: change.action,
    kind: change.kind,
    name: change.name,
    ...(change.file === undefined ? {} : { file: change.file }),
    risk: changeRisk(change, deltas, beforeBundles, afterBundles),
    fields: change.fields,
  }))
  const risks = [...changes.map((change) => change.risk), ...deltas.map((delta) => delta.risk)]
  const accessByRisk = [...riskLevels]
    .reverse()
    .map((risk) => ({ risk, gains: deltas.filter((d) => d.risk === risk && d.change === 'gain').length, losses: deltas.filter((d) => d.risk === risk && d.change === 'loss').length }))
    .filter((row) => row.gains + row.losses > 0)
  return {
    formatVersion: 1,
    createdAt: now.toISOString(),
    base: {
      storeRevision: base.storeRevision,
      appliedRevision: base.applied.revision,
      desiredDigest: desiredDigest(desiredDocs),
      directoryDigest: directoryDigest(base.directory),
    },
    summary: {
      hasChanges: changes.length > 0,
      highestRisk: risks.length === 0 ? null : risks.reduce(maxRisk),
      objects: {
        create: changes.filter((change) => change.action === 'create').length,
        update: changes.filter((change) => change.action === 'update').length,
        delete: changes.filter((change) => change.action === 'delete').length,
      },
      accessByRisk,
      users: new Set(deltas.map((delta) => delta.user)).size,
    },
    changes,
    access: deltas.map((delta) => ({ user: delta.user, change: delta.change, key: delta.key, what: delta.what, risk: delta.risk, chains: deltaChains(delta) })),
    findings: evaluatePolicy(desired, before, after, deltas),
    approvals: requiredApprovals(desired, risks, membersOfGroups(desired, directory)),
    idpGroups: idpGroupFindings(desired, directory),
    expiring: expiringGrants(desired, now),
    desired: desiredDocs.map((entry) => ({ file: entry.file, doc: entry.doc })),
  }
}

/** True when the plan's policy findings forbid applying it. */
export function hasBlockingFindings(plan: Plan): boolean {
  return plan.findings.some((finding) => finding.severity === 'error')
}

