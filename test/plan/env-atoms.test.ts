// Plans compare grants one action in one environment at a time (on the example organization): widening a rule's
// environments gains the new ones only, at their own risk, removes nothing and trips no mass-removal guard.
import { beforeAll, describe, expect, it } from 'vitest'
import { atomsOfKey, computeEffectiveAccess } from '../../src/engine/effective.js'
import type { Directory } from '../../src/engine/types.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import { stateDocuments, stateFromDocuments } from '../../src/model/documents.js'
import type { DesiredState } from '../../src/model/state.js'
import { hasBlockingFindings, makePlan } from '../../src/plan/make-plan.js'
import type { Plan } from '../../src/schema/generated/plan.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'

const now = fixtureNow
const viewers = Array.from({ length: 30 }, (_, i) => `viewer-${String(i + 1).padStart(2, '0')}@acme.example`)
/** The 30 listed viewers, provisioned by Okta. */
const directory: Directory = {
  users: viewers.map((userName, i) => ({ id: `u-${i}`, connection: 'okta', userName, active: true })),
  groups: [],
  memberships: [],
}

let example: DesiredState

beforeAll(async () => {
  const loaded = await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now })
  expect(loaded.diagnostics).toEqual([])
  example = loaded.state
})

/** The example organization plus a local group of the 30 viewers holding `rule`. */
function withViewers(rule: Record<string, unknown>): DesiredState {
  const documents = structuredClone(stateDocuments(example))
  documents.push({ file: 'services/checkout/viewers.yaml', doc: { kind: 'Group', name: 'Checkout Viewers', source: { members: { users: viewers } }, grants: [rule] } })
  return stateFromDocuments(documents, now)
}

function planOf(applied: DesiredState, desired: DesiredState): Plan {
  return makePlan(desired, { storeRevision: 7, directory, applied: { revision: 'r1', documents: stateDocuments(applied) }, breakGlass: [] }, now)
}

/** The plan's access changes, each as `change risk what (key)`, by user. */
function changesByUser(plan: Plan): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const entry of plan.access) out.set(entry.user, [...(out.get(entry.user) ?? []), `${entry.change} ${entry.risk} ${entry.what} (${entry.key})`])
  return out
}

/** Every viewer, and nobody else, has exactly `expected`. */
function expectEveryViewer(plan: Plan, expected: string[]): void {
  const byUser = changesByUser(plan)
  expect([...byUser.keys()]).toEqual(viewers)
  for (const changes of byUser.values()) expect(changes).toEqual(expected)
}

const checkout = 'service:checkout/*'

describe('plan: grants by environment', () => {
  it('shows widening env: [staging] to [staging, development] as gaining development only, with no mass removal', () => {
    const plan = planOf(withViewers({ action: 'view', resource: checkout, env: ['staging'] }), withViewers({ action: 'view', resource: checkout, env: ['staging', 'development'] }))
    expectEveryViewer(plan, [`gain low view ${checkout} in development (grant view ${checkout} env=development)`])
    expect(plan.summary.accessByRisk).toEqual([{ risk: 'low', gains: 30, losses: 0 }])
    expect(plan.findings.filter((finding) => finding.code === 'mass-removal')).toEqual([])
    expect(hasBlockingFindings(plan)).toBe(false)
  })

  it('shows dropping a rule\'s env list as gaining it in every environment, losing nothing', () => {
    const plan = planOf(withViewers({ action: 'view', resource: checkout, env: ['production'] }), withViewers({ action: 'view', resource: checkout }))
    // view is low; reaching production makes the rule medium.
    expectEveryViewer(plan, [`gain medium view ${checkout} (grant view ${checkout})`])
    expect(plan.summary.accessByRisk).toEqual([{ risk: 'medium', gains: 30, losses: 0 }])
    expect(plan.findings.filter((finding) => finding.code === 'mass-removal')).toEqual([])
    // Narrowing is a loss of every environment and a gain of the listed ones.
    const narrowed = planOf(withViewers({ action: 'view', resource: checkout }), withViewers({ action: 'view', resource: checkout, env: ['staging'] }))
    expect(changesByUser(narrowed).get(viewers[0] ?? '')?.map((change) => change.split(' ')[0]).sort()).toEqual(['gain', 'loss'])
  })

  it('rates an added environment by its own risk, not by the riskiest one the rule reaches', () => {
    // view is low; production raises it to medium. Adding staging to a production read adds a low-risk read.
    const plan = planOf(withViewers({ action: 'view', resource: checkout, env: ['production'] }), withViewers({ action: 'view', resource: checkout, env: ['production', 'staging'] }))
    expectEveryViewer(plan, [`gain low view ${checkout} in staging (grant view ${checkout} env=staging)`])
    expect(plan.changes.map((change) => [change.kind, change.name, change.risk])).toEqual([['Group', 'Checkout Viewers', 'low']])
    // And the other way round: adding production is medium.
    const toProduction = planOf(withViewers({ action: 'view', resource: checkout, env: ['staging'] }), withViewers({ action: 'view', resource: checkout, env: ['production', 'staging'] }))
    expectEveryViewer(toProduction, [`gain medium view ${checkout} in production (grant view ${checkout} env=production)`])
  })

  it('merges what moved into deltas that name exactly the actions and environments gained', () => {
    const widened = planOf(withViewers({ action: ['deploy', 'view'], resource: checkout, env: ['staging'] }), withViewers({ action: ['deploy', 'view'], resource: checkout, env: ['development', 'staging'] }))
    expectEveryViewer(widened, [`gain medium [deploy, view] ${checkout} in development (grant deploy,view ${checkout} env=development)`])
    // deploy is new everywhere, view only in development: no delta claims deploy… or view in staging as new.
    const uneven = planOf(withViewers({ action: 'view', resource: checkout, env: ['staging'] }), withViewers({ action: ['deploy', 'view'], resource: checkout, env: ['development', 'staging'] }))
    expectEveryViewer(uneven, [`gain medium deploy ${checkout} in development, staging (grant deploy ${checkout} env=development,staging)`, `gain low view ${checkout} in development (grant view ${checkout} env=development)`])
  })

  it('shows narrowing a rule without env to a list as losing "every environment" and gaining the listed ones', () => {
    const plan = planOf(withViewers({ action: 'view', resource: checkout }), withViewers({ action: 'view', resource: checkout, env: ['staging'] }))
    // Without env the rule reaches production too, hence medium.
    expectEveryViewer(plan, [`loss medium view ${checkout} (grant view ${checkout})`, `gain low view ${checkout} in staging (grant view ${checkout} env=staging)`])
  })

  it('counts removed atoms against every atom held before for the mass-removal guard', () => {
    const applied = withViewers({ action: 'view', resource: checkout, env: ['development', 'staging'] })
    const plan = planOf(applied, withViewers({ action: 'view', resource: checkout, env: ['staging'] }))
    expectEveryViewer(plan, [`loss low view ${checkout} in development (grant view ${checkout} env=development)`])
    // Every atom held before, read from the holdings' keys (each viewer holds 2; the listed break-glass accounts and Grant users the rest).
    const before = computeEffectiveAccess(applied, directory, { now })
    let total = 0
    for (const { holdings } of before.users.values()) total += new Set(holdings.flatMap((holding) => atomsOfKey(holding.key))).size
    const share = ((100 * 30) / total).toFixed(1)
    expect(plan.findings.filter((finding) => finding.code === 'mass-removal')).toEqual([
      {
        severity: 'error',
        code: 'mass-removal',
        summary: `This plan removes 30 of ${total} access items (${share}%); policy "acme-access-policy" allows at most 20.0% in one plan.`,
        paths: [],
      },
    ])
  })
})
