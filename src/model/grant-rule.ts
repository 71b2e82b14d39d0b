// Checks one grant rule (action on a resource pattern, env, tags) against the Catalog, and computes its risk.
import { suggestion } from '../diag/suggest.js'
import type { DocLocation, LocatedDiagnostic } from '../load/document.js'
import type { Catalog, Policy } from '../schema/types.js'
import { isGlob, matchesPart, parseResourcePattern, partsOverlap, type ResourcePattern } from './resource.js'
import { maxRisk, raiseRisk, type Risk } from './risk.js'
import { actionList } from './state.js'

/** The grant fields that decide what is granted and how risky it is. */
export type GrantShape = { action: string | readonly string[]; resource: string; env?: readonly string[] }

/** What a rule is checked against. `service` set means inside that Service (short patterns allowed, envs limited). */
export type RuleContext = {
  catalog: Catalog
  serviceNames: ReadonlySet<string>
  policies: readonly Policy[]
  service?: { name: string; environments?: readonly string[] }
}

export type CheckedRule = { pattern: ResourcePattern | undefined; risk: Risk | undefined; diagnostics: LocatedDiagnostic[] }

function at(base: DocLocation, ...path: (string | number)[]): DocLocation {
  return { ...base, path: [...base.path, ...path] }
}

/** Resource types of the Catalog that a (possibly globbed) type part names. */
function matchingTypes(catalog: Catalog, typePart: string) {
  return catalog.resourceTypes.filter((type) => matchesPart(typePart, type.name))
}

/**
 * Check a rule; `base` locates the object holding `action`/`resource`/`env`.
 * Problems are returned as diagnostics; the risk is computed when the rule is sound.
 */
export function checkGrantRule(rule: GrantShape, context: RuleContext, base: DocLocation): CheckedRule {
  const diagnostics: LocatedDiagnostic[] = []
  const parsed = parseResourcePattern(rule.resource, context.service?.name)
  if ('error' in parsed) {
    diagnostics.push({ severity: 'error', code: 'invalid-resource', summary: `Resource pattern ${parsed.error}.`, at: at(base, 'resource') })
    return { pattern: undefined, risk: undefined, diagnostics }
  }
  const { pattern } = parsed
  const { catalog } = context
  const types = matchingTypes(catalog, pattern.type)
  if (types.length === 0) {
    const names = catalog.resourceTypes.map((type) => type.name)
    diagnostics.push({
      severity: 'error',
      code: isGlob(pattern.type) ? 'invalid-resource' : 'unknown-ref',
      summary: isGlob(pattern.type)
        ? `Resource type pattern "${pattern.type}" matches no resource type of the Catalog.`
        : `Unknown resource type "${pattern.type}"${suggestion(pattern.type, names)}`,
      detail: `Resource types: ${names.join(', ')}.`,
      at: at(base, 'resource'),
    })
  }
  if (context.service !== undefined && pattern.service !== context.service.name) {
    diagnostics.push({
      severity: 'error',
      code: 'invalid-resource',
      summary: `A role of service "${context.service.name}" can only grant its own resources, not "${pattern.service}".`,
      at: at(base, 'resource'),
    })
  } else if (!isGlob(pattern.service) && !context.serviceNames.has(pattern.service)) {
    diagnostics.push({
      severity: 'error',
      code: 'unknown-ref',
      summary: `Unknown service "${pattern.service}" in resource "${rule.resource}"${suggestion(pattern.service, context.serviceNames)}`,
      at: at(base, 'resource'),
    })
  }
  const actions = actionList(rule.action)
  let risk: Risk | undefined = types.length > 0 ? 'low' : undefined
  actions.forEach((action, index) => {
    const actionAt = typeof rule.action === 'string' ? at(base, 'action') : at(base, 'action', index)
    if (types.length === 0) return
    const known = new Set(types.flatMap((type) => type.actions.map((entry) => entry.name)))
    if (action !== '*' && !known.has(action)) {
      diagnostics.push({
        severity: 'error',
        code: 'unknown-action',
        summary: `Action "${action}" is not an action of ${types.length === 1 ? `resource type "${types[0]?.name}"` : `resource types matching "${pattern.type}"`}${suggestion(action, known)}`,
        detail: `Actions: ${[...known].sort().join(', ')}.`,
        at: actionAt,
      })
      return
    }
    for (const type of types) {
      for (const entry of type.actions) {
        if (action === '*' || entry.name === action) risk = maxRisk(risk ?? 'low', entry.risk)
      }
    }
  })
  const catalogEnvs = new Map((catalog.environments ?? []).map((env) => [env.name, env]))
  const allowedEnvs = context.service?.environments ?? [...catalogEnvs.keys()]
  ;(rule.env ?? []).forEach((env, index) => {
    if (!catalogEnvs.has(env)) {
      diagnostics.push({ severity: 'error', code: 'unknown-ref', summary: `Unknown environment "${env}"${suggestion(env, catalogEnvs.keys())}`, at: at(base, 'env', index) })
    } else if (!allowedEnvs.includes(env)) {
      diagnostics.push({
        severity: 'error',
        code: 'unknown-ref',
        summary: `Service "${context.service?.name ?? ''}" does not run in environment "${env}" (it runs in ${allowedEnvs.join(', ')}).`,
        at: at(base, 'env', index),
      })
    }
  })
  if (risk === undefined || diagnostics.length > 0) return { pattern, risk: undefined, diagnostics }
  return { pattern, risk: ruleRisk(risk, rule, pattern, context), diagnostics }
}

/** Catalog risk raised by the environments the rule reaches and by policy risk rules. */
function ruleRisk(base: Risk, rule: GrantShape, pattern: ResourcePattern, context: RuleContext): Risk {
  const envs = rule.env ?? context.service?.environments ?? (context.catalog.environments ?? []).map((env) => env.name)
  const raiseOf = new Map((context.catalog.environments ?? []).map((env) => [env.name, env.raiseRisk ?? 0]))
  let envRaise = 0
  for (const env of envs) envRaise = Math.max(envRaise, raiseOf.get(env) ?? 0)
  let risk = raiseRisk(base, envRaise)
  const actions = actionList(rule.action)
  for (const policy of context.policies) {
    for (const riskRule of policy.riskRules ?? []) {
      const parsed = parseResourcePattern(riskRule.resource)
      if ('error' in parsed || !patternsOverlap(parsed.pattern, pattern)) continue
      if (riskRule.action !== undefined) {
        const ruleActions = actionList(riskRule.action)
        if (!ruleActions.includes('*') && !actions.includes('*') && !actions.some((action) => ruleActions.includes(action))) continue
      }
      if (riskRule.env !== undefined && !riskRule.env.some((env) => envs.includes(env))) continue
      if (riskRule.raise !== undefined) risk = raiseRisk(risk, riskRule.raise)
      if (riskRule.risk !== undefined) risk = maxRisk(risk, riskRule.risk)
    }
  }
  return risk
}

/**
 * Could some concrete resource match both patterns? Part by part, whether the two globs' languages intersect:
 * `secret:checkout/*-key` and `secret:checkout/prod-*` overlap (`prod-signing-key`) though neither matches the other's text.
 */
export function patternsOverlap(a: ResourcePattern, b: ResourcePattern): boolean {
  return partsOverlap(a.type, b.type) && partsOverlap(a.service, b.service) && partsOverlap(a.name, b.name)
}

