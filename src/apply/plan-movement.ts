// What moved between a reviewed plan and the plan its documents make against the store now, in words: the per-person
// delta, the document changes, and every input its findings and approvals read. Pure.
import type { AccessChange, ApprovalRequirement, Plan, PlanDependencies, PolicyFinding } from '../schema/generated/plan.js'
import { compareStrings } from '../util/compare.js'

/** What no longer holds, in two parts: the per-person delta, and what the plan judged (or showed) besides it. */
export type PlanMovement = {
  /** The access the plan now shows that the reviewed one did not, and the reverse. */
  delta: string[]
  /** Document changes, holders of critical permissions, separation of duty, approvers, unknown users, findings, approvals. */
  judged: string[]
}

const noDependencies: PlanDependencies = { criticalHolders: [], separationOfDuty: [], approverGroups: [], unknownUsers: [] }

/** True when nothing the reviewed plan showed or judged moved. */
export function isUnmoved(movement: PlanMovement): boolean {
  return movement.delta.length === 0 && movement.judged.length === 0
}

/** `a, b, c`, or the first five and `…`. */
function some(names: readonly string[]): string {
  return `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`
}

function users(names: readonly string[]): string {
  return `${names.length} user${names.length === 1 ? '' : 's'} (${some(names)})`
}

/** What `now` lists that `was` does not, and the reverse, in the order of their lists. */
function moved(was: readonly string[], now: readonly string[]): { added: string[]; dropped: string[] } {
  const before = new Set(was)
  const after = new Set(now)
  return { added: now.filter((name) => !before.has(name)), dropped: was.filter((name) => !after.has(name)) }
}

function deltaLines(reviewed: readonly AccessChange[], now: readonly AccessChange[]): string[] {
  const id = (entry: AccessChange) => `${entry.user}\u0000${entry.change}\u0000${entry.key}`
  const shown = new Set(reviewed.map(id))
  const current = new Set(now.map(id))
  const lines: string[] = []
  const usersOf = new Map<string, string[]>()
  for (const entry of now) {
    if (shown.has(id(entry))) continue
    const via = entry.chains[0]?.split(' → ')[0] ?? 'an unknown path'
    const what = `${entry.change === 'gain' ? 'gain' : 'lose'} ${entry.what} through ${via}`
    usersOf.set(what, [...(usersOf.get(what) ?? []), entry.user])
  }
  for (const [what, names] of [...usersOf].sort(([a], [b]) => compareStrings(a, b))) lines.push(`${users(names)} would now ${what}, which the plan did not show`)
  const shownChains = new Map(reviewed.map((entry) => [id(entry), entry.chains]))
  for (const entry of now) {
    const chains = shownChains.get(id(entry))
    if (chains === undefined) continue
    const { added, dropped } = moved(chains, entry.chains)
    const change = entry.change === 'gain' ? 'gain' : 'lose'
    if (added.length > 0) lines.push(`${entry.user} would now ${change} ${entry.what} through ${added.join('; ')} too, which the plan did not show`)
    if (dropped.length > 0) lines.push(`${entry.user} would no longer ${change} ${entry.what} through ${dropped.join('; ')} as the plan showed`)
  }
  for (const entry of reviewed) if (!current.has(id(entry))) lines.push(`${entry.user} would no longer ${entry.change === 'gain' ? 'gain' : 'lose'} ${entry.what} as the plan showed`)
  return lines
}

function changeLines(reviewed: Plan['changes'], now: Plan['changes']): string[] {
  const id = (change: Plan['changes'][number]) => `${change.action} ${change.kind} "${change.name}"`
  const shown = new Map(reviewed.map((change) => [id(change), change]))
  const current = new Map(now.map((change) => [id(change), change]))
  const lines: string[] = []
  for (const [name, change] of current) {
    const was = shown.get(name)
    if (was === undefined) lines.push(`the plan would now ${name}, which it did not show`)
    else if (was.risk !== change.risk) lines.push(`${name} is now rated ${change.risk}, the plan rated it ${was.risk}`)
    else if (JSON.stringify(was) !== JSON.stringify(change)) lines.push(`${name} now changes other fields than the plan showed`)
  }
  for (const name of shown.keys()) if (!current.has(name)) lines.push(`the plan would no longer ${name} as it showed`)
  return lines
}

/** The chains through which a user would hold a permission once the plan is applied (to say how), as text. */
export type HoldingChains = (user: string, permission: string) => readonly string[]

/** `through okta group "x"` (the first step of the first chain), or nothing when it is not known. */
function through(chains: readonly string[]): string {
  const first = chains[0]?.split(' → ')[0]
  return first === undefined ? '' : ` through ${first}`
}

function holderLines(reviewed: PlanDependencies, now: PlanDependencies, chainsOf: HoldingChains): string[] {
  const lines: string[] = []
  const shown = new Map(reviewed.criticalHolders.map((entry) => [entry.permission, entry]))
  const permissions = [...new Set([...reviewed.criticalHolders, ...now.criticalHolders].map((entry) => entry.permission))].sort(compareStrings)
  for (const permission of permissions) {
    const was = shown.get(permission) ?? { permission, before: [], after: [] }
    const is = now.criticalHolders.find((entry) => entry.permission === permission) ?? { permission, before: [], after: [] }
    const after = moved(was.after, is.after)
    const count = `${is.after.length} holder${is.after.length === 1 ? '' : 's'} of ${permission} once applied, the plan showed ${was.after.length}`
    const byPath = new Map<string, string[]>()
    for (const user of after.added) {
      const via = through(chainsOf(user, permission))
      byPath.set(via, [...(byPath.get(via) ?? []), user])
    }
    for (const [via, names] of [...byPath].sort(([a], [b]) => compareStrings(a, b))) lines.push(`${users(names)} would now hold ${permission}${via}, which the plan did not show (${count})`)
    if (after.dropped.length > 0) lines.push(`${users(after.dropped)} would no longer hold ${permission} as the plan showed (${count})`)
    const before = moved(was.before, is.before)
    if (after.added.length + after.dropped.length === 0 && before.added.length + before.dropped.length > 0) {
      lines.push(`the holders of ${permission} before the plan moved (${[...before.added.map((name) => `+${name}`), ...before.dropped.map((name) => `-${name}`)].join(', ')}), which its findings compare with`)
    }
  }
  return lines
}

function dutyLines(reviewed: PlanDependencies, now: PlanDependencies): string[] {
  const lines: string[] = []
  const rules = [...new Set([...reviewed.separationOfDuty, ...now.separationOfDuty].map((entry) => entry.rule))].sort(compareStrings)
  for (const rule of rules) {
    const was = reviewed.separationOfDuty.filter((entry) => entry.rule === rule)
    const is = now.separationOfDuty.filter((entry) => entry.rule === rule)
    const after = moved(
      was.flatMap((entry) => entry.after),
      is.flatMap((entry) => entry.after),
    )
    const before = moved(
      was.flatMap((entry) => entry.before),
      is.flatMap((entry) => entry.before),
    )
    if (after.added.length > 0) lines.push(`${users(after.added)} would now hold both sides of "${rule}", which the plan did not show`)
    if (after.dropped.length > 0) lines.push(`${users(after.dropped)} would no longer hold both sides of "${rule}" as the plan showed`)
    if (before.added.length + before.dropped.length > 0) lines.push(`who holds both sides of "${rule}" before the plan moved (${[...before.added.map((name) => `+${name}`), ...before.dropped.map((name) => `-${name}`)].join(', ')})`)
  }
  return lines
}

function approverLines(reviewed: PlanDependencies, now: PlanDependencies): string[] {
  const lines: string[] = []
  const groups = [...new Set([...reviewed.approverGroups, ...now.approverGroups].map((entry) => entry.group))].sort(compareStrings)
  for (const group of groups) {
    const was = reviewed.approverGroups.find((entry) => entry.group === group)?.members ?? []
    const is = now.approverGroups.find((entry) => entry.group === group)?.members ?? []
    const { added, dropped } = moved(was, is)
    if (added.length > 0) lines.push(`approver group "${group}" now has ${users(added)} as members, which the plan did not show`)
    if (dropped.length > 0) lines.push(`approver group "${group}" no longer has ${users(dropped)} as members, as the plan showed`)
  }
  return lines
}

function unknownLines(reviewed: PlanDependencies, now: PlanDependencies): string[] {
  const { added, dropped } = moved(reviewed.unknownUsers, now.unknownUsers)
  return [...dropped.map((name) => `${name} is now provisioned, where the plan counted a user only the access files name`), ...added.map((name) => `${name} is no longer provisioned by any connection, as it was when the plan was made`)]
}

function findingLines(reviewed: readonly PolicyFinding[], now: readonly PolicyFinding[]): string[] {
  const id = (finding: PolicyFinding) => `${finding.severity} ${finding.code}: ${finding.summary}`
  const shown = new Map(reviewed.map((finding) => [id(finding), finding]))
  const current = new Map(now.map((finding) => [id(finding), finding]))
  const lines: string[] = []
  for (const [text, finding] of current) {
    const was = shown.get(text)
    if (was === undefined) lines.push(`a finding the plan did not show: ${text}`)
    else if (JSON.stringify(was.paths) !== JSON.stringify(finding.paths)) lines.push(`the chains of a finding moved: ${text}`)
  }
  for (const text of shown.keys()) if (!current.has(text)) lines.push(`a finding the plan showed no longer holds: ${text}`)
  return lines
}

function approvalText(requirement: ApprovalRequirement): string {
  // Without the number of changes it counts: that moves with the delta, said already.
  return `${requirement.risk}: ${requirement.count} approval${requirement.count === 1 ? '' : 's'} from ${requirement.approvers.join(', ')}`
}

function approvalLines(reviewed: readonly ApprovalRequirement[], now: readonly ApprovalRequirement[]): string[] {
  const { added, dropped } = moved(reviewed.map(approvalText), now.map(approvalText))
  return [...added.map((text) => `the plan would now need ${text}`), ...dropped.map((text) => `the plan would no longer need ${text}`)]
}

/**
 * What the reviewed plan showed or judged that `now` (the plan of the same documents against the store as it is)
 * no longer shows. A plan made before rolecall recorded dependencies has none to compare: its findings and
 * approvals are still compared.
 */
export function planMovement(reviewed: Plan, now: Plan, chainsOf: HoldingChains = () => []): PlanMovement {
  const was = reviewed.dependsOn ?? noDependencies
  const is = now.dependsOn ?? noDependencies
  const judged = [
    ...changeLines(reviewed.changes, now.changes),
    ...(reviewed.dependsOn === undefined ? [] : [...holderLines(was, is, chainsOf), ...dutyLines(was, is), ...approverLines(was, is), ...unknownLines(was, is)]),
    ...findingLines(reviewed.findings, now.findings),
  ]
  // Eligible approvers moved with an approver group, said above; requirements move with the risks of the changes.
  const eligible = (requirements: readonly ApprovalRequirement[]) => JSON.stringify(requirements.map((requirement) => requirement.eligible ?? []))
  const approvals = approvalLines(reviewed.approvals, now.approvals)
  if (approvals.length > 0) judged.push(...approvals)
  else if (eligible(reviewed.approvals) !== eligible(now.approvals) && reviewed.dependsOn === undefined) judged.push('the approvers eligible for its approvals moved')
  const delta = deltaLines(reviewed.access, now.access)
  // The summary counts move with the delta and the changes, said already.
  if (delta.length === 0 && judged.length === 0 && JSON.stringify(reviewed.summary) !== JSON.stringify(now.summary)) judged.push('its summary counts moved')
  return { delta, judged }
}
