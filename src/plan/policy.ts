// Policy on the projected state: lockout and holder bounds, separation of duty, mass removal, and approvals per risk.
import { formatChain } from '../engine/chain.js'
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

function holdersOf(access: EffectiveAccess, permission: string): Map<string, Holding[]> {
  const holders = new Map<string, Holding[]>()
  for (const { user, holdings } of access.users.values()) {
    const matching = holdings.filter((holding) => holding.type === 'permission' && holding.permission === permission)
    if (matching.length > 0) holders.set(user, matching)
  }
  return holders
}

function matchesSide(holding: Holding, side: AccessRef): boolean {
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

/** Findings of every Policy. A finding this plan causes is an error; one it only leaves in place is a warning. */
export function evaluatePolicy(state: DesiredState, before: EffectiveAccess, after: EffectiveAccess, deltas: readonly AccessDelta[]): PolicyFinding[] {
  const findings: PolicyFinding[] = []
  for (const policy of policiesOf(state)) {
    for (const rule of policy.criticalPermissions ?? []) {
      const now = holdersOf(after, rule.permission)
      const was = holdersOf(before, rule.permission)
      if (rule.minHolders !== undefined && now.size < rule.minHolders) {
        const losses = deltas.filter((delta) => delta.change === 'loss' && delta.key === `permission ${rule.permission}`)
        findings.push({
          severity: now.size < was.size ? 'error' : 'warning',
          code: 'lockout',
          summary: `Only ${now.size} active user${now.size === 1 ? '' : 's'} would hold ${rule.permission}; policy "${policy.name}" requires at least ${rule.minHolders}.`,
          paths: losses.flatMap((delta) => chainsOf(delta.user, delta.holdings).map((chain) => `loses ${chain}`)),
        })
      }
      if (rule.maxHolders !== undefined && now.size > rule.maxHolders) {
        const gains = deltas.filter((delta) => delta.change === 'gain' && delta.key === `permission ${rule.permission}`)
        findings.push({
          severity: now.size > was.size ? 'error' : 'warning',
          code: 'too-many-holders',
          summary: `${now.size} active users would hold ${rule.permission}; policy "${policy.name}" allows at most ${rule.maxHolders}.`,
          paths: (gains.length > 0 ? gains.flatMap((delta) => chainsOf(delta.user, delta.holdings).map((chain) => `gains ${chain}`)) : [...now].flatMap(([user, holdings]) => chainsOf(user, holdings))).sort(compareStrings),
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
      const total = [...before.users.values()].reduce((sum, entry) => sum + new Set(entry.holdings.map((holding) => holding.key)).size, 0)
      const removed = deltas.filter((delta) => delta.change === 'loss').length
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
  return findings.sort((a, b) => compareStrings(a.severity, b.severity) || compareStrings(a.code, b.code) || compareStrings(a.summary, b.summary))
}

/** Approvals needed for changes of the given risks: for each risk, every policy's rule of the highest risk not above it. */
export function requiredApprovals(state: DesiredState, changeRisks: readonly Risk[], members: ReadonlyMap<string, readonly string[]>): ApprovalRequirement[] {
  const byRule = new Map<string, ApprovalRequirement>()
  for (const policy of policiesOf(state)) {
    const rules = [...(policy.approvals ?? [])].sort((a, b) => riskRank(b.risk) - riskRank(a.risk))
    for (const risk of changeRisks) {
      const rule = rules.find((candidate) => riskRank(candidate.risk) <= riskRank(risk))
      if (rule === undefined) continue
      const approvers = rule.approvers.map((approver) => (approver.group !== undefined ? `group:${approver.group}` : `github:${approver.githubTeam ?? ''}`))
      const id = `${policy.name}\u0000${rule.risk}`
      const existing = byRule.get(id)
      if (existing !== undefined) {
        existing.changes++
        continue
      }
      const eligible = rule.approvers.flatMap((approver) => (approver.group === undefined ? [] : (members.get(approver.group) ?? [])))
      byRule.set(id, { risk: rule.risk, count: rule.count, approvers, eligible: [...new Set(eligible)].sort(compareStrings), changes: 1 })
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

