// Who gains or loses which permission or grant between two effective-access computations, and through which chain.
// Grants are compared one action at a time, so widening `read` to `[read, edit]` shows as gaining `edit`.
import { chainText, chainTextOf, formatHeld, formatGrantRule } from '../engine/chain.js'
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
  /** The holdings behind the change: after the plan for a gain, before it for a loss. Shared between deltas: do not modify. */
  holdings: Holding[]
  /** deltaChains of the delta, when diffAccess made it: shared between deltas, do not modify. */
  chains?: readonly string[]
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

/** What a held grant's target is, whatever its actions: the grant key with no actions. Kept per holding. */
const targetKeys = new WeakMap<Holding, string>()

function targetKeyOf(holding: Holding): string {
  if (holding.type === 'permission') return holding.key
  let key = targetKeys.get(holding)
  if (key === undefined) {
    key = grantKey({ ...holding.grant, actions: [] })
    targetKeys.set(holding, key)
  }
  return key
}

/** The key and text of a grant holding narrowed to some of its actions (sorted), by the actions joined with NUL. */
const narrowedGrants = new WeakMap<Holding, Map<string, { key: string; what: string }>>()

function narrowedGrant(holding: Holding & { type: 'grant' }, actionSet: ReadonlySet<string>): { key: string; what: string } {
  let byActions = narrowedGrants.get(holding)
  if (byActions === undefined) {
    byActions = new Map()
    narrowedGrants.set(holding, byActions)
  }
  const actions = actionSet.size === 1 ? undefined : [...actionSet].sort()
  const id = actions === undefined ? (actionSet.values().next().value as string) : actions.join('\u0000')
  let known = byActions.get(id)
  if (known === undefined) {
    const grant = { ...holding.grant, actions: actions ?? [id] }
    known = { key: grantKey(grant), what: formatGrantRule(grant) }
    byActions.set(id, known)
  }
  return known
}

/**
 * The chain texts of one diffAccess call's deltas, sorted for output (deltaChains), one shared list per distinct set
 * of chains: by the set's texts in code-unit order joined with NUL.
 */
type ChainLists = Map<string, readonly string[]>

/** A list of just one holding, kept per holding: most deltas come from one holding, shared by many users. */
const aloneHoldings = new WeakMap<Holding, Holding[]>()

function holdingsOf(merged: readonly Atom[]): Holding[] {
  const first = (merged[0] as Atom).holding
  let isAlone = true
  for (let i = 1; i < merged.length && isAlone; i++) isAlone = (merged[i] as Atom).holding === first
  if (!isAlone) return [...new Set(merged.map((atom) => atom.holding))]
  let list = aloneHoldings.get(first)
  if (list === undefined) {
    list = [first]
    aloneHoldings.set(first, list)
  }
  return list
}

type Entry = { target: string; chains: string; actions: Set<string>; atoms: Atom[]; alone: readonly string[] | undefined; other: Entry | undefined }

/** Atoms gained (or lost) on one target through the same chains merge back into one delta: `gains [delete, edit] journey:checkout/*`. */
function mergeDeltas(user: string, change: 'gain' | 'loss', atoms: Atom[][], risk: ActionRisk | undefined, out: AccessDelta[], chainLists: ChainLists): void {
  // By target, then chain set (other entries of a target are chained from its first): both are strings kept per
  // holding or chain, so finding them hashes nothing new.
  const byTarget = new Map<string, Entry>()
  const entries: Entry[] = []
  for (const group of atoms) {
    const first = group[0]
    if (first === undefined) continue
    // One delta per target and chain set, so every chain shown gives every action shown.
    const firstChain = chainTextOf(first.holding.chain)
    let chains = firstChain.text
    // The chain list of a delta through one chain only.
    let alone: readonly string[] | undefined = firstChain.alone
    if (group.length > 1) {
      const texts = new Set<string>()
      for (const atom of group) texts.add(chainTextOf(atom.holding.chain).text)
      if (texts.size > 1) {
        chains = [...texts].sort().join('\u0000')
        alone = undefined
      }
    }
    const target = targetKeyOf(first.holding)
    const head = byTarget.get(target)
    let entry = head
    while (entry !== undefined && entry.chains !== chains) entry = entry.other
    if (entry === undefined) {
      entry = { target, chains, actions: new Set<string>(), atoms: [], alone, other: undefined }
      if (head === undefined) byTarget.set(target, entry)
      else {
        entry.other = head.other
        head.other = entry
      }
      entries.push(entry)
    }
    if (first.action !== undefined) entry.actions.add(first.action)
    for (const atom of group) entry.atoms.push(atom)
  }
  for (const { actions, atoms: merged, chains, alone } of entries) {
    const first = merged[0]
    if (first === undefined) continue
    const holdings = holdingsOf(merged)
    let deltaRisk: Risk | undefined
    for (const atom of merged) {
      const atomRisk = atom.action === undefined || risk === undefined ? atom.holding.risk : risk(atom.holding, atom.action)
      deltaRisk = deltaRisk === undefined ? atomRisk : maxRisk(deltaRisk, atomRisk)
    }
    // Every holding merged here has a chain of the set `chains` names, and each chain of the set is one's.
    let chainList = alone ?? chainLists.get(chains)
    if (chainList === undefined) {
      chainList = [...new Set(holdings.map((holding) => chainTextOf(holding.chain).text))].sort(compareStrings)
      chainLists.set(chains, chainList)
    }
    if (first.holding.type === 'permission') {
      out.push({ user, change, key: first.holding.key, what: formatHeld(first.holding), risk: deltaRisk as Risk, holdings, chains: chainList })
      continue
    }
    const { key, what } = narrowedGrant(first.holding, actions)
    out.push({ user, change, key, what, risk: deltaRisk as Risk, holdings, chains: chainList })
  }
}

/**
 * Sorts deltas by user, then risk (highest first), then change, then what, as a stable sort by those would. Each
 * user's deltas are the run `runs[i]` of `deltas`; the runs are ordered by user, and each run's few deltas by
 * ranks of the distinct texts compared once.
 */
function sortDeltas(deltas: AccessDelta[], runs: { user: string; start: number; end: number }[]): AccessDelta[] {
  const whats = [...new Set(deltas.map((delta) => delta.what))].sort(compareStrings)
  const whatRank = new Map(whats.map((what, i) => [what, i]))
  const changes = [...new Set(deltas.map((delta) => delta.change))].sort(compareStrings)
  const changeRank = new Map(changes.map((change, i) => [change, i]))
  const byRest = (a: AccessDelta, b: AccessDelta) =>
    riskRank(b.risk) - riskRank(a.risk) || (changeRank.get(a.change) as number) - (changeRank.get(b.change) as number) || (whatRank.get(a.what) as number) - (whatRank.get(b.what) as number)
  // Stable: users that compare equal keep the order their runs came in, and are then sorted together.
  const ordered = runs.slice().sort((a, b) => compareStrings(a.user, b.user))
  const out: AccessDelta[] = new Array(deltas.length)
  let at = 0
  for (let i = 0; i < ordered.length; ) {
    let j = i + 1
    while (j < ordered.length && compareStrings((ordered[i] as (typeof ordered)[number]).user, (ordered[j] as (typeof ordered)[number]).user) === 0) j++
    const part: AccessDelta[] = []
    for (let r = i; r < j; r++) {
      const run = ordered[r] as (typeof ordered)[number]
      for (let d = run.start; d < run.end; d++) part.push(deltas[d] as AccessDelta)
    }
    part.sort(byRest)
    for (const delta of part) out[at++] = delta
    i = j
  }
  return out
}

/** Gains and losses per user, sorted by user, then risk (highest first), then what. */
export function diffAccess(before: EffectiveAccess, after: EffectiveAccess, risk: { before?: ActionRisk; after?: ActionRisk } = {}): AccessDelta[] {
  const deltas: AccessDelta[] = []
  const runs: { user: string; start: number; end: number }[] = []
  const chainLists: ChainLists = new Map()
  const empty: ReadonlySet<string> = new Set()
  const users = new Set([...before.users.keys(), ...after.users.keys()])
  for (const key of users) {
    const old = before.users.get(key)
    const now = after.users.get(key)
    const oldHoldings = old?.holdings ?? []
    const newHoldings = now?.holdings ?? []
    // A side's keys are read only to find what the other side lacks.
    const oldKeys = oldHoldings.length === 0 || newHoldings.length === 0 ? empty : atomKeys(oldHoldings)
    const newKeys = newHoldings.length === 0 || oldHoldings.length === 0 ? empty : atomKeys(newHoldings)
    const user = now?.user ?? old?.user ?? key
    const start = deltas.length
    mergeDeltas(user, 'gain', atomsMissingFrom(newHoldings, oldKeys), risk.after, deltas, chainLists)
    mergeDeltas(user, 'loss', atomsMissingFrom(oldHoldings, newKeys), risk.before, deltas, chainLists)
    if (deltas.length > start) runs.push({ user, start, end: deltas.length })
  }
  return sortDeltas(deltas, runs)
}

/** The chains of a delta as text, sorted. The list may be shared with other deltas: do not modify it. */
export function deltaChains(delta: AccessDelta): string[] {
  if (delta.chains !== undefined) return delta.chains as string[]
  return [...new Set(delta.holdings.map((holding) => chainText(holding.chain)))].sort(compareStrings)
}
