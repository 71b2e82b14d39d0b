// Policy on the projected state: lockout and holder bounds, separation of duty, mass removal, and approvals per risk.
import { formatChain } from '../engine/chain.js'
import { accessAtoms, atomCountOfKey } from '../engine/atoms.js'
import type { EffectiveAccess } from '../engine/effective.js'
import type { Holding } from '../engine/types.js'
import { patternsOverlap } from '../model/grant-rule.js'
import { parseResourcePattern } from '../model/resource.js'
import { riskRank, type Risk } from '../model/risk.js'
import type { DesiredState } from '../model/state.js'
import type { AccessRef, Policy } from '../schema/types.js'
import type { ApprovalRequirement, PolicyFinding } from '../schema/generated/plan.js'
import { compareStrings } from '../util/compare.js'
import type { AccessDelta } from './diff-access.js'

function policiesOf(state: DesiredState): Policy[] {
  return [...state.policies.values()].map((entry) => entry.doc)
}

type Holders = Map<string, { user: string; holdings: Holding[] }>

/** The users (by userKey) who hold `permission`, with the holdings that give it. */
export function holdersOf(access: EffectiveAccess, permission: string): Holders {
  const holders: Holders = new Map()
  for (const [key, { user, holdings }] of access.users) {
    const matching = holdings.filter((holding) => holding.type === 'permission' && holding.permission === permission)
    if (matching.length > 0) holders.set(key, { user, holdings: matching })
  }
  return holders
}

/**
 * `3 active users`, or `3 users (2 not in the store: a, b)` when some of them are only named in the access files
 * (listed members and Grant users nobody provisioned count as users, as break-glass accounts kept outside the IdP must).
 */
function holdersText(holders: Holders, isInStore: (userKey: string) => boolean): string {
  const outside: string[] = []
  for (const [key, { user }] of holders) if (!isInStore(key)) outside.push(user)
  const users = `${holders.size} ${outside.length === 0 ? 'active ' : ''}user${holders.size === 1 ? '' : 's'}`
  return outside.length === 0 ? users : `${users} (${outside.length} not in the store: ${outside.sort(compareStrings).join(', ')})`
}

/** True when the holding gives one side of a separation-of-duty pair. */
export function matchesSide(holding: Holding, side: AccessRef): boolean {
  if (side.permission !== undefined) return holding.type === 'permission' && holding.permission === side.permission
  if (side.role !== undefined) return holding.chain.some((step) => step.kind === 'role' && step.name === side.role)
  if (side.action === undefined || side.resource === undefined || holding.type !== 'grant') return false
  const parsed = parseResourcePattern(side.resource)
  if ('error' in parsed) return false
  const { grant } = holding
  if (!grant.actions.includes('*') && !grant.actions.includes(side.action)) return false
  if (!patternsOverlap(grant.resource, parsed.pattern)) return false
  if (side.env !== undefined && grant.env !== undefined && !grant.env.some((env) => side.env?.includes(env))) return false
  return true
}

function sideText(side: AccessRef): string {
  if (side.permission !== undefined) return side.permission
  if (side.role !== undefined) return `role "${side.role}"`
  return `${side.action ?? ''} ${side.resource ?? ''}${side.env === undefined ? '' : ` in ${side.env.join(', ')}`}`
}

function chainsOf(user: string, holdings: readonly Holding[]): string[] {
  return holdings.map((holding) => `${user}: ${formatChain(holding.chain, holding)}`)
}

/**
 * The share of access a plan removes, for maxRemovalShare. Both sides count atoms as accessAtoms gives them (a
 * permission, or one action of a grant in one environment; a grant without `env` is one atom per action): `removed`
 * is the atoms the losses name (a lost atom is in exactly one loss delta), `total` the distinct atoms each user held
 * before the plan. So widening a grant's environments removes nothing, and one lost action in one environment
 * counts once whatever else the rule gives. Computed once per plan, and `total` only when something is removed.
 */
function removalShare(before: EffectiveAccess, deltas: readonly AccessDelta[]): { removed: number; total: number } {
  let removed = 0
  for (const delta of deltas) if (delta.change === 'loss') removed += atomCountOfKey(delta.key)
  if (removed === 0) return { removed, total: 0 }
  let total = 0
  for (const { holdings } of before.users.values()) {
    if (holdings.length === 1) total += accessAtoms(holdings[0] as Holding).length
    else {
      const atoms = new Set<string>()
      for (const holding of holdings) for (const atom of accessAtoms(holding)) atoms.add(atom)
      total += atoms.size
    }
  }
  return { removed, total }
}

/**
 * Findings of every Policy. A finding this plan causes is an error; one it only leaves in place is a warning.
 * `isInStore` tells users the store knows (by userKey) from those only named in the access files, for the wording.
 */
export function evaluatePolicy(state: DesiredState, before: EffectiveAccess, after: EffectiveAccess, deltas: readonly AccessDelta[], isInStore: (userKey: string) => boolean = () => true): PolicyFinding[] {
  const findings: PolicyFinding[] = []
  let removal: { removed: number; total: number } | undefined
  for (const policy of policiesOf(state)) {
    for (const rule of policy.criticalPermissions ?? []) {
      const now = holdersOf(after, rule.permission)
      const was = holdersOf(before, rule.permission)
      if (rule.minHolders !== undefined && now.size < rule.minHolders) {
        const losses = deltas.filter((delta) => delta.change === 'loss' && delta.key === `permission ${rule.permission}`)
        findings.push({
          severity: now.size < was.size ? 'error' : 'warning',
          code: 'lockout',
          summary: `Only ${holdersText(now, isInStore)} would hold ${rule.permission}; policy "${policy.name}" requires at least ${rule.minHolders}.`,
          paths: losses.flatMap((delta) => chainsOf(delta.user, delta.holdings).map((chain) => `loses ${chain}`)),
        })
      }
      if (rule.maxHolders !== undefined && now.size > rule.maxHolders) {
        const gains = deltas.filter((delta) => delta.change === 'gain' && delta.key === `permission ${rule.permission}`)
        findings.push({
          severity: now.size > was.size ? 'error' : 'warning',
          code: 'too-many-holders',
          summary: `${holdersText(now, isInStore)} would hold ${rule.permission}; policy "${policy.name}" allows at most ${rule.maxHolders}.`,
          paths: (gains.length > 0 ? gains.flatMap((delta) => chainsOf(delta.user, delta.holdings).map((chain) => `gains ${chain}`)) : [...now.values()].flatMap(({ user, holdings }) => chainsOf(user, holdings))).sort(compareStrings),
        })
      }
    }
    for (const rule of policy.separationOfDuty ?? []) {
      const [first, second] = rule.pair
      if (first === undefined || second === undefined) continue
      for (const [key, { user, holdings }] of after.users) {
        const a = holdings.filter((holding) => matchesSide(holding, first))
        const b = holdings.filter((holding) => matchesSide(holding, second))
        if (a.length === 0 || b.length === 0) continue
        // By user key: the displayed userName may be spelt differently before and after.
        const previous = before.users.get(key)?.holdings ?? []
        const already = previous.some((holding) => matchesSide(holding, first)) && previous.some((holding) => matchesSide(holding, second))
        findings.push({
          severity: already ? 'warning' : 'error',
          code: 'separation-of-duty',
          summary: `${user} would hold both ${sideText(first)} and ${sideText(second)}, which "${rule.name}" keeps apart.`,
          paths: [...chainsOf(user, a), ...chainsOf(user, b)],
        })
      }
    }
    if (policy.maxRemovalShare !== undefined) {
      removal ??= removalShare(before, deltas)
      const { removed, total } = removal
      if (total > 0 && removed / total > policy.maxRemovalShare) {
        findings.push({
          severity: 'error',
          code: 'mass-removal',
          summary: `This plan removes ${removed} of ${total} access items (${((100 * removed) / total).toFixed(1)}%); policy "${policy.name}" allows at most ${(100 * policy.maxRemovalShare).toFixed(1)}% in one plan.`,
          paths: [],
        })
      }
    }
  }
  return sortFindings(findings)
}

/** Errors first, then by code and summary: the same findings always print alike. */
export function sortFindings(findings: PolicyFinding[]): PolicyFinding[] {
  return findings.sort((a, b) => compareStrings(a.severity, b.severity) || compareStrings(a.code, b.code) || compareStrings(a.summary, b.summary))
}

/**
 * Approvals needed for changes of the given risks: for each risk, every rule of each policy's highest tier not above it.
 * Validation refuses two rules for one tier, but a state stored before that check may hold them: each must still be
 * met, so a later, looser rule for the same risk can never stand in for a stricter one.
 */
export function requiredApprovals(state: DesiredState, changeRisks: readonly Risk[], members: ReadonlyMap<string, readonly string[]>): ApprovalRequirement[] {
  const byRule = new Map<string, ApprovalRequirement>()
  for (const policy of policiesOf(state)) {
    const rules = policy.approvals ?? []
    for (const risk of changeRisks) {
      let tier: Risk | undefined
      for (const rule of rules) if (riskRank(rule.risk) <= riskRank(risk) && (tier === undefined || riskRank(rule.risk) > riskRank(tier))) tier = rule.risk
      if (tier === undefined) continue
      // Rules of one tier that ask the same are one requirement, counting this change once.
      const counted = new Set<string>()
      for (const rule of rules) {
        if (rule.risk !== tier) continue
        const approvers = rule.approvers.map((approver) => (approver.group !== undefined ? `group:${approver.group}` : `github:${approver.githubTeam ?? ''}`))
        const id = JSON.stringify([policy.name, rule.risk, rule.count, approvers])
        if (counted.has(id)) continue
        counted.add(id)
        const existing = byRule.get(id)
        if (existing !== undefined) {
          existing.changes++
          continue
        }
        const eligible = rule.approvers.flatMap((approver) => (approver.group === undefined ? [] : (members.get(approver.group) ?? [])))
        byRule.set(id, { risk: rule.risk, count: rule.count, approvers, eligible: [...new Set(eligible)].sort(compareStrings), changes: 1 })
      }
    }
  }
  return sortApprovals([...byRule.values()])
}

/** Highest risk first, then by approvers, count and eligible names: the same requirements always print alike. */
export function sortApprovals(requirements: ApprovalRequirement[]): ApprovalRequirement[] {
  return requirements.sort(
    (a, b) => riskRank(b.risk) - riskRank(a.risk) || compareStrings(a.approvers.join(), b.approvers.join()) || a.count - b.count || compareStrings(a.eligible?.join() ?? '', b.eligible?.join() ?? ''),
  )
}

