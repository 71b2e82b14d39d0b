// Bundles: what a group's members receive from it (roles, service roles, team, grants), and the holdings of
// individual and break-glass grants, each grant rule checked and rated once per state.
import type { Catalog, Grant, Group } from '../schema/types.js'
import { checkGrantRule, type GrantShape, type RuleContext } from '../model/grant-rule.js'
import { maxRisk, type Risk } from '../model/risk.js'
import { actionList, serviceRolesOf, type DesiredState } from '../model/state.js'
import { parseTimestamp } from '../model/time.js'
import { grantKey, permissionKey } from './keys.js'
import type { BreakGlassGrant, Chain, GrantRuleHeld, Holding, Step } from './types.js'

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

function isExpired(expires: string | undefined, now: Date): boolean {
  if (expires === undefined) return false
  const at = parseTimestamp(expires)
  return at !== undefined && at.getTime() <= now.getTime()
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
