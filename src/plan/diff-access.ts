// Who gains or loses which permission or grant between two effective-access computations, and through which chain.
// Grants are compared one action at a time, so widening `read` to `[read, edit]` shows as gaining `edit`.
import { formatChain, formatHeld, formatGrantRule } from '../engine/chain.js'
import { accessAtoms, grantKey, type EffectiveAccess } from '../engine/effective.js'
import type { Holding } from '../engine/types.js'
import { maxRisk, riskRank, type Risk } from '../model/risk.js'
import { compareStrings } from '../util/compare.js'

export type AccessDelta = {
  user: string
  change: 'gain' | 'loss'
  /** The permission's or grant's key; a grant's lists only the actions gained or lost. */
  key: string
  what: string
  risk: Risk
  /** The holdings behind the change: after the plan for a gain, before it for a loss. */
  holdings: Holding[]
}

/** The risk of one action of a holding; without it, a holding's own risk (that of its riskiest action) is used. */
export type ActionRisk = (holding: Holding, action: string) => Risk

type Atom = { holding: Holding; action: string | undefined }

function atomKeys(holdings: readonly Holding[]): Set<string> {
  const keys = new Set<string>()
  for (const holding of holdings) for (const key of accessAtoms(holding)) keys.add(key)
  return keys
}

/** The atoms of `holdings` whose keys `other` lacks, by key in order of first appearance. */
function atomsMissingFrom(holdings: readonly Holding[], other: ReadonlySet<string>): Atom[][] {
  const map = new Map<string, Atom[]>()
  for (const holding of holdings) {
    const keys = accessAtoms(holding)
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string
      if (other.has(key)) continue
      const atom = { holding, action: holding.type === 'grant' ? holding.grant.actions[index] : undefined }
      const list = map.get(key)
      if (list === undefined) map.set(key, [atom])
      else list.push(atom)
    }
  }
  return [...map.values()]
}

/** Atoms gained (or lost) on one target through the same chains merge back into one delta: `gains [delete, edit] journey:checkout/*`. */
function mergeDeltas(user: string, change: 'gain' | 'loss', atoms: Atom[][], risk: ActionRisk | undefined, out: AccessDelta[]): void {
  const byTarget = new Map<string, { actions: Set<string>; atoms: Atom[] }>()
  for (const group of atoms) {
    const first = group[0]
    if (first === undefined) continue
    // One delta per target and chain set, so every chain shown gives every action shown.
    const chains = [...new Set(group.map((atom) => formatChain(atom.holding.chain)))].sort().join('\u0000')
    const target = `${first.holding.type === 'permission' ? first.holding.key : grantKey({ ...first.holding.grant, actions: [] })}\u0001${chains}`
    const entry = byTarget.get(target) ?? { actions: new Set<string>(), atoms: [] }
    if (first.action !== undefined) entry.actions.add(first.action)
    entry.atoms.push(...group)
    byTarget.set(target, entry)
  }
  for (const { actions, atoms: merged } of byTarget.values()) {
    const first = merged[0]
    if (first === undefined) continue
    const holdings = [...new Set(merged.map((atom) => atom.holding))]
    const riskOf = (atom: Atom) => (atom.action === undefined || risk === undefined ? atom.holding.risk : risk(atom.holding, atom.action))
    const deltaRisk = merged.map(riskOf).reduce(maxRisk)
    if (first.holding.type === 'permission') {
      out.push({ user, change, key: first.holding.key, what: formatHeld(first.holding), risk: deltaRisk, holdings })
      continue
    }
    const grant = { ...first.holding.grant, actions: [...actions].sort() }
    out.push({ user, change, key: grantKey(grant), what: formatGrantRule(grant), risk: deltaRisk, holdings })
  }
}

/** Gains and losses per user, sorted by user, then risk (highest first), then what. */
export function diffAccess(before: EffectiveAccess, after: EffectiveAccess, risk: { before?: ActionRisk; after?: ActionRisk } = {}): AccessDelta[] {
  const deltas: AccessDelta[] = []
  const users = new Set([...before.users.keys(), ...after.users.keys()])
  for (const key of users) {
    const old = before.users.get(key)
    const now = after.users.get(key)
    const oldHoldings = old?.holdings ?? []
    const newHoldings = now?.holdings ?? []
    const oldKeys = atomKeys(oldHoldings)
    const newKeys = atomKeys(newHoldings)
    const user = now?.user ?? old?.user ?? key
    mergeDeltas(user, 'gain', atomsMissingFrom(newHoldings, oldKeys), risk.after, deltas)
    mergeDeltas(user, 'loss', atomsMissingFrom(oldHoldings, newKeys), risk.before, deltas)
  }
  return deltas.sort(
    (a, b) => compareStrings(a.user, b.user) || riskRank(b.risk) - riskRank(a.risk) || compareStrings(a.change, b.change) || compareStrings(a.what, b.what),
  )
}

/** The chains of a delta as text. */
export function deltaChains(delta: AccessDelta): string[] {
  return [...new Set(delta.holdings.map((holding) => formatChain(holding.chain)))].sort(compareStrings)
}
