// Effective access one user at a time, on one desired (or applied) state: the check API's per-request path.
// What each IdP group brings (through the groups that map it and every group above those) is worked out once
// and shared, so one user costs a lookup per IdP group they are in, not a pass over the organization. The
// result, sorted, is the same as computeEffectiveAccess's for that user, holding for holding and in the same order.
import type { Declared, DesiredState } from '../model/state.js'
import type { Grant } from '../schema/types.js'
import { compareStrings } from '../util/compare.js'
import { formatChain } from './chain.js'
import { BundleBuilder, breakGlassHolding, grantHolding } from './bundles.js'
import { breakGlassKey } from './effective.js'
import { identitiesOf, type Identities } from './identity.js'
import { idpGroupKeys, sourceKey } from './idp-mapping.js'
import type { BreakGlassGrant, Chain, Directory, Holding, Step } from './types.js'

type IdpGroup = Directory['groups'][number]

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}

export class UserAccessCompiler {
  readonly bundles: BundleBuilder
  /** Which connections' users are one person, in the state compiled. */
  readonly identities: Identities
  /** sourceKey → groups whose scim source names that IdP group. */
  private readonly groupsByIdpGroup = new Map<string, string[]>()
  /** Person key → [group, userName and connection as listed] for groups that list the user in `members.users`. */
  private readonly listings = new Map<string, { group: string; userName: string; connection: string | undefined }[]>()
  /** group → groups that include it through `members.groups`. */
  private readonly parentsOf = new Map<string, string[]>()
  private readonly grantsByUser = new Map<string, Declared<Grant>[]>()
  /** Person key → groups whose `exclude` lists them: their IdP group memberships do not reach those groups. */
  private readonly excludedFrom = new Map<string, Set<string>>()
  /** What one IdP group (connection, displayName, externalId) brings its active members. */
  private readonly viaIdpGroup = new Map<string, Holding[]>()
  /** What being listed brings, per userKey. */
  private readonly viaListing = new Map<string, Holding[]>()
  /** The sort text of each holding sorted so far (formatChain of its chain). */
  private readonly sortText = new WeakMap<Holding, string>()

  constructor(readonly state: DesiredState) {
    this.bundles = new BundleBuilder(state)
    const identities = identitiesOf(state)
    this.identities = identities
    for (const { doc } of state.groups.values()) {
      const { scim, members } = doc.source
      if (scim !== undefined) push(this.groupsByIdpGroup, sourceKey(scim), doc.name)
      for (const exclusion of doc.exclude ?? []) {
        const key = identities.personKey(exclusion.user, exclusion.connection)
        this.excludedFrom.set(key, (this.excludedFrom.get(key) ?? new Set()).add(doc.name))
      }
      for (const userName of members?.users ?? []) push(this.listings, identities.personKey(userName, members?.connection), { group: doc.name, userName, connection: members?.connection })
      for (const child of members?.groups ?? []) push(this.parentsOf, child, doc.name)
    }
    for (const entry of state.grants.values()) push(this.grantsByUser, identities.personKey(entry.doc.user, entry.doc.connection), entry)
  }

  /** Holdings of `group` and of every group above it, for members who reach `group` by `chain` (which ends before it). */
  private collect(group: string, chain: Chain, into: Holding[], visiting: Set<string>): void {
    const entry = this.state.groups.get(group)
    if (entry === undefined || visiting.has(group)) return
    visiting.add(group)
    const reached: Chain = [...chain, { kind: 'group', name: group } satisfies Step]
    for (const template of this.bundles.bundle(entry.doc)) {
      into.push({ ...template, chain: [...reached, ...template.chain] })
    }
    for (const parent of this.parentsOf.get(group) ?? []) this.collect(parent, reached, into, visiting)
    visiting.delete(group)
  }

  /** What an IdP group brings; for a person some groups exclude, computed for them alone without those groups. */
  private idpGroupHoldings(group: IdpGroup, excluded?: ReadonlySet<string>): Holding[] {
    if (excluded !== undefined) {
      const holdings: Holding[] = []
      const chain: Chain = [{ kind: 'idp-group', connection: group.connection, displayName: group.displayName }]
      for (const key of idpGroupKeys(group)) for (const name of this.groupsByIdpGroup.get(key) ?? []) if (!excluded.has(name)) this.collect(name, chain, holdings, new Set())
      return holdings
    }
    const key = `${group.connection}\u0000${group.displayName}\u0000${group.externalId ?? ''}`
    let holdings = this.viaIdpGroup.get(key)
    if (holdings === undefined) {
      holdings = []
      const chain: Chain = [{ kind: 'idp-group', connection: group.connection, displayName: group.displayName }]
      for (const key of idpGroupKeys(group)) for (const name of this.groupsByIdpGroup.get(key) ?? []) this.collect(name, chain, holdings, new Set())
      this.viaIdpGroup.set(key, holdings)
    }
    return holdings
  }

  private listingHoldings(key: string): Holding[] {
    let holdings = this.viaListing.get(key)
    if (holdings === undefined) {
      holdings = []
      for (const { group, userName, connection } of this.listings.get(key) ?? [])
        this.collect(group, [connection === undefined ? { kind: 'local-member', user: userName } : { kind: 'local-member', user: userName, connection }], holdings, new Set())
      this.viaListing.set(key, holdings)
    }
    return holdings
  }

  /** Sorts holdings as computeEffectiveAccess lists them: by key, then chain. */
  sort(holdings: Holding[]): void {
    holdings.sort((a, b) => compareStrings(a.key, b.key) || compareStrings(this.textOf(a), this.textOf(b)))
  }

  private textOf(holding: Holding): string {
    let text = this.sortText.get(holding)
    if (text === undefined) {
      text = formatChain(holding.chain)
      this.sortText.set(holding, text)
    }
    return text
  }

  /**
   * The effective access of the person `key` (Identities.personKey), given the records of their userName in the
   * directory (every record with that userName, whatever its connection, the IdP groups they are in and those
   * memberships) and the break-glass grants in force, as the parts it is made of: one list per IdP group
   * membership and one for being listed in groups, each shared by everyone who has it (the same array every
   * time), then the user's own grants and break-glass grants. Their holdings, sorted with `sort`, are
   * computeEffectiveAccess's for the person; `user` is the name it shows for them.
   */
  partsOf(key: string, directory: Directory, options: { now: Date; breakGlass?: readonly BreakGlassGrant[] }): { user: string; isInactive: boolean; parts: (readonly Holding[])[] } {
    const { identities } = this
    const records = directory.users.filter((user) => identities.personKey(user.userName, user.connection) === key)
    if (records.length > 0 && !records.some((user) => user.active)) return { user: key, isInactive: true, parts: [] }
    const parts: (readonly Holding[])[] = []
    const activeIds = new Set(records.filter((user) => user.active).map((user) => user.id))
    const groupsById = new Map(directory.groups.map((group) => [group.id, group]))
    for (const { groupId, userId } of directory.memberships) {
      const group = groupsById.get(groupId)
      if (group !== undefined && activeIds.has(userId)) parts.push(this.idpGroupHoldings(group, this.excludedFrom.get(key)))
    }
    parts.push(this.listingHoldings(key))
    let shownName = records.length === 0 ? undefined : this.shownName(records)
    // The people of this userName whom the directory holds, for the break-glass grants (which name a userName only).
    const keysOfName = new Map<string, string[]>()
    if (identities.isSeveral) {
      for (const user of directory.users) {
        const name = user.userName.toLowerCase()
        const personKey = identities.personKey(user.userName, user.connection)
        const keys = keysOfName.get(name)
        if (keys === undefined) keysOfName.set(name, [personKey])
        else if (!keys.includes(personKey)) keys.push(personKey)
      }
    }
    const spelled = (name: string) => {
      if (records.length === 0 && (shownName === undefined || compareStrings(name, shownName) < 0)) shownName = name
    }
    const own: Holding[] = []
    for (const { doc: grant } of this.grantsByUser.get(key) ?? []) {
      const held = grantHolding(this.bundles, grant, options.now)
      if (held === undefined) continue
      spelled(identities.personName(grant.user, grant.connection))
      own.push(held)
    }
    for (const grant of options.breakGlass ?? []) {
      if (breakGlassKey(identities, { keysOfName }, grant.user) !== key) continue
      const held = breakGlassHolding(this.bundles, grant, options.now)
      if (held === undefined) continue
      spelled(identities.personName(grant.user, undefined))
      own.push(held)
    }
    parts.push(own)
    return { user: shownName ?? key.slice(key.lastIndexOf('\u0000') + 1), isInactive: false, parts: parts.filter((part) => part.length > 0) }
  }

  /** The name shown for a person with several records: an active record's, the first in sorted order. */
  private shownName(records: Directory['users']): string {
    let shown: { name: string; active: boolean } | undefined
    for (const user of records) {
      if (shown === undefined || (user.active && !shown.active) || (user.active === shown.active && compareStrings(user.userName, shown.name) < 0)) shown = { name: user.userName, active: user.active }
    }
    return shown === undefined ? '' : this.identities.personName(shown.name, records[0]?.connection)
  }
}
