// The IdP change guard's policy: which gains an IdP-originated change may give at once, and which wait for review.
import { createHash } from 'node:crypto'
import { parseResourcePattern, partsOverlap, type ResourcePattern } from '../model/resource.js'
import { isAtLeast, riskRank, type Risk } from '../model/risk.js'
import type { DesiredState } from '../model/state.js'
import type { Holding } from '../engine/types.js'

export type MassChangeLimit = { maxPeople?: number; maxGroupShare?: number; windowMs: number; risk: Risk }

/** The policies' `idpChanges` sections merged (the strictest of each), with the defaults filled in. */
export type GuardPolicy = {
  holdRisk: Risk
  services: readonly string[]
  resources: readonly ResourcePattern[]
  massChange: MassChangeLimit | undefined
  expiresAfterMs: number
  /** Changes whenever any of the above does: a plan records it, and apply refuses a plan made under another. */
  digest: string
}

export const defaultHoldRisk: Risk = 'critical'
export const defaultHoldExpiryDays = 7

function lower(a: Risk, b: Risk): Risk {
  return riskRank(a) <= riskRank(b) ? a : b
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return Math.min(a, b)
}

/** The guard policy of a (validated) state: several Policy documents combine to the strictest. */
export function guardPolicyOf(state: DesiredState): GuardPolicy {
  let holdRisk = defaultHoldRisk
  const services = new Set<string>()
  const resources = new Map<string, ResourcePattern>()
  let mass: MassChangeLimit | undefined
  let expiryDays: number | undefined
  for (const { doc } of [...state.policies.values()].sort((a, b) => (a.doc.name < b.doc.name ? -1 : 1))) {
    const section = doc.idpChanges
    if (section === undefined) continue
    if (section.holdRisk !== undefined) holdRisk = lower(section.holdRisk, holdRisk)
    for (const service of section.services ?? []) services.add(service)
    for (const text of section.resources ?? []) {
      const parsed = parseResourcePattern(text)
      if ('pattern' in parsed) resources.set(text, parsed.pattern)
    }
    expiryDays = minDefined(expiryDays, section.expiresAfterDays)
    const limit = section.massChange
    if (limit !== undefined) {
      const next: MassChangeLimit = {
        ...(limit.maxPeople === undefined ? {} : { maxPeople: limit.maxPeople }),
        ...(limit.maxGroupShare === undefined ? {} : { maxGroupShare: limit.maxGroupShare }),
        windowMs: limit.windowMinutes * 60_000,
        risk: limit.risk ?? 'high',
      }
      if (mass === undefined) mass = next
      else {
        const maxPeople = minDefined(mass.maxPeople, next.maxPeople)
        const maxGroupShare = minDefined(mass.maxGroupShare, next.maxGroupShare)
        mass = { ...(maxPeople === undefined ? {} : { maxPeople }), ...(maxGroupShare === undefined ? {} : { maxGroupShare }), windowMs: Math.max(mass.windowMs, next.windowMs), risk: lower(mass.risk, next.risk) }
      }
    }
  }
  const expiresAfterMs = (expiryDays ?? defaultHoldExpiryDays) * 86_400_000
  const sortedServices = [...services].sort()
  const sortedResources = [...resources.keys()].sort()
  const digest = createHash('sha256')
    .update(JSON.stringify({ holdRisk, services: sortedServices, resources: sortedResources, mass: mass ?? null, expiresAfterMs }))
    .digest('hex')
  return { holdRisk, services: sortedServices, resources: sortedResources.map((text) => resources.get(text) as ResourcePattern), massChange: mass, expiresAfterMs, digest }
}

/** Whether the policy holds this holding when an IdP change gives it (by risk, service or resource). */
export function isGuarded(policy: GuardPolicy, holding: Holding): boolean {
  if (isAtLeast(holding.risk, policy.holdRisk)) return true
  if (holding.type !== 'grant') return false
  const { resource } = holding.grant
  if (policy.services.some((service) => partsOverlap(service, resource.service))) return true
  return policy.resources.some((pattern) => partsOverlap(pattern.type, resource.type) && partsOverlap(pattern.service, resource.service) && partsOverlap(pattern.name, resource.name))
}

/** Whether a mass-change limit counts this holding. */
export function isMassCounted(policy: GuardPolicy, holding: Holding): boolean {
  return policy.massChange !== undefined && isAtLeast(holding.risk, policy.massChange.risk)
}
