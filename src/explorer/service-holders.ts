// Who holds roles of each service, from the effective access every page shares: built in one pass the first time a
// service page asks, then kept for as long as that effective access is current.
import type { Holding } from '../engine/types.js'
import type { AppliedAccess } from '../server/applied-access.js'
import { compareStrings } from '../util/compare.js'

export type ServiceHolder = { user: string; roles: string[] }

const byAccess = new WeakMap<AppliedAccess, Map<string, ServiceHolder[]>>()

/** The (service, role) steps of a holding's chain; holdings are shared, so each is read once. */
function rolesOf(holding: Holding, seen: Map<Holding, readonly (readonly [string, string])[]>): readonly (readonly [string, string])[] {
  let roles = seen.get(holding)
  if (roles === undefined) {
    roles = holding.chain.flatMap((step) => (step.kind === 'service-role' || step.kind === 'service-team' ? [[step.service, step.role] as const] : []))
    seen.set(holding, roles)
  }
  return roles
}

function holdersByService(live: AppliedAccess): Map<string, ServiceHolder[]> {
  const known = byAccess.get(live)
  if (known !== undefined) return known
  const seen = new Map<Holding, readonly (readonly [string, string])[]>()
  const services = new Map<string, ServiceHolder[]>()
  for (const { user, holdings } of live.access.users.values()) {
    const held = new Map<string, Set<string>>()
    for (const holding of holdings) {
      for (const [service, role] of rolesOf(holding, seen)) {
        let roles = held.get(service)
        if (roles === undefined) held.set(service, (roles = new Set()))
        roles.add(role)
      }
    }
    for (const [service, roles] of held) {
      let list = services.get(service)
      if (list === undefined) services.set(service, (list = []))
      list.push({ user, roles: [...roles].sort(compareStrings) })
    }
  }
  byAccess.set(live, services)
  return services
}

/** Everyone holding a role of `service` (through its roles or its team), in the order of effective access. */
export function serviceHolders(live: AppliedAccess | undefined, service: string): ServiceHolder[] {
  return live === undefined ? [] : (holdersByService(live).get(service) ?? [])
}
