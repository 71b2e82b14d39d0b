// Checks of Review documents against the rest of the access files: known services, connections and reviewer
// Groups, parsable resource patterns, a sane risk range, and a scope that covers something the files declare.
import { suggestion } from '../../diag/suggest.js'
import { BundleBuilder, grantHolding } from '../../engine/bundles.js'
import type { LocatedDiagnostic } from '../../load/document.js'
import { parseResourcePattern } from '../../model/resource.js'
import { riskRank } from '../../model/risk.js'
import type { Declared, DesiredState } from '../../model/state.js'
import type { Review } from '../../schema/types.js'
import { compileScope, isHoldingInScope } from './scope.js'

/** Every problem of every Review of `state`; needs the Catalog (without one there is nothing to review). */
export function checkReviews(state: DesiredState, now: Date): LocatedDiagnostic[] {
  if (state.catalog === undefined || state.reviews.size === 0) return []
  const diagnostics: LocatedDiagnostic[] = []
  const builder = new BundleBuilder(state)
  const declared = [...[...state.groups.values()].flatMap(({ doc }) => builder.bundle(doc)), ...[...state.grants.values()].flatMap(({ doc }) => grantHolding(builder, doc, now) ?? [])]
  for (const entry of state.reviews.values()) checkReview(state, entry, declared, diagnostics)
  return diagnostics
}

function checkReview(state: DesiredState, entry: Declared<Review>, declared: ReturnType<BundleBuilder['bundle']>, diagnostics: LocatedDiagnostic[]): void {
  const { doc, at } = entry
  const before = diagnostics.length
  const here = (...path: (string | number)[]) => ({ file: at.file, index: at.index, path })
  const unknown = (what: string, name: string, known: Iterable<string>, path: (string | number)[]) =>
    diagnostics.push({ severity: 'error', code: 'unknown-ref', summary: `Unknown ${what} "${name}"${suggestion(name, known)}`, at: here(...path) })
  const { scope, reviewers } = doc
  scope.services?.forEach((name, index) => {
    if (!state.services.has(name)) unknown('service', name, state.services.keys(), ['scope', 'services', index])
  })
  const connections = (state.organization?.doc.connections ?? []).map((connection) => connection.name)
  scope.connections?.forEach((name, index) => {
    if (!connections.includes(name)) unknown('connection', name, connections, ['scope', 'connections', index])
  })
  scope.resources?.forEach((text, index) => {
    const parsed = parseResourcePattern(text)
    if ('error' in parsed) diagnostics.push({ severity: 'error', code: 'schema', summary: `\`scope.resources[${index}]\` is not a resource pattern: ${parsed.error}`, at: here('scope', 'resources', index) })
  })
  reviewers.groups?.forEach((name, index) => {
    if (!state.groups.has(name)) unknown('reviewer group', name, state.groups.keys(), ['reviewers', 'groups', index])
  })
  if (reviewers.serviceTeam === false && reviewers.groups === undefined && reviewers.users === undefined) {
    diagnostics.push({ severity: 'error', code: 'no-reviewers', summary: `Review "${doc.name}" names no reviewers: set \`serviceTeam: true\`, \`groups\` or \`users\`.`, at: here('reviewers') })
  }
  if (scope.minRisk !== undefined && scope.maxRisk !== undefined && riskRank(scope.minRisk) > riskRank(scope.maxRisk)) {
    diagnostics.push({ severity: 'error', code: 'empty-scope', summary: `Review "${doc.name}": \`scope.minRisk\` ${scope.minRisk} is above \`scope.maxRisk\` ${scope.maxRisk}, so the scope covers nothing.`, at: here('scope') })
    return
  }
  // A scope with an unknown service or a bad pattern already has its error: saying it covers nothing adds nothing.
  if (diagnostics.length > before) return
  const compiled = compileScope(scope)
  if (!declared.some((holding) => isHoldingInScope(compiled, holding))) {
    diagnostics.push({
      severity: 'error',
      code: 'empty-scope',
      summary: `Review "${doc.name}" covers nothing: no Role, Group, Service role or Grant of the access files gives access in its scope.`,
      detail: 'Widen the scope (risk, services, resources) or remove the campaign.',
      at: here('scope'),
    })
  }
}
