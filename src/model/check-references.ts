// Semantic checks of a DesiredState: references resolve, entries are unique (check-unique.ts), grants are sound,
// individual grants respect expiry and policy, local groups have no cycles.
import { suggestion } from '../diag/suggest.js'
import type { DocLocation, Kind, LocatedDiagnostic } from '../load/document.js'
import type { AccessQuery, GrantRule, Group } from '../schema/types.js'
import { checkIdentities } from './check-identities.js'
import { checkUniqueEntries } from './check-unique.js'
import { checkGrantRule, type RuleContext } from './grant-rule.js'
import { parseGlob } from './glob.js'
import { parseResourcePattern, isGlob } from './resource.js'
import { isAtLeast, riskRank } from './risk.js'
import { serviceRolesOf, type DocRef, type DesiredState } from './state.js'
import { parseTimestamp } from './time.js'
import { pushAll } from '../util/push-all.js'

type Emit = (diagnostic: LocatedDiagnostic) => void

function loc(ref: DocRef, ...path: (string | number)[]): DocLocation {
  return { file: ref.file, index: ref.index, path }
}

/** Names declared per kind, including documents that failed the schema, so one mistake does not cascade into unknown-ref errors. */
export type DeclaredNames = Map<Kind, Set<string>>

/** All reference and consistency checks. Needs the Catalog; without one, only the Catalog's absence is reported. */
export function checkReferences(state: DesiredState, names: DeclaredNames, now: Date): LocatedDiagnostic[] {
  const diagnostics: LocatedDiagnostic[] = []
  const emit: Emit = (diagnostic) => diagnostics.push(diagnostic)
  const catalog = state.catalog?.doc
  if (catalog === undefined) return diagnostics
  checkUniqueEntries(state, emit)
  pushAll(diagnostics, checkIdentities(state))

  const known = (kind: Kind) => names.get(kind) ?? new Set<string>()
  const ref = (kind: Kind, name: string, at: DocLocation, what = kind) => {
    if (known(kind).has(name)) return true
    emit({ severity: 'error', code: 'unknown-ref', summary: `Unknown ${what.toLowerCase()} "${name}"${suggestion(name, known(kind))}`, at })
    return false
  }
  const permissions = new Set(catalog.permissions.map((permission) => permission.name))
  const permissionRef = (name: string, at: DocLocation) => {
    if (permissions.has(name)) return
    emit({ severity: 'error', code: 'unknown-ref', summary: `Unknown permission "${name}"${suggestion(name, permissions)}`, detail: `Catalog permissions: ${[...permissions].join(', ')}.`, at })
  }
  const connections = new Set((state.organization?.doc.connections ?? []).map((connection) => connection.name))
  const connectionRef = (name: string, at: DocLocation) => {
    if (state.organization === undefined || connections.has(name)) return
    emit({ severity: 'error', code: 'unknown-ref', summary: `Unknown connection "${name}"${suggestion(name, connections)}`, detail: `The Organization declares: ${[...connections].join(', ')}.`, at })
  }
  const policies = [...state.policies.values()].map((entry) => entry.doc)
  const base: RuleContext = { catalog, serviceNames: known('Service'), policies }
  const envs = new Set((catalog.environments ?? []).map((env) => env.name))
  const envRef = (name: string, at: DocLocation) => {
    if (!envs.has(name)) emit({ severity: 'error', code: 'unknown-ref', summary: `Unknown environment "${name}"${suggestion(name, envs)}`, at })
  }
  const rules = (grants: readonly GrantRule[] | undefined, at: DocRef, path: (string | number)[], context: RuleContext) => {
    grants?.forEach((grant, index) => {
      pushAll(diagnostics, checkGrantRule(grant, context, loc(at, ...path, 'grants', index)).diagnostics)
    })
  }

  ;(catalog.serviceRoles ?? []).forEach((role, index) => {
    rules(role.grants, state.catalog?.at ?? { file: '', index: 0 }, ['serviceRoles', index], { ...base, service: { name: '*' } })
  })

  for (const { doc: role, at } of state.roles.values()) {
    role.permissions?.forEach((permission, index) => permissionRef(permission, loc(at, 'permissions', index)))
    rules(role.grants, at, [], base)
  }

  for (const { doc: service, at } of state.services.values()) {
    service.environments?.forEach((env, index) => envRef(env, loc(at, 'environments', index)))
    const context: RuleContext = { ...base, service: { name: service.name, environments: service.environments } }
    service.roles?.forEach((role, index) => rules(role.grants, at, ['roles', index], context))
    const roleNames = new Set(serviceRolesOf(state, service).map((role) => role.name))
    if (service.team !== undefined) {
      ref('Group', service.team.group, loc(at, 'team', 'group'))
      const teamRole = service.team.role ?? 'maintainer'
      if (!roleNames.has(teamRole)) {
        emit({
          severity: 'error',
          code: 'unknown-ref',
          summary: `Service "${service.name}" has no role "${teamRole}" for its team${suggestion(teamRole, roleNames)}`,
          at: loc(at, 'team', service.team.role === undefined ? 'group' : 'role'),
        })
      }
    }
  }

  for (const { doc: group, at } of state.groups.values()) {
    if (group.source.scim !== undefined) connectionRef(group.source.scim.connection, loc(at, 'source', 'scim', 'connection'))
    group.source.members?.groups?.forEach((member, index) => ref('Group', member, loc(at, 'source', 'members', 'groups', index)))
    group.roles?.forEach((role, index) => ref('Role', role, loc(at, 'roles', index)))
    group.serviceRoles?.forEach((entry, index) => {
      const service = state.services.get(entry.service)?.doc
      if (!ref('Service', entry.service, loc(at, 'serviceRoles', index, 'service'))) return
      if (service === undefined) return
      const roleNames = new Set(serviceRolesOf(state, service).map((role) => role.name))
      if (!roleNames.has(entry.role)) {
        emit({ severity: 'error', code: 'unknown-ref', summary: `Service "${entry.service}" has no role "${entry.role}"${suggestion(entry.role, roleNames)}`, at: loc(at, 'serviceRoles', index, 'role') })
      }
      entry.env?.forEach((env, envIndex) => {
        envRef(env, loc(at, 'serviceRoles', index, 'env', envIndex))
        if (envs.has(env) && service.environments !== undefined && !service.environments.includes(env)) {
          emit({
            severity: 'error',
            code: 'unknown-ref',
            summary: `Service "${service.name}" does not run in environment "${env}" (it runs in ${service.environments.join(', ')}).`,
            at: loc(at, 'serviceRoles', index, 'env', envIndex),
          })
        }
      })
    })
    rules(group.grants, at, [], base)
  }
  checkGroupCycles(state, emit)

  const policyLimits = policies.map((policy) => policy.individualGrants).filter((limits) => limits !== undefined)
  for (const { doc: grant, at } of state.grants.values()) {
    const checked = checkGrantRule(grant, base, loc(at))
    pushAll(diagnostics, checked.diagnostics)
    const expires = grant.expires === undefined ? undefined : parseTimestamp(grant.expires)
    if (grant.expires !== undefined && expires === undefined) {
      emit({ severity: 'error', code: 'invalid-date', summary: `\`expires\` is not a real date: "${grant.expires}".`, at: loc(at, 'expires') })
    }
    if (expires !== undefined && expires.getTime() <= now.getTime()) {
      emit({ severity: 'warning', code: 'grant-expired', summary: `Grant "${grant.name}" expired on ${grant.expires ?? ''}; it grants nothing. Remove it.`, at: loc(at, 'expires') })
    }
    if (checked.risk === undefined) continue
    if (isAtLeast(checked.risk, 'high') && grant.expires === undefined) {
      emit({
        severity: 'error',
        code: 'grant-needs-expiry',
        summary: `Grant "${grant.name}" is ${checked.risk} risk: it needs \`expires\`.`,
        detail: 'Individual grants of high or critical risk must end on a date; add `expires: YYYY-MM-DD`.',
        at: loc(at, 'name'),
      })
    }
    for (const limits of policyLimits) {
      if (limits.maxRisk !== undefined && riskRank(checked.risk) > riskRank(limits.maxRisk)) {
        emit({ severity: 'error', code: 'grant-denied', summary: `Grant "${grant.name}" is ${checked.risk} risk; policy denies individual grants above ${limits.maxRisk}.`, at: loc(at, 'resource') })
      }
      if (limits.maxDurationDays !== undefined && expires !== undefined) {
        const latest = now.getTime() + limits.maxDurationDays * 86_400_000
        if (expires.getTime() > latest) {
          emit({ severity: 'error', code: 'grant-expiry-too-far', summary: `Grant "${grant.name}" expires more than ${limits.maxDurationDays} days from now; policy allows at most ${limits.maxDurationDays}.`, at: loc(at, 'expires') })
        }
      }
    }
  }

  for (const { doc: policy, at } of state.policies.values()) {
    policy.approvals?.forEach((rule, index) => {
      rule.approvers.forEach((approver, approverIndex) => {
        if (approver.group !== undefined) ref('Group', approver.group, loc(at, 'approvals', index, 'approvers', approverIndex, 'group'))
      })
    })
    policy.criticalPermissions?.forEach((entry, index) => {
      permissionRef(entry.permission, loc(at, 'criticalPermissions', index, 'permission'))
      if (entry.minHolders !== undefined && entry.maxHolders !== undefined && entry.minHolders > entry.maxHolders) {
        emit({
          severity: 'error',
          code: 'invalid-value',
          summary: `\`minHolders\` (${entry.minHolders}) is greater than \`maxHolders\` (${entry.maxHolders}) for ${entry.permission}.`,
          at: loc(at, 'criticalPermissions', index, 'minHolders'),
        })
      }
    })
    policy.riskRules?.forEach((rule, index) => {
      const parsed = parseResourcePattern(rule.resource)
      if ('error' in parsed) emit({ severity: 'error', code: 'invalid-resource', summary: `Resource pattern ${parsed.error}.`, at: loc(at, 'riskRules', index, 'resource') })
      rule.env?.forEach((env, envIndex) => envRef(env, loc(at, 'riskRules', index, 'env', envIndex)))
    })
    const idp = policy.idpChanges
    idp?.services?.forEach((service, index) => {
      const parsed = parseGlob(service)
      if ('error' in parsed) emit({ severity: 'error', code: 'invalid-glob', summary: `Service glob "${service}" ${parsed.error}.`, at: loc(at, 'idpChanges', 'services', index) })
      else if (!isGlob(service) && !known('Service').has(service)) ref('Service', service, loc(at, 'idpChanges', 'services', index))
    })
    idp?.resources?.forEach((resource, index) => {
      const parsed = parseResourcePattern(resource)
      if ('error' in parsed) emit({ severity: 'error', code: 'invalid-resource', summary: `Resource pattern ${parsed.error}.`, at: loc(at, 'idpChanges', 'resources', index) })
    })
    const mass = idp?.massChange
    if (mass !== undefined && mass.maxPeople === undefined && mass.maxGroupShare === undefined) {
      emit({ severity: 'error', code: 'invalid-value', summary: 'A mass-change limit needs `maxPeople`, `maxGroupShare` or both (with `windowMinutes`).', at: loc(at, 'idpChanges', 'massChange') })
    }
    policy.separationOfDuty?.forEach((rule, index) => {
      rule.pair.forEach((side, sideIndex) => {
        const sideAt = (...path: string[]) => loc(at, 'separationOfDuty', index, 'pair', sideIndex, ...path)
        const forms = [side.permission, side.role, side.action ?? side.resource].filter((value) => value !== undefined).length
        if (forms !== 1 || (side.action === undefined) !== (side.resource === undefined)) {
          emit({ severity: 'error', code: 'invalid-value', summary: 'Each side of a separation-of-duty pair is one of: `permission`, `role`, or `action` with `resource`.', at: sideAt() })
          return
        }
        if (side.permission !== undefined) permissionRef(side.permission, sideAt('permission'))
        if (side.role !== undefined) ref('Role', side.role, sideAt('role'))
        if (side.action !== undefined && side.resource !== undefined) {
          pushAll(diagnostics, checkGrantRule({ action: side.action, resource: side.resource, env: side.env }, base, sideAt()).diagnostics)
        }
      })
    })
  }

  for (const { doc: test, at } of state.tests.values()) {
    test.given?.forEach((user, index) => {
      user.idpGroups?.forEach((group, groupIndex) => connectionRef(group.connection, loc(at, 'given', index, 'idpGroups', groupIndex, 'connection')))
    })
    test.assert.forEach((assertion, index) => {
      const key = assertion.can !== undefined ? 'can' : 'cannot'
      const query = assertion.can ?? assertion.cannot
      if (query === undefined) {
        emit({ severity: 'error', code: 'invalid-value', summary: 'An assertion needs `can` or `cannot`.', at: loc(at, 'assert', index) })
        return
      }
      checkQuery(query, base, loc(at, 'assert', index, key), emit, permissionRef, diagnostics)
    })
  }
  return diagnostics
}

function checkQuery(query: AccessQuery, context: RuleContext, at: DocLocation, emit: Emit, permissionRef: (name: string, at: DocLocation) => void, out: LocatedDiagnostic[]) {
  const hasPermission = query.permission !== undefined
  const hasAction = query.action !== undefined || query.resource !== undefined
  if (hasPermission === hasAction || (hasAction && (query.action === undefined || query.resource === undefined))) {
    emit({ severity: 'error', code: 'invalid-value', summary: 'An access query is either `permission`, or `action` with `resource` (and optionally `env`, `tags`).', at })
    return
  }
  if (query.permission !== undefined) {
    permissionRef(query.permission, { ...at, path: [...at.path, 'permission'] })
    return
  }
  if (query.action === undefined || query.resource === undefined) return
  const parsed = parseResourcePattern(query.resource)
  if ('pattern' in parsed && [parsed.pattern.type, parsed.pattern.service, parsed.pattern.name].some(isGlob)) {
    emit({ severity: 'error', code: 'invalid-resource', summary: `A test asks about one concrete resource; "${query.resource}" is a pattern.`, at: { ...at, path: [...at.path, 'resource'] } })
    return
  }
  const env = query.env === undefined ? undefined : ([query.env] as [string])
  pushAll(out, checkGrantRule({ action: query.action, resource: query.resource, env }, context, at).diagnostics)
}

/** A local group that includes itself through `members.groups` is an error, reported at the member that closes the cycle. */
function checkGroupCycles(state: DesiredState, emit: Emit): void {
  const done = new Set<string>()
  const onPath: string[] = []
  const visit = (name: string): void => {
    if (done.has(name)) return
    const entry = state.groups.get(name)
    if (entry === undefined) return
    onPath.push(name)
    const members: Group['source'] = entry.doc.source
    ;(members.members?.groups ?? []).forEach((member, index) => {
      const start = onPath.indexOf(member)
      if (start >= 0) {
        const cycle = [...onPath.slice(start), member].map((group) => `"${group}"`).join(' → ')
        const summary = member === name ? `Local group "${name}" includes itself.` : `Local groups include each other in a cycle: ${cycle}.`
        emit({ severity: 'error', code: 'group-cycle', summary, at: loc(entry.at, 'source', 'members', 'groups', index) })
      } else visit(member)
    })
    onPath.pop()
    done.add(name)
  }
  for (const name of [...state.groups.keys()].sort()) visit(name)
}
