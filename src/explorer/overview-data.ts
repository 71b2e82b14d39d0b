// What the overview shows, read from the live model and the store.
import { formatHeld } from '../engine/chain.js'
import { riskLevels, type Risk } from '../model/risk.js'
import type { AppliedAccess } from '../server/applied-access.js'
import type { Store } from '../store/store.js'
import { compareStrings } from '../util/compare.js'
import type { LiveModel } from './live-model.js'
import type { Expiring, OverviewData } from './pages/overview.js'

/** How far ahead the overview looks for grants that expire. */
export const expiringWithinMs = 14 * 24 * 3_600_000

type HoldingSummary = { byRisk: Record<Risk, number>; expiring: Expiring[] }

/** Holdings by risk and those with an expiry (soonest first), once per effective access: pages share it. */
const summaries = new WeakMap<AppliedAccess, HoldingSummary>()

function summaryOf(live: AppliedAccess): HoldingSummary {
  const known = summaries.get(live)
  if (known !== undefined) return known
  const byRisk = Object.fromEntries(riskLevels.map((risk) => [risk, 0])) as Record<Risk, number>
  const expiring: Expiring[] = []
  for (const { user, holdings } of live.access.users.values()) {
    for (const holding of holdings) {
      byRisk[holding.risk]++
      if (holding.expires !== undefined) expiring.push({ user, connection: undefined, what: formatHeld(holding), risk: holding.risk, expires: holding.expires })
    }
  }
  expiring.sort((a, b) => compareStrings(a.expires, b.expires) || compareStrings(a.user, b.user))
  const summary = { byRisk, expiring }
  summaries.set(live, summary)
  return summary
}

export async function overviewData(store: Store, model: LiveModel, now: Date): Promise<OverviewData> {
  const [live, audit, applies] = await Promise.all([model.access(), model.auditVerdict(), store.listAppliedRevisions()])
  const drift = model.lastDrift()
  const snapshot = live?.snapshot ?? (await store.snapshot())
  const summary = live === undefined ? undefined : summaryOf(live)
  const until = now.getTime() + expiringWithinMs
  return {
    storeRevision: snapshot.revision,
    people: snapshot.users.length,
    deactivated: snapshot.users.filter((user) => !user.active).length,
    idpGroups: snapshot.groups.length,
    groups: live?.state.groups.size ?? 0,
    services: live?.state.services.size ?? 0,
    holdingsByRisk: summary?.byRisk,
    applies: applies.slice(-5).reverse(),
    drift: drift?.value,
    driftRevision: drift?.revision,
    expiring: (summary?.expiring ?? []).filter((entry) => Date.parse(entry.expires) <= until),
    audit,
  }
}
