// What a plan's findings and approvals read from the live directory besides its access delta, recorded in the plan
// so that apply can tell a store that moved in a way that matters from one that merely moved.
import type { EffectiveAccess } from '../engine/effective.js'
import type { DesiredState } from '../model/state.js'
import type { AccessRef } from '../schema/types.js'
import type { PlanDependencies } from '../schema/generated/plan.js'
import { compareStrings } from '../util/compare.js'
import { holdersOf, matchesSide } from './policy.js'

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort(compareStrings)

/** userNames of the users who hold both sides of `pair`, as evaluatePolicy tells them. */
function bothSides(access: EffectiveAccess, first: AccessRef, second: AccessRef): string[] {
  const out: string[] = []
  for (const { user, holdings } of access.users.values()) {
    if (holdings.some((holding) => matchesSide(holding, first)) && holdings.some((holding) => matchesSide(holding, second))) out.push(user)
  }
  return sorted(out)
}

export type DependencyInputs = {
  /** The state whose policies the findings evaluate (the desired one). */
  desired: DesiredState
  before: EffectiveAccess
  after: EffectiveAccess
  /** Members of each approver group as the plan's approvals counted them. */
  approverMembers: ReadonlyMap<string, readonly string[]>
  /** Listed members and Grant users that no connection has provisioned. */
  unknownUsers: readonly string[]
}

/**
 * The plan's dependencies: holders of each critical permission a Policy bounds and of both sides of each
 * separation-of-duty pair, before and after the plan (lockout, holder bounds and separation of duty read them), the
 * approver groups' members (approvals read them) and the unknown users (unknown-user warnings read them). Sorted.
 */
export function planDependencies(inputs: DependencyInputs): PlanDependencies {
  const { desired, before, after } = inputs
  const permissions = new Set<string>()
  const duties = new Map<string, { first: AccessRef; second: AccessRef }>()
  for (const { doc: policy } of desired.policies.values()) {
    for (const rule of policy.criticalPermissions ?? []) permissions.add(rule.permission)
    for (const rule of policy.separationOfDuty ?? []) {
      const [first, second] = rule.pair
      if (first !== undefined && second !== undefined) duties.set(`${policy.name}\u0000${rule.name}`, { first, second })
    }
  }
  const names = (holders: ReturnType<typeof holdersOf>) => sorted([...holders.values()].map(({ user }) => user))
  return {
    criticalHolders: [...permissions].sort(compareStrings).map((permission) => ({ permission, before: names(holdersOf(before, permission)), after: names(holdersOf(after, permission)) })),
    separationOfDuty: [...duties]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([id, { first, second }]) => ({ rule: id.split('\u0000')[1] as string, before: bothSides(before, first, second), after: bothSides(after, first, second) })),
    approverGroups: [...inputs.approverMembers].sort(([a], [b]) => compareStrings(a, b)).map(([group, members]) => ({ group, members: sorted(members) })),
    unknownUsers: sorted(inputs.unknownUsers),
  }
}
