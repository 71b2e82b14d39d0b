// Who gains or loses which permission or grant between two effective-access computations, and through which chain.
import { formatChain, formatHeld } from '../engine/chain.js'
import type { EffectiveAccess } from '../engine/effective.js'
import type { Holding } from '../engine/types.js'
import { maxRisk, riskRank, type Risk } from '../model/risk.js'
import { compareStrings } from '../util/compare.js'

export type AccessDelta = {
  user: string
  change: 'gain' | 'loss'
  key: string
  what: string
  risk: Risk
  /** The holdings behind the change: after the plan for a gain, before it for a loss. */
  holdings: Holding[]
}

function byKey(holdings: readonly Holding[]): Map<string, Holding[]> {
  const map = new Map<string, Holding[]>()
  for (const holding of holdings) {
    const list = map.get(holding.key)
    if (list === undefined) map.set(holding.key, [holding])
    else list.push(holding)
  }
  return map
}

/** Gains and losses per user, sorted by user, then risk (highest first), then what. */
export function diffAccess(before: EffectiveAccess, after: EffectiveAccess): AccessDelta[] {
  const deltas: AccessDelta[] = []
  const users = new Set([...before.users.keys(), ...after.users.keys()])
  for (const key of users) {
    const old = before.users.get(key)
    const now = after.users.get(key)
    const oldKeys = byKey(old?.holdings ?? [])
    const newKeys = byKey(now?.holdings ?? [])
    const user = now?.user ?? old?.user ?? key
    const push = (change: 'gain' | 'loss', holdings: Holding[]) => {
      const first = holdings[0]
      if (first === undefined) return
      deltas.push({ user, change, key: first.key, what: formatHeld(first), risk: holdings.map((holding) => holding.risk).reduce(maxRisk), holdings })
    }
    for (const [heldKey, holdings] of newKeys) if (!oldKeys.has(heldKey)) push('gain', holdings)
    for (const [heldKey, holdings] of oldKeys) if (!newKeys.has(heldKey)) push('loss', holdings)
  }
  return deltas.sort(
    (a, b) => compareStrings(a.user, b.user) || riskRank(b.risk) - riskRank(a.risk) || compareStrings(a.change, b.change) || compareStrings(a.what, b.what),
  )
}

/** The chains of a delta as text. */
export function deltaChains(delta: AccessDelta): string[] {
  return [...new Set(delta.holdings.map((holding) => formatChain(holding.chain)))].sort(compareStrings)
}
