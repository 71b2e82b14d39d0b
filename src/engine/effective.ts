// DesiredState + directory (users, IdP groups, memberships) → the access every active user holds, with provenance.
import type { DesiredState } from '../model/state.js'
import { compareStrings } from '../util/compare.js'
import { BundleBuilder, breakGlassHolding, grantHolding } from './bundles.js'
import { formatChain } from './chain.js'
import { indexDirectory, memberPaths, type DirectoryIndex, type Paths } from './directory-index.js'
import { identitiesOf, type Identities } from './identity.js'
import type { BreakGlassGrant, Chain, Directory, Holding, UserAccess } from './types.js'

// The names that importers of effective access have always found here.
export { accessAtoms, atomAction, atomCountOfKey, atomEnv, atomInEveryEnvironment, atomsOfKey } from './atoms.js'
export { grantKey, permissionKey, userKey } from './keys.js'

export type EffectiveAccess = {
  /** Active users by userKey, each holding at least one thing. Sorted by key. */
  users: Map<string, UserAccess>
  /** userKeys of users who exist in the directory but are inactive everywhere. */
  inactive: Set<string>
}

export type EffectiveOptions = {
  now: Date
  breakGlass?: readonly BreakGlassGrant[]
  /** A builder for the same state, reused across calls (the check API keeps one per applied revision). */
  bundles?: BundleBuilder
  /** The directory, indexed (indexDirectory of the same directory). */
  index?: DirectoryIndex
  /** memberPaths of the same state and directory. */
  paths?: Map<string, Paths>
  /** Compute only these users (by userKey); the others are left out of the result. */
  onlyUsers?: ReadonlySet<string>
}

/**
 * Sorts every list by key, then chain text. Holdings are shared between users, so each distinct one is
 * ranked once (ties keep one rank, so the stable sort keeps their order as before).
 */
function sortHoldings(lists: Iterable<Holding[]>, distinct: Iterable<Holding>): void {
  const texts = new Map<Holding, string>()
  for (const holding of distinct) if (!texts.has(holding)) texts.set(holding, formatChain(holding.chain))
  // Holdings share few keys and chain texts: each distinct string is ordered once with the collator.
  const rankOf = (strings: Iterable<string>) => new Map([...new Set(strings)].sort(compareStrings).map((text, i) => [text, i]))
  const keyRank = rankOf([...texts.keys()].map((holding) => holding.key))
  const textRank = rankOf(texts.values())
  // A holding's rank is the number of holdings before it in (key, chain text) order, ties sharing one rank: found by
  // binary search among the sorted numbers key rank × text count + text rank (exact below 2^53).
  const holdings = [...texts]
  const values = new Float64Array(holdings.length)
  for (let i = 0; i < holdings.length; i++) {
    const [holding, text] = holdings[i] as [Holding, string]
    values[i] = (keyRank.get(holding.key) ?? 0) * textRank.size + (textRank.get(text) ?? 0)
  }
  const sorted = values.slice().sort()
  const rank = new Map<Holding, number>()
  for (let i = 0; i < holdings.length; i++) {
    const value = values[i] as number
    let low = 0
    let high = sorted.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if ((sorted[middle] as number) < value) low = middle + 1
      else high = middle
    }
    rank.set((holdings[i] as [Holding, string])[0], low)
  }
  // A stable sort by rank: each entry's rank and position in one number, sorted as a typed array.
  let order = new Float64Array(64)
  for (const list of lists) {
    const count = list.length
    if (count < 2) continue
    if (order.length < count) order = new Float64Array(count * 2)
    const keys = order.subarray(0, count)
    let isSorted = true
    for (let i = 0; i < count; i++) {
      keys[i] = (rank.get(list[i] as Holding) ?? 0) * count + i
      if (i > 0 && (keys[i] as number) < (keys[i - 1] as number)) isSorted = false
    }
    if (isSorted) continue
    keys.sort()
    const original = list.slice()
    for (let i = 0; i < count; i++) list[i] = original[(keys[i] as number) % count] as Holding
  }
}

/**
 * Compute effective access. Pure: the same inputs give the same (sorted) output. Holding objects may be shared
 * between users: treat them as read-only.
 */
export function computeEffectiveAccess(state: DesiredState, directory: Directory, options: EffectiveOptions): EffectiveAccess {
  const { now, onlyUsers } = options
  const identities = identitiesOf(state)
  const index = options.index ?? indexDirectory(directory, identities)
  // A userName is active when any of its records is active; users only listed in YAML (never provisioned) count as active.
  const unprovisionedNames = new Map<string, string>()
  const isActiveKey = (key: string) => index.activity.get(key) ?? true

  const builder = options.bundles ?? new BundleBuilder(state)
  const holdings = new Map<string, Holding[]>()
  const distinct: Holding[] = []
  const give = (user: string, items: readonly Holding[]) => {
    if (onlyUsers !== undefined && !onlyUsers.has(user)) return
    if (!isActiveKey(user)) return
    const list = holdings.get(user)
    if (list === undefined) holdings.set(user, [...items])
    else for (const item of items) list.push(item)
  }
  for (const [groupName, paths] of options.paths ?? memberPaths(state, index)) {
    const group = state.groups.get(groupName)?.doc
    if (group === undefined || paths.size === 0) continue
    const bundle = builder.bundle(group)
    if (bundle.length === 0) continue
    // Members reached by the same chain get the same holdings.
    const byChain = new Map<Chain, Holding[]>()
    for (const [user, chains] of paths) {
      if (onlyUsers !== undefined && !onlyUsers.has(user)) continue
      for (const chain of chains) {
        let items = byChain.get(chain)
        if (items === undefined) {
          items = bundle.map((template) => ({ ...template, chain: [...chain, ...template.chain] }))
          byChain.set(chain, items)
          for (const item of items) distinct.push(item)
        }
        give(user, items)
      }
    }
  }
  // People never provisioned are shown as their grants spell them: the first spelling in sorted order.
  const nameUnprovisioned = (key: string, name: string) => {
    if (index.userNames.has(key)) return
    const current = unprovisionedNames.get(key)
    if (current === undefined || compareStrings(name, current) < 0) unprovisionedNames.set(key, name)
  }
  // Grants of users left out are neither held nor ranked: leaving them out keeps the others' relative order.
  for (const { doc: grant } of state.grants.values()) {
    const key = identities.personKey(grant.user, grant.connection)
    if (onlyUsers !== undefined && !onlyUsers.has(key)) continue
    const held = grantHolding(builder, grant, now)
    if (held === undefined) continue
    nameUnprovisioned(key, identities.personName(grant.user, grant.connection))
    distinct.push(held)
    give(key, [held])
  }
  for (const breakGlass of options.breakGlass ?? []) {
    const key = breakGlassKey(identities, index, breakGlass.user)
    if (onlyUsers !== undefined && !onlyUsers.has(key)) continue
    const held = breakGlassHolding(builder, breakGlass, now)
    if (held === undefined) continue
    nameUnprovisioned(key, identities.personName(breakGlass.user, undefined))
    distinct.push(held)
    give(key, [held])
  }
  sortHoldings(holdings.values(), distinct)
  const users = new Map<string, UserAccess>()
  for (const key of [...holdings.keys()].sort(compareStrings)) {
    users.set(key, { user: index.userNames.get(key) ?? unprovisionedNames.get(key) ?? key, holdings: holdings.get(key) ?? [] })
  }
  const inactive = new Set<string>()
  for (const [key, isActive] of index.activity) if (!isActive) inactive.add(key)
  return { users, inactive }
}

/**
 * The person a break-glass grant is for. It names a userName only: where that alone does not name a person, the
 * grant is the one person of that userName the directory holds, and nobody's when several identities hold one
 * (or none does), rather than everyone's of that name.
 */
export function breakGlassKey(identities: Identities, index: Pick<DirectoryIndex, 'keysOfName'>, user: string): string {
  if (!identities.isSeveral) return identities.personKey(user, undefined)
  const keys = index.keysOfName.get(user.toLowerCase())
  return keys?.length === 1 ? (keys[0] as string) : identities.personKey(user, undefined)
}
