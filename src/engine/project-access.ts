// The engine's one entry point for a plan: a state projected on a directory (who is in which group, what that
// gives them, at which risk), the directory indexed once for every state projected on it.
import type { Risk } from '../model/risk.js'
import type { DesiredState } from '../model/state.js'
import { compareStrings } from '../util/compare.js'
import { affectedUsers, type StateView } from './affected.js'
import { BundleBuilder } from './bundles.js'
import { idpGroupsOf, indexDirectory, memberPaths, memberPathsResolver, membersOfGroups, type DirectoryIndex, type Paths } from './directory-index.js'
import { computeEffectiveAccess, type EffectiveAccess } from './effective.js'
import { identitiesOf } from './identity.js'
import type { BreakGlassGrant, Directory, Holding } from './types.js'

/** Indexes kept per directory and identities, so that every state projected on one directory shares its index. */
const indexes = new WeakMap<Directory, Map<string, DirectoryIndex>>()

/** A desired (or applied) state, with a Catalog, on one directory. Holdings it hands out are shared: treat them as read-only. */
export class AccessProjection {
  private readonly index: DirectoryIndex
  private readonly bundles: BundleBuilder
  /** Every member's paths of a group, resolved when asked for: usersAffected asks only for groups that changed. */
  private readonly resolver: ReturnType<typeof memberPathsResolver>
  /** The paths of everyone, once access was computed for everyone: approver groups then count members by them. */
  private everyonesPaths: Map<string, Paths> | undefined

  constructor(
    readonly state: DesiredState,
    private readonly directory: Directory,
    usersInReadOrder: Directory['users'],
  ) {
    const identities = identitiesOf(state)
    let byIdentities = indexes.get(directory)
    if (byIdentities === undefined) {
      byIdentities = new Map()
      indexes.set(directory, byIdentities)
    }
    let index = byIdentities.get(identities.signature)
    if (index === undefined) {
      index = indexDirectory(directory, identities, usersInReadOrder)
      byIdentities.set(identities.signature, index)
    }
    this.index = index
    this.bundles = new BundleBuilder(state)
    this.resolver = memberPathsResolver(state, index)
  }

  /** The risk of one atom under this state's catalog and policy risk rules (a grant of one atom keeps its own risk). */
  atomRisk(holding: Holding, action: string, env?: string): Risk {
    return this.bundles.actionRisk(holding, action, env)
  }

  /** The risk this state's rules give an atom of a holding from any state; undefined when it does not resolve here. */
  riskHere(holding: Holding, action: string, env?: string): Risk | undefined {
    return this.bundles.riskHere(holding, action, env)
  }

  /** The highest risk of what a Role, Service, Group or Grant of this state declares; undefined when it declares nothing. */
  declaredRisk(kind: string, name: string): Risk | undefined {
    return this.bundles.declaredRisk(kind, name)
  }

  /**
   * userKeys whose effective access may differ between `before` (on the same directory) and this projection (a
   * superset), or undefined when anyone's may: then compute everyone. `changedDocuments`: `Kind\u0000name` of every
   * document that differs between the two states.
   */
  usersAffectedSince(before: AccessProjection, breakGlass: readonly BreakGlassGrant[], now: Date, changedDocuments: ReadonlySet<string>): Set<string> | undefined {
    // Other identities make other people (keys): everyone's access is compared.
    if (before.index.identities.signature !== this.index.identities.signature) return undefined
    return affectedUsers(before.view(), this.view(), breakGlass, now, changedDocuments)
  }

  private view(): StateView {
    return { state: this.state, builder: this.bundles, paths: { get: this.resolver.resolve } }
  }

  /** Effective access of everyone, or of `onlyUsers` (userKeys) alone. */
  access(options: { now: Date; breakGlass: readonly BreakGlassGrant[]; onlyUsers?: ReadonlySet<string> }): EffectiveAccess {
    const { now, breakGlass, onlyUsers } = options
    // The paths the computation walks: those of `onlyUsers` alone when given.
    const paths = memberPaths(this.state, this.index, onlyUsers)
    if (onlyUsers === undefined) this.everyonesPaths = paths
    return computeEffectiveAccess(this.state, this.directory, { now, breakGlass, index: this.index, bundles: this.bundles, paths, ...(onlyUsers === undefined ? {} : { onlyUsers }) })
  }

  /** The active members (display userNames, sorted) of the groups `only`, nested groups included. */
  membersOf(only: ReadonlySet<string>): Map<string, string[]> {
    if (only.size === 0) return new Map()
    const everyones = this.everyonesPaths
    const paths = new Map<string, Paths>()
    for (const name of this.state.groups.keys()) if (only.has(name)) paths.set(name, everyones === undefined ? this.resolver.resolve(name) : (everyones.get(name) ?? new Map()))
    return membersOfGroups(this.state, this.directory, { index: this.index, paths, only })
  }

  /** IdP groups provisioned but mapped by no group of the state, and groups whose IdP group is not provisioned yet. */
  idpGroupMapping(): { unmapped: string[]; missing: string[] } {
    const mapped = new Set<string>()
    const missing: string[] = []
    for (const { doc: group } of this.state.groups.values()) {
      const scim = group.source.scim
      if (scim === undefined) continue
      const matches = idpGroupsOf(this.index, scim)
      for (const match of matches) mapped.add(match.id)
      if (matches.length === 0) missing.push(`${group.name} (${scim.connection}/${scim.externalId ?? scim.displayName ?? ''})`)
    }
    const unmapped = this.directory.groups.filter((group) => !mapped.has(group.id)).map((group) => `${group.connection}/${group.displayName}`)
    return { unmapped: [...new Set(unmapped)].sort(compareStrings), missing: missing.sort(compareStrings) }
  }

  /** True when some connection provisioned a user of this userKey. */
  isProvisioned(key: string): boolean {
    return this.index.activity.has(key)
  }

  /** True when no connection has provisioned anyone. */
  get isDirectoryEmpty(): boolean {
    return this.index.activity.size === 0
  }
}

/**
 * `state` (which must have a Catalog) projected on `directory`. `usersInReadOrder`: the directory's users in the
 * order they were read, faster to walk than another order at 100k+ users (what the projection holds does not
 * depend on it).
 */
export function projectAccess(state: DesiredState, directory: Directory, options: { usersInReadOrder?: Directory['users'] } = {}): AccessProjection {
  return new AccessProjection(state, directory, options.usersInReadOrder ?? directory.users)
}
