// Who gains or loses which permission or grant between two effective-access computations, and through which chain.
// Grants are compared one atom at a time, an atom being one action in one environment (see accessAtoms): widening
// `read` to `[read, edit]` shows as gaining `edit`, and widening `env: [staging]` to `[staging, development]` as
// gaining the same actions in `development` only.
import { chainText, chainTextOf, formatHeld, formatGrantRule } from '../engine/chain.js'
import { accessAtoms, atomAction, atomEnv, atomInEveryEnvironment } from '../engine/atoms.js'
import type { EffectiveAccess } from '../engine/effective.js'
import { grantKey } from '../engine/keys.js'
import type { GrantRuleHeld, Holding } from '../engine/types.js'
import { maxRisk, riskRank, type Risk } from '../model/risk.js'
import { compareStrings } from '../util/compare.js'
import { exactParts, partNames, type Atom } from './delta-parts.js'

export type AccessDelta = {
  user: string
  change: 'gain' | 'loss'
  /** The permission's or grant's key; a grant's lists only the actions and environments gained or lost. */
  key: string
  what: string
  /** The highest risk of the atoms gained or lost. */
  risk: Risk
  /** The holdings behind the change: after the plan for a gain, before it for a loss. Shared between deltas: do not modify. */
  holdings: Holding[]
  /** deltaChains of the delta, when diffAccess made it: shared between deltas, do not modify. */
  chains?: readonly string[]
}

/**
 * The risk of one atom of a holding: one action, in environment `env` (absent: every environment the holding
 * reaches). Without it, a holding's own risk (that of its riskiest atom) is used.
 */
export type ActionRisk = (holding: Holding, action: string, env?: string) => Risk

function atomKeys(holdings: readonly Holding[]): Set<string> {
  const keys = new Set<string>()
  for (const holding of holdings) for (const key of accessAtoms(holding)) keys.add(key)
  return keys
}

/**
 * The atoms of `holdings` whose keys `other` lacks, by key in order of first appearance. With `isLoss`, an atom in
 * one environment is not missing when `other` holds the same action on the same target in every environment:
 * dropping a grant's `env` list widens it, and loses nothing.
 */
function atomsMissingFrom(holdings: readonly Holding[], other: ReadonlySet<string>, isLoss = false): Atom[][] {
  const map = new Map<string, Atom[]>()
  for (const holding of holdings) {
    const keys = accessAtoms(holding)
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string
      if (other.has(key)) continue
      if (isLoss && holding.type === 'grant' && holding.grant.env !== undefined && other.has(atomInEveryEnvironment(key) ?? '')) continue
      const atom: Atom = holding.type === 'grant' ? { holding, action: atomAction(holding.grant, index), env: atomEnv(holding.grant, index) } : { holding, action: undefined, env: undefined }
      const list = map.get(key)
      if (list === undefined) map.set(key, [atom])
      else list.push(atom)
    }
  }
  return [...map.values()]
}

/** What a held grant's target is, whatever its actions and environments: the grant key with neither. Kept per holding. */
const targetKeys = new WeakMap<Holding, string>()

function targetKeyOf(holding: Holding): string {
  if (holding.type === 'permission') return holding.key
  let key = targetKeys.get(holding)
  if (key === undefined) {
    const { env: _, ...grant } = holding.grant
    key = grantKey({ ...grant, actions: [] })
    targetKeys.set(holding, key)
  }
  return key
}

/**
 * The key and text of a grant holding narrowed to some of its atoms: `actions` (sorted) in `envs` (sorted; undefined
 * for every environment). Kept per holding, by actions and environments joined with NUL.
 */
const narrowedGrants = new WeakMap<Holding, Map<string, { key: string; what: string }>>()

function narrowedGrant(holding: Holding & { type: 'grant' }, actions: readonly string[], envs: readonly string[] | undefined): { key: string; what: string } {
  let known = narrowedGrants.get(holding)
  if (known === undefined) {
    known = new Map()
    narrowedGrants.set(holding, known)
  }
  const id = envs === undefined ? actions.join('\u0000') : `${actions.join('\u0000')}\u0001${envs.join('\u0000')}`
  let narrowed = known.get(id)
  if (narrowed === undefined) {
    const { env: _, ...rest } = holding.grant
    const grant: GrantRuleHeld = envs === undefined ? { ...rest, actions } : { ...rest, actions, env: envs }
    narrowed = { key: grantKey(grant), what: formatGrantRule(grant) }
    known.set(id, narrowed)
  }
  return narrowed
}

/**
 * The risks of a holding's atoms (by index in accessAtoms) under one ActionRisk: holdings are shared by the many users
 * a chain reaches, so each atom's risk is asked for once per diffAccess call.
 */
type AtomRisks = WeakMap<Holding, Map<string | undefined, Risk>[]>

function atomRisk(atom: Atom, risk: ActionRisk | undefined, risks: AtomRisks): Risk {
  const { holding, action, env } = atom
  if (action === undefined || risk === undefined || holding.type !== 'grant') return holding.risk
  let byAction = risks.get(holding)
  if (byAction === undefined) {
    byAction = []
    risks.set(holding, byAction)
  }
  const actionIndex = holding.grant.actions.indexOf(action)
  let byEnv = byAction[actionIndex]
  if (byEnv === undefined) {
    byEnv = new Map()
    byAction[actionIndex] = byEnv
  }
  let known = byEnv.get(env)
  if (known === undefined) {
    known = risk(holding, action, env)
    byEnv.set(env, known)
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

type Entry = { target: string; chains: string; atoms: Atom[]; alone: readonly string[] | undefined; other: Entry | undefined }

/**
 * Atoms gained (or lost) on one target through the same chains merge back into as few deltas as name exactly what
 * moved: `gains [delete, edit] journey:checkout/* in development, staging`.
 */
function mergeDeltas(user: string, change: 'gain' | 'loss', atoms: Atom[][], risk: ActionRisk | undefined, risks: AtomRisks, out: AccessDelta[], chainLists: ChainLists): void {
  // By target, then chain set (other entries of a target are chained from its first): both are strings kept per
  // holding or chain, so finding them hashes nothing new.
  const byTarget = new Map<string, Entry>()
  const entries: Entry[] = []
  for (const group of atoms) {
    const first = group[0]
    if (first === undefined) continue
    // One delta per target and chain set, so every chain shown gives every atom shown.
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
      entry = { target, chains, atoms: [], alone, other: undefined }
      if (head === undefined) byTarget.set(target, entry)
      else {
        entry.other = head.other
        head.other = entry
      }
      entries.push(entry)
    }
    for (const atom of group) entry.atoms.push(atom)
  }
  for (const { atoms: merged, chains, alone } of entries) {
    const first = merged[0]
    if (first === undefined) continue
    // Every holding merged here has a chain of the set `chains` names, and each chain of the set is one's.
    let chainList = alone ?? chainLists.get(chains)
    if (chainList === undefined) {
      chainList = [...new Set(merged.map((atom) => chainTextOf(atom.holding.chain).text))].sort(compareStrings)
      chainLists.set(chains, chainList)
    }
    for (const part of first.holding.type === 'permission' ? [merged] : exactParts(merged)) {
      const head = part[0] as Atom
      let deltaRisk = atomRisk(head, risk, risks)
      for (let i = 1; i < part.length; i++) deltaRisk = maxRisk(deltaRisk, atomRisk(part[i] as Atom, risk, risks))
      const holdings = holdingsOf(part)
      if (head.holding.type === 'permission') {
        out.push({ user, change, key: head.holding.key, what: formatHeld(head.holding), risk: deltaRisk, holdings, chains: chainList })
        continue
      }
      const { actions, envs } = partNames(part)
      const { key, what } = narrowedGrant(head.holding, actions, envs)
      out.push({ user, change, key, what, risk: deltaRisk, holdings, chains: chainList })
    }
  }
}

/**
 * Sorts deltas by user, then risk (highest first), then change, then what, as a stable sort by those would. Each
 * user's deltas are the run `runs[i]` of `deltas`; the runs are ordered by user, and each run's few deltas by one
 * number per delta (ranks of the distinct texts, compared once) and its place in the run.
 */
function sortDeltas(deltas: AccessDelta[], runs: { user: string; start: number; end: number }[]): AccessDelta[] {
  const whats = [...new Set(deltas.map((delta) => delta.what))].sort(compareStrings)
  const whatRank = new Map(whats.map((what, i) => [what, i]))
  const changes = [...new Set(deltas.map((delta) => delta.change))].sort(compareStrings)
  const changeRank = new Map(changes.map((change, i) => [change, i]))
  const topRisk = riskRank('critical')
  // Risk (highest first), then change, then what, as one number (exact below 2^53 with its place in a run added).
  const rankOf = (delta: AccessDelta) => ((topRisk - riskRank(delta.risk)) * changes.length + (changeRank.get(delta.change) as number)) * whats.length + (whatRank.get(delta.what) as number)
  // Stable: users that compare equal keep the order their runs came in, and are then sorted together. Runs usually
  // come in order (effective access is sorted by user key), which one pass confirms.
  let isInOrder = true
  for (let i = 1; i < runs.length && isInOrder; i++) isInOrder = compareStrings((runs[i - 1] as (typeof runs)[number]).user, (runs[i] as (typeof runs)[number]).user) < 0
  const ordered = isInOrder ? runs : runs.slice().sort((a, b) => compareStrings(a.user, b.user))
  const out: AccessDelta[] = new Array(deltas.length)
  let order = new Float64Array(64)
  let at = 0
  for (let i = 0; i < ordered.length;) {
    let j = i + 1
    while (!isInOrder && j < ordered.length && compareStrings((ordered[i] as (typeof ordered)[number]).user, (ordered[j] as (typeof ordered)[number]).user) === 0) j++
    const part: AccessDelta[] = []
    for (let r = i; r < j; r++) {
      const run = ordered[r] as (typeof ordered)[number]
      for (let d = run.start; d < run.end; d++) part.push(deltas[d] as AccessDelta)
    }
    const count = part.length
    if (order.length < count) order = new Float64Array(count * 2)
    const keys = order.subarray(0, count)
    for (let d = 0; d < count; d++) keys[d] = rankOf(part[d] as AccessDelta) * count + d
    keys.sort()
    for (let d = 0; d < count; d++) out[at++] = part[(keys[d] as number) % count] as AccessDelta
    i = j
  }
  return out
}

/** A delta of one holding, for any user: the same for every user whose other side lacks all its atoms. */
type HoldingDelta = Omit<AccessDelta, 'user'>

/** Where one sideDeltas call found a target: `pass` names the call, `more` the holdings after the first. */
type TargetSeen = { pass: number; first: Holding; more: Holding[] | undefined }

/**
 * One side (gains or losses) of one diffAccess call: its risks, the deltas each holding gives alone when the other
 * side lacks every atom of it (most holdings are shared by many users), and the targets seen, reused from user to user.
 */
type Side = { change: 'gain' | 'loss'; risk: ActionRisk | undefined; risks: AtomRisks; alone: Map<Holding, readonly HoldingDelta[]>; targets: Map<string, TargetSeen>; pass: number }

function sideOf(change: 'gain' | 'loss', risk: ActionRisk | undefined): Side {
  return { change, risk, risks: new WeakMap(), alone: new Map(), targets: new Map(), pass: 0 }
}

/** True when `other` lacks every atom of `holding` (and, for a loss, every atom's every-environment twin). */
function isWhollyMissing(holding: Holding, other: ReadonlySet<string>, isLoss: boolean): boolean {
  if (other.size === 0) return true
  const isEnvLimited = isLoss && holding.type === 'grant' && holding.grant.env !== undefined
  for (const key of accessAtoms(holding)) if (other.has(key) || (isEnvLimited && other.has(atomInEveryEnvironment(key) ?? ''))) return false
  return true
}

const emptyKeys: ReadonlySet<string> = new Set()

/**
 * `user`'s deltas on one side, target by target (in order of first appearance): only holdings of one target merge
 * (see mergeDeltas), so a target's deltas are those of its holdings alone, and those of a target only one holding
 * names, when the other side holds none of it (most targets of a first apply), are made once for every user.
 * Deltas of different targets differ in `what`, so this order sorts (sortDeltas) as the order of the atoms would.
 */
function sideDeltas(user: string, holdings: readonly Holding[], other: ReadonlySet<string>, side: Side, out: AccessDelta[], chainLists: ChainLists): void {
  if (holdings.length === 0) return
  const isLoss = side.change === 'loss'
  const pass = ++side.pass
  const seen: TargetSeen[] = []
  for (const holding of holdings) {
    const target = targetKeyOf(holding)
    const known = side.targets.get(target)
    if (known === undefined) {
      const entry: TargetSeen = { pass, first: holding, more: undefined }
      side.targets.set(target, entry)
      seen.push(entry)
    } else if (known.pass !== pass) {
      known.pass = pass
      known.first = holding
      known.more = undefined
      seen.push(known)
    } else (known.more ??= []).push(holding)
  }
  for (const { first, more } of seen) {
    if (more !== undefined || !isWhollyMissing(first, other, isLoss)) {
      mergeDeltas(user, side.change, atomsMissingFrom(more === undefined ? [first] : [first, ...more], other, isLoss), side.risk, side.risks, out, chainLists)
      continue
    }
    let made = side.alone.get(first)
    if (made === undefined) {
      const deltas: AccessDelta[] = []
      mergeDeltas('', side.change, atomsMissingFrom([first], emptyKeys, isLoss), side.risk, side.risks, deltas, chainLists)
      made = deltas.map(({ user: _, ...delta }) => delta)
      side.alone.set(first, made)
    }
    for (const { change, key, what, risk, holdings: behind, chains } of made) out.push(chains === undefined ? { user, change, key, what, risk, holdings: behind } : { user, change, key, what, risk, holdings: behind, chains })
  }
}

/** Gains and losses per user, sorted by user, then risk (highest first), then what. */
export function diffAccess(before: EffectiveAccess, after: EffectiveAccess, risk: { before?: ActionRisk; after?: ActionRisk } = {}): AccessDelta[] {
  const deltas: AccessDelta[] = []
  const runs: { user: string; start: number; end: number }[] = []
  const chainLists: ChainLists = new Map()
  const gains = sideOf('gain', risk.after)
  const losses = sideOf('loss', risk.before)
  const empty = emptyKeys
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
    sideDeltas(user, newHoldings, oldKeys, gains, deltas, chainLists)
    sideDeltas(user, oldHoldings, newKeys, losses, deltas, chainLists)
    if (deltas.length > start) runs.push({ user, start, end: deltas.length })
  }
  return sortDeltas(deltas, runs)
}

/** The chains of a delta as text, sorted. The list may be shared with other deltas: do not modify it. */
export function deltaChains(delta: AccessDelta): string[] {
  if (delta.chains !== undefined) return delta.chains as string[]
  return [...new Set(delta.holdings.map((holding) => chainText(holding.chain)))].sort(compareStrings)
}
