// DesiredState + directory (users, IdP groups, memberships) → the access every active user holds, with provenance.
import type { Catalog, Grant, Group } from '../schema/types.js'
import { checkGrantRule, type GrantShape, type RuleContext } from '../model/grant-rule.js'
import { maxRisk, type Risk } from '../model/risk.js'
import { actionList, serviceRolesOf, type DesiredState } from '../model/state.js'
import { parseTimestamp } from '../model/time.js'
import { compareStrings } from '../util/compare.js'
import { formatChain } from './chain.js'
import { membershipTableOf } from './membership-table.js'
import type { BreakGlassGrant, Chain, Directory, GrantRuleHeld, Holding, Step, UserAccess } from './types.js'

/** Users are identified by userName, compared without case (RFC 7643 §4.1.1: userName is not case-exact). */
export function userKey(userName: string): string {
  return userName.toLowerCase()
}

export type EffectiveAccess = {
  /** Active users by userKey, each holding at least one thing. Sorted by key. */
  users: Map<string, UserAccess>
  /** userKeys of users who exist in the directory but are inactive everywhere. */
  inactive: Set<string>
}

/** A holding whose chain starts after the group step; members' own chains are prepended. */
type Template = Holding

function intersectMethods(a: readonly string[] | undefined, b: readonly string[] | undefined): readonly string[] | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return a.filter((method) => b.includes(method))
}

function intersectEnvs(a: readonly string[] | undefined, b: readonly string[] | undefined): readonly string[] | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return a.filter((env) => b.includes(env))
}

/** The identity of a grant rule, independent of how it is reached. */
export function grantKey(grant: GrantRuleHeld): string {
  const { type, service, name } = grant.resource
  const env = grant.env === undefined ? '' : ` env=${[...grant.env].sort().join(',')}`
  const tags = grant.tags === undefined ? '' : ` tags=${[...grant.tags].sort().join(',')}`
  return `grant ${[...grant.actions].sort().join(',')} ${type}:${service}/${name}${env}${tags}`
}

const atomsOfHolding = new WeakMap<Holding, readonly string[]>()

/**
 * What a holding gives, one atom at a time. An atom is one action in one environment: `grant edit X env=staging`
 * for each action and each environment of a rule; a rule without `env` reaches every environment and gives one atom
 * per action, `grant edit X` (so narrowing it to a list loses that atom and gains the listed ones). A rule limited to
 * no environment at all gives nothing. Atoms are in action-major order: atom `i` is action `atomAction(grant, i)`
 * in environment `atomEnv(grant, i)`. Holdings are shared by many users and read-only, so each one's atoms are
 * computed once (do not modify the list).
 */
export function accessAtoms(holding: Holding): readonly string[] {
  if (holding.type === 'permission') return [holding.key]
  let atoms = atomsOfHolding.get(holding)
  if (atoms === undefined) {
    const { grant } = holding
    const list: string[] = []
    for (const action of grant.actions) {
      if (grant.env === undefined) list.push(grantKey({ ...grant, actions: [action] }))
      else for (const env of grant.env) list.push(grantKey({ ...grant, actions: [action], env: [env] }))
    }
    atoms = list
    atomsOfHolding.set(holding, atoms)
  }
  return atoms
}

/** The action of a grant's atom `index` (see accessAtoms). */
export function atomAction(grant: GrantRuleHeld, index: number): string {
  const envCount = grant.env === undefined ? 1 : grant.env.length
  return grant.actions[Math.floor(index / envCount)] as string
}

/** The environment of a grant's atom `index` (see accessAtoms); undefined for a grant that reaches every environment. */
export function atomEnv(grant: GrantRuleHeld, index: number): string | undefined {
  return grant.env === undefined ? undefined : grant.env[index % grant.env.length]
}

/**
 * Where a grant key's environments are: ` env=a,b` after the resource, before ` tags=` or the end. Environments are
 * identifiers (defs.schema.json), which tells them from a resource name or tag that happens to contain ` env=`.
 */
const envPart = / env=((?:[a-z][a-z0-9._:-]*)(?:,[a-z][a-z0-9._:-]*)*)?(?= tags=|$)/

/** A grant key's actions, the text around its environments, and its environments (undefined: every environment). */
function splitGrantKey(key: string): { actions: string[]; head: string; tail: string; envs: string[] | undefined } {
  const rest = key.slice('grant '.length)
  const space = rest.indexOf(' ')
  const actions = rest.slice(0, space).split(',')
  const target = rest.slice(space)
  const match = envPart.exec(target)
  if (match === null) return { actions, head: target, tail: '', envs: undefined }
  const envs = match[1] === undefined ? [] : match[1].split(',')
  return { actions, head: target.slice(0, match.index), tail: target.slice(match.index + match[0].length), envs }
}

/**
 * The atoms of a holding or delta key, as accessAtoms gives them: `grant edit,read X env=dev,staging` → `grant edit X
 * env=dev`, `grant edit X env=staging`, `grant read X env=dev`, `grant read X env=staging`.
 */
export function atomsOfKey(key: string): string[] {
  if (!key.startsWith('grant ')) return [key]
  const { actions, head, tail, envs } = splitGrantKey(key)
  if (envs === undefined) return actions.map((action) => `grant ${action}${head}${tail}`)
  return actions.flatMap((action) => envs.map((env) => `grant ${action}${head} env=${env}${tail}`))
}

/**
 * The atom of the same action and target in every environment, for an atom limited to one environment: `grant
 * edit X env=staging` → `grant edit X`; undefined for any other key. Whoever holds the second holds the first.
 */
export function atomInEveryEnvironment(atom: string): string | undefined {
  if (!atom.startsWith('grant ')) return undefined
  const { actions, head, tail, envs } = splitGrantKey(atom)
  if (envs === undefined || envs.length !== 1 || actions.length !== 1) return undefined
  return `grant ${actions[0] ?? ''}${head}${tail}`
}

/** How many atoms a holding or delta key names: `atomsOfKey(key).length`, without writing them. */
export function atomCountOfKey(key: string): number {
  if (!key.startsWith('grant ')) return 1
  const { actions, envs } = splitGrantKey(key)
  return actions.length * (envs === undefined ? 1 : envs.length)
}

export function permissionKey(permission: string): string {
  return `permission ${permission}`
}

/** Builds, once per group, what its members receive. */
export class BundleBuilder {
  private readonly bundles = new Map<string, Template[]>()
  private readonly context: RuleContext
  private readonly catalog: Catalog

  constructor(private readonly state: DesiredState) {
    if (state.catalog === undefined) throw new Error('effective access needs a Catalog')
    this.catalog = state.catalog.doc
    this.context = { catalog: this.catalog, serviceNames: new Set(state.services.keys()), policies: [...state.policies.values()].map((entry) => entry.doc) }
  }

  private readonly actionRisks = new Map<string, Risk | undefined>()

  /**
   * The risk of one atom of a held grant: one action, in one environment (`env` absent: in every environment the
   * grant reaches). A held rule's own risk is that of its riskiest atom; environments raise risk (production +1),
   * as do policy risk rules limited to environments.
   */
  actionRisk(holding: Holding, action: string, env?: string): Risk {
    if (holding.type !== 'grant') return holding.risk
    const { grant } = holding
    // A grant of one atom (for this environment) has its own risk.
    if (grant.actions.length === 1 && (env === undefined || grant.env === undefined || grant.env.length === 1)) return holding.risk
    return this.riskHere(holding, action, env) ?? holding.risk
  }

  /**
   * The risk this builder's catalog and policy risk rules give one atom of a holding, which may come from another
   * state: a plan rates what someone gains under the applied rules as well as the proposed ones, so that a change
   * cannot lower the risk it is judged at. Undefined when the atom does not resolve here (a resource type or
   * permission this state does not declare).
   */
  riskHere(holding: Holding, action: string, env?: string): Risk | undefined {
    if (holding.type !== 'grant') return this.catalog.permissions.find((entry) => entry.name === holding.permission)?.risk
    const { grant } = holding
    const serviceStep = holding.chain.find((step) => step.kind === 'service-role' || step.kind === 'service-team')
    const serviceName = serviceStep?.kind === 'service-role' || serviceStep?.kind === 'service-team' ? serviceStep.service : undefined
    const cacheKey = `${holding.key}\u0000${action}\u0000${env ?? ''}\u0000${serviceName ?? ''}`
    if (this.actionRisks.has(cacheKey)) return this.actionRisks.get(cacheKey)
    const service = serviceName === undefined ? undefined : this.state.services.get(serviceName)?.doc
    const { type, name } = grant.resource
    const scope = service === undefined ? undefined : { name: service.name, environments: service.environments }
    const envs = env === undefined || grant.env === undefined ? grant.env : [env]
    const risk = this.grantTemplate({ action, resource: `${type}:${grant.resource.service}/${name}`, env: envs }, [], scope)?.risk
    this.actionRisks.set(cacheKey, risk)
    return risk
  }

  /** The highest risk of anything a Role, Service, Group or Grant declares; undefined when it declares nothing. */
  declaredRisk(kind: string, name: string): Risk | undefined {
    let risks: Risk[] = []
    if (kind === 'Group') {
      const group = this.state.groups.get(name)?.doc
      if (group !== undefined) risks = this.bundle(group).map((held) => held.risk)
    } else if (kind === 'Role') {
      const role = this.state.roles.get(name)?.doc
      if (role !== undefined) {
        risks = this.bundle({ kind: 'Group', name: `\u0000role ${name}`, source: { members: { users: [] } }, roles: [name] }).map((held) => held.risk)
      }
    } else if (kind === 'Service') {
      const service = this.state.services.get(name)?.doc
      if (service !== undefined) {
        const scope = { name: service.name, environments: service.environments }
        risks = serviceRolesOf(this.state, service).flatMap((role) => role.grants.map((rule) => this.grantTemplate(rule, [], scope)?.risk ?? 'low'))
      }
    } else if (kind === 'Grant') {
      const grant = this.state.grants.get(name)?.doc
      const risk = grant === undefined ? undefined : this.grantTemplate(grant, [])?.risk
      if (risk !== undefined) risks = [risk]
    }
    return risks.length === 0 ? undefined : risks.reduce(maxRisk)
  }

  private permissionRisk(permission: string): Risk {
    return this.catalog.permissions.find((entry) => entry.name === permission)?.risk ?? 'low'
  }

  /** A grant rule as held, with its risk; undefined when the rule does not resolve (validation reports it). */
  grantTemplate(rule: GrantShape & { tags?: readonly string[] }, chain: Chain, service?: { name: string; environments?: readonly string[] }, env?: readonly string[]): Template | undefined {
    const limitedEnv = intersectEnvs(rule.env, env)
    // The same rule recurs in many groups: it is checked once per builder (the context is the builder's own).
    const cacheKey = JSON.stringify([rule.action, rule.resource, limitedEnv ?? null, rule.tags ?? null, service?.name ?? null, service?.environments ?? null])
    let held = this.heldRules.get(cacheKey)
    if (held === undefined) {
      const context = service === undefined ? this.context : { ...this.context, service }
      const checked = checkGrantRule({ action: rule.action, resource: rule.resource, env: limitedEnv }, context, { file: '', index: 0, path: [] })
      if (checked.pattern === undefined) {
        held = null
      } else {
        const grant: GrantRuleHeld = {
          actions: [...actionList(rule.action)].sort(),
          resource: checked.pattern,
          ...(limitedEnv === undefined ? {} : { env: [...limitedEnv].sort() }),
          ...(rule.tags === undefined ? {} : { tags: [...rule.tags].sort() }),
        }
        held = { grant, key: grantKey(grant), risk: checked.risk ?? 'low' }
      }
      this.heldRules.set(cacheKey, held)
    }
    // Holdings share the (read-only) rule.
    return held === null ? undefined : { type: 'grant', grant: held.grant, key: held.key, risk: held.risk, chain }
  }

  private readonly heldRules = new Map<string, { grant: GrantRuleHeld; key: string; risk: Risk } | null>()

  /** Everything a member of `group` receives directly from it, chains starting after the group step. */
  bundle(group: Group): Template[] {
    const cached = this.bundles.get(group.name)
    if (cached !== undefined) return cached
    const out: Template[] = []
    const push = (template: Template | undefined, authMethods?: readonly string[]) => {
      if (template === undefined) return
      const methods = intersectMethods(intersectMethods(template.authMethods, authMethods), group.authMethods)
      out.push(methods === undefined ? template : { ...template, authMethods: methods })
    }
    for (const roleName of group.roles ?? []) {
      const role = this.state.roles.get(roleName)?.doc
      if (role === undefined) continue
      const chain: Step[] = [{ kind: 'role', name: role.name }]
      for (const permission of role.permissions ?? []) {
        push({ type: 'permission', permission, key: permissionKey(permission), risk: this.permissionRisk(permission), chain }, role.authMethods)
      }
      for (const rule of role.grants ?? []) push(this.grantTemplate(rule, chain), role.authMethods)
    }
    for (const ref of group.serviceRoles ?? []) {
      const service = this.state.services.get(ref.service)?.doc
      const role = service === undefined ? undefined : serviceRolesOf(this.state, service).find((entry) => entry.name === ref.role)
      if (service === undefined || role === undefined) continue
      const chain: Step[] = [{ kind: 'service-role', service: service.name, role: role.name }]
      for (const rule of role.grants) push(this.grantTemplate(rule, chain, { name: service.name, environments: service.environments }, ref.env))
    }
    for (const { doc: service } of this.state.services.values()) {
      if (service.team?.group !== group.name) continue
      const roleName = service.team.role ?? 'maintainer'
      const role = serviceRolesOf(this.state, service).find((entry) => entry.name === roleName)
      if (role === undefined) continue
      const chain: Step[] = [{ kind: 'service-team', service: service.name, role: roleName }]
      for (const rule of role.grants) push(this.grantTemplate(rule, chain, { name: service.name, environments: service.environments }))
    }
    for (const rule of group.grants ?? []) push(this.grantTemplate(rule, []))
    this.bundles.set(group.name, out)
    return out
  }
}

/** Per desired group: its active members (by userKey) and the chains by which they are members (each ending in the group step). */
export type Paths = Map<string, Chain[]>

type IdpGroup = Directory['groups'][number]

/** A directory indexed once, shared by every state computed on it (plan computes two). */
export type DirectoryIndex = {
  directory: Directory
  /** userKey → active in any record; users only listed in YAML are not here. */
  activity: Map<string, boolean>
  /** userKey → the userName to show (an active record's, else the first one's). */
  userNames: Map<string, string>
  /** Active user record id → userKey. */
  activeKeyOf: Map<string, string>
  idpGroupsByName: Map<string, IdpGroup[]>
  idpGroupsByExternalId: Map<string, IdpGroup[]>
  /** userKeys of an IdP group's active members, by user id (computed on first use). */
  activeMembersOf: (groupId: string) => readonly string[]
}

/** `users`: the directory's users in any order (what the index holds does not depend on it). */
export function indexDirectory(directory: Directory, users: Directory['users'] = directory.users): DirectoryIndex {
  const activity = new Map<string, boolean>()
  const userNames = new Map<string, string>()
  const activeKeyOf = new Map<string, string>()
  for (const user of users) {
    const key = userKey(user.userName)
    if (user.active) activeKeyOf.set(user.id, key)
    // The name shown for a person with several records: an active record's, the first in sorted order, so it
    // never depends on store order. The name shown so far is an active record's exactly when any record so far is active.
    const wasActive = activity.get(key)
    if (wasActive === undefined) {
      activity.set(key, user.active)
      userNames.set(key, user.userName)
      continue
    }
    if (user.active && !wasActive) activity.set(key, true)
    if ((user.active && !wasActive) || (user.active === wasActive && compareStrings(user.userName, userNames.get(key) ?? '') < 0)) userNames.set(key, user.userName)
  }
  const idpGroupsByName = new Map<string, IdpGroup[]>()
  const idpGroupsByExternalId = new Map<string, IdpGroup[]>()
  const add = (map: Map<string, IdpGroup[]>, key: string, group: IdpGroup) => {
    const list = map.get(key)
    if (list === undefined) map.set(key, [group])
    else list.push(group)
  }
  for (const group of directory.groups) {
    add(idpGroupsByName, `${group.connection}\u0000${group.displayName}`, group)
    if (group.externalId !== undefined) add(idpGroupsByExternalId, `${group.connection}\u0000${group.externalId}`, group)
  }
  // Only the IdP groups that desired groups map are read: a table's indexes, not millions of membership objects.
  const table = membershipTableOf(directory)
  let groupIndex: Map<string, number> | undefined
  let keyOfUser: (string | undefined)[] | undefined
  const activeMembers = new Map<string, readonly string[]>()
  const activeMembersOf = (groupId: string): readonly string[] => {
    const known = activeMembers.get(groupId)
    if (known !== undefined) return known
    groupIndex ??= new Map(table.groupIds.map((id, i) => [id, i]))
    keyOfUser ??= table.userIds.map((id) => activeKeyOf.get(id))
    const g = groupIndex.get(groupId)
    const list: string[] = []
    if (g !== undefined) {
      for (let i = table.offsets[g] as number; i < (table.offsets[g + 1] as number); i++) {
        const user = keyOfUser[table.members[i] as number]
        if (user !== undefined) list.push(user)
      }
    }
    activeMembers.set(groupId, list)
    return list
  }
  return { directory, activity, userNames, activeKeyOf, idpGroupsByName, idpGroupsByExternalId, activeMembersOf }
}

/** The IdP groups a desired group's `scim` source names. */
export function idpGroupsOf(index: DirectoryIndex, scim: { connection: string; externalId?: string; displayName?: string }): readonly IdpGroup[] {
  if (scim.externalId !== undefined) return index.idpGroupsByExternalId.get(`${scim.connection}\u0000${scim.externalId}`) ?? []
  if (scim.displayName === undefined) return []
  return index.idpGroupsByName.get(`${scim.connection}\u0000${scim.displayName}`) ?? []
}

/**
 * A desired group's members and the chains by which they are members (each ending in the group step), resolved on
 * first use, with its nested groups. With `onlyUsers`, only those users' paths. In a state with a cycle of nested
 * groups the paths depend on the order groups are resolved in: memberPaths resolves them in state order.
 */
export function memberPathsResolver(state: DesiredState, index: DirectoryIndex, onlyUsers?: ReadonlySet<string>): { resolve: (name: string) => Paths; resolved: Map<string, Paths> } {
  const result = new Map<string, Paths>()
  const visiting = new Set<string>()
  const isWanted = (user: string) => onlyUsers === undefined || onlyUsers.has(user)
  const resolve = (name: string): Paths => {
    const done = result.get(name)
    if (done !== undefined) return done
    const paths: Paths = new Map()
    const entry = state.groups.get(name)
    if (entry === undefined || visiting.has(name)) return paths
    visiting.add(name)
    const groupStep: Step = { kind: 'group', name }
    const add = (user: string, chain: Chain) => {
      const list = paths.get(user)
      if (list === undefined) paths.set(user, [chain])
      else list.push(chain)
    }
    const { scim, members } = entry.doc.source
    if (scim !== undefined && onlyUsers?.size !== 0) {
      const key = `${scim.connection}\u0000${scim.externalId ?? scim.displayName ?? ''}`
      for (const idpGroup of (scim.externalId !== undefined ? index.idpGroupsByExternalId : index.idpGroupsByName).get(key) ?? []) {
        // One chain per IdP group, shared by all its members.
        const chain: Chain = [{ kind: 'idp-group', connection: idpGroup.connection, displayName: idpGroup.displayName }, groupStep]
        for (const user of index.activeMembersOf(idpGroup.id)) if (isWanted(user)) add(user, chain)
      }
    }
    for (const userName of members?.users ?? []) {
      const user = userKey(userName)
      if (isWanted(user)) add(user, [{ kind: 'local-member', user: userName }, groupStep])
    }
    for (const nested of members?.groups ?? []) {
      // Members reached by the same chain share its extension.
      const extended = new Map<Chain, Chain>()
      for (const [user, chains] of resolve(nested)) {
        for (const chain of chains) {
          let longer = extended.get(chain)
          if (longer === undefined) {
            longer = [...chain, groupStep]
            extended.set(chain, longer)
          }
          add(user, longer)
        }
      }
    }
    visiting.delete(name)
    result.set(name, paths)
    return paths
  }
  return { resolve, resolved: result }
}

/** For every desired group, its active members (or only `onlyUsers`) and the chains by which they are members (each ending in the group step). */
export function memberPaths(state: DesiredState, index: DirectoryIndex, onlyUsers?: ReadonlySet<string>): Map<string, Paths> {
  const { resolve, resolved } = memberPathsResolver(state, index, onlyUsers)
  for (const name of state.groups.keys()) resolve(name)
  // In the order groups finished resolving (nested groups first).
  return resolved
}

/** The active members (display userNames, sorted) of every desired group (or of `only` those), nested groups included. */
export function membersOfGroups(state: DesiredState, directory: Directory, options: { index?: DirectoryIndex; paths?: Map<string, Paths>; only?: ReadonlySet<string> } = {}): Map<string, string[]> {
  const index = options.index ?? indexDirectory(directory)
  const names = index.userNames
  const result = new Map<string, string[]>()
  for (const [group, paths] of options.paths ?? memberPaths(state, index)) {
    if (options.only !== undefined && !options.only.has(group)) continue
    const listedName = (chains: Chain[] | undefined) => {
      const first = chains?.[0]?.[0]
      return first?.kind === 'local-member' ? first.user : undefined
    }
    const members = [...paths.keys()].filter((key) => index.activity.get(key) !== false).map((key) => names.get(key) ?? listedName(paths.get(key)) ?? key)
    result.set(group, members.sort(compareStrings))
  }
  return result
}

function isExpired(expires: string | undefined, now: Date): boolean {
  if (expires === undefined) return false
  const at = parseTimestamp(expires)
  return at !== undefined && at.getTime() <= now.getTime()
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

/** A grant's holding, or undefined when it has expired or does not resolve. */
export function grantHolding(builder: BundleBuilder, grant: Grant, now: Date): Holding | undefined {
  if (isExpired(grant.expires, now)) return undefined
  const template = builder.grantTemplate(grant, [{ kind: 'grant', name: grant.name }])
  if (template === undefined) return undefined
  return { ...template, ...(grant.expires === undefined ? {} : { expires: grant.expires }), ...(grant.authMethods === undefined ? {} : { authMethods: grant.authMethods }) }
}

/** A break-glass grant's holding, or undefined when it has expired or does not resolve. */
export function breakGlassHolding(builder: BundleBuilder, breakGlass: BreakGlassGrant, now: Date): Holding | undefined {
  if (isExpired(breakGlass.expires, now)) return undefined
  const template = builder.grantTemplate({ action: breakGlass.actions, resource: breakGlass.resource, env: breakGlass.env }, [
    { kind: 'break-glass', id: breakGlass.id, reason: breakGlass.reason },
  ])
  return template === undefined ? undefined : { ...template, expires: breakGlass.expires }
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
  const index = options.index ?? indexDirectory(directory)
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
    const key = userKey(grant.user)
    if (onlyUsers !== undefined && !onlyUsers.has(key)) continue
    const held = grantHolding(builder, grant, now)
    if (held === undefined) continue
    nameUnprovisioned(key, grant.user)
    distinct.push(held)
    give(key, [held])
  }
  for (const breakGlass of options.breakGlass ?? []) {
    const key = userKey(breakGlass.user)
    if (onlyUsers !== undefined && !onlyUsers.has(key)) continue
    const held = breakGlassHolding(builder, breakGlass, now)
    if (held === undefined) continue
    nameUnprovisioned(key, breakGlass.user)
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
