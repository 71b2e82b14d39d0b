// Which holdings a Review campaign covers: its scope (risk range, services, resource patterns, connections) as a predicate.
import type { Holding } from '../../engine/types.js'
import { parseResourcePattern, partsOverlap, type ResourcePattern } from '../../model/resource.js'
import { riskRank } from '../../model/risk.js'
import type { ReviewScope } from '../../schema/types.js'

/** A scope ready to test holdings with; resource patterns that do not parse match nothing (validation reports them). */
export type CompiledScope = {
  scope: ReviewScope
  patterns: readonly ResourcePattern[]
}

export function compileScope(scope: ReviewScope): CompiledScope {
  const patterns: ResourcePattern[] = []
  for (const text of scope.resources ?? []) {
    const parsed = parseResourcePattern(text)
    if ('pattern' in parsed) patterns.push(parsed.pattern)
  }
  return { scope, patterns }
}

/** The services a holding belongs to: its grant's service part, or a service named along its chain. */
export function servicesOf(holding: Holding): string[] {
  const services: string[] = []
  if (holding.type === 'grant') services.push(holding.grant.resource.service)
  for (const step of holding.chain) if (step.kind === 'service-role' || step.kind === 'service-team') services.push(step.service)
  return services
}

/** Does the scope cover this holding, ignoring connections (see isConnectionInScope)? */
export function isHoldingInScope(compiled: CompiledScope, holding: Holding): boolean {
  const { scope, patterns } = compiled
  if (scope.minRisk !== undefined && riskRank(holding.risk) < riskRank(scope.minRisk)) return false
  if (scope.maxRisk !== undefined && riskRank(holding.risk) > riskRank(scope.maxRisk)) return false
  if (scope.services !== undefined) {
    const wanted = scope.services
    if (!servicesOf(holding).some((service) => wanted.some((name) => partsOverlap(service, name)))) return false
  }
  if (scope.resources !== undefined) {
    if (holding.type !== 'grant') return false
    const { resource } = holding.grant
    if (!patterns.some((pattern) => partsOverlap(pattern.type, resource.type) && partsOverlap(pattern.service, resource.service) && partsOverlap(pattern.name, resource.name))) return false
  }
  return true
}

/** Does the scope cover a person who comes through `connections` (all of them when the scope names none)? */
export function isConnectionInScope(scope: ReviewScope, connections: readonly string[]): boolean {
  return scope.connections === undefined || connections.some((connection) => scope.connections?.includes(connection) === true)
}
