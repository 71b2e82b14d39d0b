// Drift: access that changed without review since an apply (SCIM membership changes, break-glass grants,
// mapped IdP groups renamed or gone) and documents not yet applied. Pure.
import { defaultHoldExpiryDays, guardPolicyOf } from '../guard/guard-policy.js'
import { heldChange, withoutHolds } from '../guard/held-directory.js'
import type { Hold } from '../store/holds.js'
import { BundleBuilder } from '../engine/bundles.js'
import { computeEffectiveAccess, type EffectiveAccess } from '../engine/effective.js'
import { formatGrantRule } from '../engine/chain.js'
import type { BreakGlassGrant, Directory, Holding } from '../engine/types.js'
import { stateDocuments, type StateDocument } from '../model/documents.js'
import { maxRisk, riskRank, type Risk } from '../model/risk.js'
import type { DesiredState } from '../model/state.js'
import { parseTimestamp } from '../model/time.js'
import { revisionsWithDirectory } from '../store/applied.js'
import { compareStrings } from '../util/compare.js'
import { deltaChains, diffAccess } from './diff-access.js'
import { diffDocuments } from './diff-objects.js'

export type DriftAccessChange = { user: string; change: 'gain' | 'loss'; what: string; risk: Risk; chains: string[] }
export type DriftBreakGlass = { id: string; user: string; what: string; risk: Risk; reason: string; expires: string }
export type DriftIdpGroup = { group: string; connection: string; was: string; now: string | null }

export type DriftReport = {
  appliedRevision: string | null
  highestRisk: Risk | null
  /** Access gained or lost because SCIM changed users or memberships since the apply. Highest risk first. */
  scim: DriftAccessChange[]
  /** How many SCIM access changes there are in all, when `scim` lists only the riskiest of them (limitDrift). */
  scimTotal?: number
  breakGlass: DriftBreakGlass[]
  /** Mapped IdP groups renamed (same externalId) or gone since the apply. */
  idpGroups: DriftIdpGroup[]
  /** Documents in the access files that differ from the applied ones: `create Group "X"`. */
  unapplied: string[]
  /** Held IdP changes (open: waiting for a reviewed apply; rejected: to be undone at the IdP), by hold number. */
  held?: DriftHeld[]
}

/** A hold in force, as drift lists it: its access is not in `scim`, since it has not taken effect. */
export type DriftHeld = { id: string; user: string; status: Hold['status']; change: string; risk: Risk; access: string[]; since: string; isOverdue: boolean }

export type DriftInput = {
  applied: { revision: string | null; state: DesiredState; documents: readonly StateDocument[]; directory: Directory }
  directory: Directory
  breakGlass: readonly BreakGlassGrant[]
  desired?: DesiredState
  now: Date
  /** Holds in force: what they keep out is listed as held, not as access SCIM gave. */
  holds?: readonly Hold[]
}

const empty = (): EffectiveAccess => ({ users: new Map(), inactive: new Set() })

function idpGroupDrift(state: DesiredState, before: Directory, after: Directory): DriftIdpGroup[] {
  const out: DriftIdpGroup[] = []
  for (const { doc: group } of state.groups.values()) {
    const scim = group.source.scim
    if (scim === undefined) continue
    const matches = (directory: Directory) =>
      directory.groups.filter((candidate) => candidate.connection === scim.connection && (scim.externalId !== undefined ? candidate.externalId === scim.externalId : candidate.displayName === scim.displayName))
    const was = matches(before)
    if (was.length === 0 || matches(after).length > 0) continue
    for (const old of was) {
      const renamed = after.groups.find((candidate) => candidate.id === old.id || (old.externalId !== undefined && candidate.connection === old.connection && candidate.externalId === old.externalId))
      out.push({ group: group.name, connection: old.connection, was: old.displayName, now: renamed?.displayName ?? null })
    }
  }
  return out.sort((a, b) => compareStrings(a.group, b.group) || compareStrings(a.was, b.was))
}

/** SCIM access changes a drift report lists by default: enough to act on, and a report that stays printable. */
export const driftListLimit = 10_000

/**
 * The report with at most `limit` SCIM access changes listed (the riskiest, as they come first) and their total
 * count; 0 lists them all. When an IdP filled the store after the first apply, everyone's access is drift: at
 * 100,000 users the whole list no longer fits in one string.
 */
export function limitDrift(report: DriftReport, limit = driftListLimit): DriftReport {
  if (limit === 0 || report.scim.length <= limit) return report
  return { ...report, scim: report.scim.slice(0, limit), scimTotal: report.scim.length }
}

export function computeDrift(input: DriftInput): DriftReport {
  const { applied, directory, now } = input
  const state = applied.state
  const hasCatalog = state.catalog !== undefined
  const bundles = hasCatalog ? new BundleBuilder(state) : undefined
  const at = (dir: Directory) => (bundles === undefined ? empty() : computeEffectiveAccess(state, dir, { now, bundles }))
  const actionRisk = bundles === undefined ? undefined : (holding: Holding, action: string, env?: string) => bundles.actionRisk(holding, action, env)
  const holds = input.holds ?? []
  const scim = diffAccess(at(applied.directory), at(withoutHolds(directory, holds)), actionRisk === undefined ? {} : { before: actionRisk, after: actionRisk })
  const expiresAfterMs = hasCatalog ? guardPolicyOf(state).expiresAfterMs : defaultHoldExpiryDays * 86_400_000
  const held: DriftHeld[] = holds
    .filter((hold) => hold.status === 'open' || hold.status === 'rejected')
    .map((hold) => ({
      id: hold.id,
      user: hold.userName,
      status: hold.status,
      change: heldChange(hold),
      risk: hold.risk,
      access: hold.access.map((item) => item.key),
      since: hold.createdAt,
      isOverdue: hold.status === 'open' && now.getTime() - Date.parse(hold.createdAt) > expiresAfterMs,
    }))
    .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)))
  const breakGlass: DriftBreakGlass[] = []
  for (const grant of input.breakGlass) {
    const expires = parseTimestamp(grant.expires)
    if (expires !== undefined && expires.getTime() <= now.getTime()) continue
    const template = bundles?.grantTemplate({ action: grant.actions, resource: grant.resource, env: grant.env }, [])
    const what = template?.type === 'grant' ? formatGrantRule(template.grant) : `${grant.actions.join(', ')} ${grant.resource}`
    breakGlass.push({ id: grant.id, user: grant.user, what, risk: template?.risk ?? 'critical', reason: grant.reason, expires: grant.expires })
  }
  const unapplied = input.desired === undefined ? [] : diffDocuments(applied.documents, stateDocuments(input.desired)).map((change) => `${change.action} ${change.kind} "${change.name}"`)
  const scimChanges = scim
    .map((delta) => ({ user: delta.user, change: delta.change, what: delta.what, risk: delta.risk, chains: deltaChains(delta) }))
    .sort((a, b) => riskRank(b.risk) - riskRank(a.risk) || compareStrings(a.user, b.user) || compareStrings(a.what, b.what))
  // An overdue hold is drift to act on (release or reject it); one within its expiry is the guard at work.
  const risks = [...scimChanges.map((change) => change.risk), ...breakGlass.map((grant) => grant.risk), ...held.filter((hold) => hold.isOverdue).map((hold) => hold.risk)]
  return {
    appliedRevision: applied.revision,
    highestRisk: risks.length === 0 ? null : risks.reduce(maxRisk),
    scim: scimChanges,
    breakGlass: breakGlass.sort((a, b) => riskRank(b.risk) - riskRank(a.risk) || compareStrings(a.id, b.id)),
    idpGroups: idpGroupDrift(state, applied.directory, directory),
    unapplied,
    ...(held.length === 0 ? {} : { held }),
  }
}

/** Why drift cannot be measured from an applied revision, or undefined when it can. */
export function driftBaselineProblem(revision: string, directory: Directory | undefined): string | undefined {
  if (directory !== undefined) return undefined
  return `applied revision ${revision} no longer keeps the directory it saw (only the last ${revisionsWithDirectory} applies do); measure drift from a later revision`
}

/** Drift that CI or cron should alert on: anything high risk or above. */
export function isAlarming(report: DriftReport): boolean {
  return report.highestRisk !== null && riskRank(report.highestRisk) >= riskRank('high')
}
