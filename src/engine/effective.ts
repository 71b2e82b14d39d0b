// DesiredState + directory (users, IdP groups, memberships) → the access every active user holds, with provenance.
import type { Catalog, Group } from '../schema/types.js'
import { checkGrantRule, type GrantShape, type RuleContext } from '../model/grant-rule.js'
import { maxRisk, type Risk } from '../model/risk.js'
import { actionList, serviceRolesOf, type DesiredState } from '../model/state.js'
import { parseTimestamp } from '../model/time.js'
import { compareStrings } from '../util/compare.js'
import { formatChain } from './chain.js'
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
    const context = service === undefined ? this.context : { ...this.context, service }
    const checked = checkGrantRule({ action: rule.action, resource: rule.resource, env: limitedEnv }, context, { file: '', index: 0, path: [] })
    if (checked.pattern === undefined) return undefined
    const grant: GrantRuleHeld = {
      actions: [...actionList(rule.action)].sort(),
      resource: checked.pattern,
      ...(limitedEnv === undefined ? {} : { env: [...limitedEnv].sort() }),
      ...(rule.tags === undefined ? {} : { tags: [...rule.tags].sort() }),
    }
    return { type: 'grant', grant, key: grantKey(grant), risk: checked.risk ?? 'low', chain }
  }

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

type Paths = Map<string, Chain[]>

/** For every desired group, its active members and the chains by which they are members (each ending in the group step). */
function memberPaths(state: DesiredState, directory: Directory, active: (userId: string) => string | undefined): Map<string, Paths> {
  const idpGroupsByName = new Map<string, Directory['groups'][number][]>()
  const idpGroupsByExternalId = new Map<string, Directory['groups'][number][]>()
  for (const group of directory.groups) {
    const byName = `${group.connection}\u0000${group.displayName}`
    idpGroupsByName.set(byName, [...(idpGroupsByName.get(byName) ?? []), group])
    if (group.externalId !== undefined) {
      const byId = `${group.connection}\u0000${group.externalId}`
      idpGroupsByExternalId.set(byId, [...(idpGroupsByExternalId.get(byId) ?? []), group])
    }
  }
  const membersOfIdpGroup = new Map<string, string[]>()
  for (const { groupId, userId } of directory.memberships) {
    const list = membersOfIdpGroup.get(groupId)
    if (list === undefined) membersOfIdpGroup.set(groupId, [userId])
    else list.push(userId)
  }
  const result = new Map<string, Paths>()
  const visiting = new Set<string>()
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
    if (scim !== undefined) {
      const key = `${scim.connection}\u0000${scim.externalId ?? scim.displayName ?? ''}`
      const matches = (scim.externalId !== undefined ? idpGroupsByExternalId : idpGroupsByName).get(key) ?? []
      for (const idpGroup of matches) {
        const chain: Chain = [{ kind: 'idp-group', connection: idpGroup.connection, displayName: idpGroup.displayName }, groupStep]
        for (const userId of membersOfIdpGroup.get(idpGroup.id) ?? []) {
          const user = active(userId)
          if (user !== undefined) add(user, chain)
        }
      }
    }
    for (const userName of members?.users ?? []) add(userKey(userName), [{ kind: 'local-member', user: userName }, groupStep])
    for (const nested of members?.groups ?? []) {
      for (const [user, chains] of resolve(nested)) for (const chain of chains) add(user, [...chain, groupStep])
    }
    visiting.delete(name)
    result.set(name, paths)
    return paths
  }
  for (const name of state.groups.keys()) resolve(name)
  return result
}

/** The active members (display userNames, sorted) of every desired group, nested groups included. */
export function membersOfGroups(state: DesiredState, directory: Directory): Map<string, string[]> {
  const names = new Map<string, string>()
  const active = new Map<string, string>()
  for (const user of directory.users) {
    names.set(userKey(user.userName), user.userName)
    if (user.active) active.set(user.id, userKey(user.userName))
  }
  const inactive = new Set(directory.users.filter((user) => !user.active).map((user) => userKey(user.userName)))
  for (const key of active.values()) inactive.delete(key)
  const result = new Map<string, string[]>()
  for (const [group, paths] of memberPaths(state, directory, (id) => active.get(id))) {
    const listedName = (chains: Chain[] | undefined) => {
      const first = chains?.[0]?.[0]
      return first?.kind === 'local-member' ? first.user : undefined
    }
    const members = [...paths.keys()].filter((key) => !inactive.has(key)).map((key) => names.get(key) ?? listedName(paths.get(key)) ?? key)
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
}

/** Compute effective access. Pure: the same inputs give the same (sorted) output. */
export function computeEffectiveAccess(state: DesiredState, directory: Directory, options: EffectiveOptions): EffectiveAccess {
  const { now } = options
  // A userName is active when any of its records is active; users only listed in YAML (never provisioned) count as active.
  const activity = new Map<string, boolean>()
  const userNameOf = new Map<string, string>()
  const recordKey = new Map<string, string>()
  for (const user of directory.users) {
    const key = userKey(user.userName)
    recordKey.set(user.id, key)
    activity.set(key, (activity.get(key) ?? false) || user.active)
    if (user.active || !userNameOf.has(key)) userNameOf.set(key, user.userName)
  }
  const activeRecords = new Set(directory.users.filter((user) => user.active).map((user) => user.id))
  const active = (userId: string) => (activeRecords.has(userId) ? recordKey.get(userId) : undefined)
  const isActiveKey = (key: string) => activity.get(key) ?? true

  const builder = options.bundles ?? new BundleBuilder(state)
  const holdings = new Map<string, Holding[]>()
  const give = (user: string, items: readonly Holding[]) => {
    if (!isActiveKey(user)) return
    const list = holdings.get(user)
    if (list === undefined) holdings.set(user, [...items])
    else list.push(...items)
  }
  for (const [groupName, paths] of memberPaths(state, directory, active)) {
    const group = state.groups.get(groupName)?.doc
    if (group === undefined || paths.size === 0) continue
    const bundle = builder.bundle(group)
    if (bundle.length === 0) continue
    for (const [user, chains] of paths) {
      for (const chain of chains) give(user, bundle.map((template) => ({ ...template, chain: [...chain, ...template.chain] })))
    }
  }
  for (const { doc: grant } of state.grants.values()) {
    if (isExpired(grant.expires, now)) continue
    const template = builder.grantTemplate(grant, [{ kind: 'grant', name: grant.name }])
    if (template === undefined) continue
    const held: Holding = { ...template, ...(grant.expires === undefined ? {} : { expires: grant.expires }), ...(grant.authMethods === undefined ? {} : { authMethods: grant.authMethods }) }
    const key = userKey(grant.user)
    if (!userNameOf.has(key)) userNameOf.set(key, grant.user)
    give(key, [held])
  }
  for (const breakGlass of options.breakGlass ?? []) {
    if (isExpired(breakGlass.expires, now)) continue
    const template = builder.grantTemplate({ action: breakGlass.actions, resource: breakGlass.resource, env: breakGlass.env }, [
      { kind: 'break-glass', id: breakGlass.id, reason: breakGlass.reason },
    ])
    if (template === undefined) continue
    const key = userKey(breakGlass.user)
    if (!userNameOf.has(key)) userNameOf.set(key, breakGlass.user)
    give(key, [{ ...template, expires: breakGlass.expires }])
  }
  const users = new Map<string, UserAccess>()
  for (const key of [...holdings.keys()].sort(compareStrings)) {
    const list = holdings.get(key) ?? []
    list.sort((a, b) => compareStrings(a.key, b.key) || compareStrings(formatChain(a.chain), formatChain(b.chain)))
    users.set(key, { user: userNameOf.get(key) ?? key, holdings: list })
  }
  const inactive = new Set([...activity].filter(([, isActive]) => !isActive).map(([key]) => key))
  return { users, inactive }
}

