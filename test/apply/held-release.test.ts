// Held IdP changes through plan and apply: the plan shows them with their risk in its approvals, the approved apply
// releases them, and a plan made before the idpChanges policy changed is refused, saying so.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { applyPlan } from '../../src/apply/apply.js'
import { readPlanBase } from '../../src/apply/store-base.js'
import { StalePlanError } from '../../src/errors.js'
import { computeEffectiveAccess } from '../../src/engine/effective.js'
import { withoutHolds } from '../../src/guard/held-directory.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import { stateDocuments, stateFromDocuments } from '../../src/model/documents.js'
import type { DesiredState } from '../../src/model/state.js'
import { makePlan } from '../../src/plan/make-plan.js'
import type { Store } from '../../src/store/store.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { testStore } from '../helpers/test-store.js'

const now = fixtureNow
const okta = { actor: 'scim:okta' }
const approvals = ['acme/security:gh-alice', 'acme/security:gh-bob', 'acme/access-reviewers:gh-rev', 'acme/platform-leads:gh-lead']
const apply = { approvedBy: approvals, commit: 'abc123', author: 'sam', actor: 'test', now }
let store: Store
let desired: DesiredState
let security: string
let cory: string

async function example(): Promise<DesiredState> {
  return (await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now })).state
}

/** Whether `user` holds sso:manage on the applied state, as the check API computes it (holds left out). */
async function holdsSsoManage(user: string): Promise<boolean> {
  const base = await readPlanBase(store)
  const access = computeEffectiveAccess(stateFromDocuments(base.applied.documents, now), withoutHolds(base.directory, base.holds ?? []), { now })
  return (access.users.get(user)?.holdings ?? []).some((holding) => holding.type === 'permission' && holding.permission === 'sso:manage')
}

afterEach(async () => {
  await store.close()
})

beforeEach(async () => {
  store = await testStore()
  desired = await example()
  const admins = await Promise.all(['sasha@acme.example', 'sky@acme.example'].map((userName) => store.createUser('okta', { userName }, okta)))
  security = (
    await store.createGroup(
      'okta',
      { displayName: 'security-admins' },
      admins.map((user) => user.id),
      okta,
    )
  ).id
  cory = (await store.createUser('okta', { userName: 'cory@acme.example' }, okta)).id
  await applyPlan(makePlan(desired, await readPlanBase(store), now), store, apply)
  await store.modifyGroup('okta', security, (current) => ({ doc: current.doc, memberOps: [{ op: 'add', ids: [cory] }] }), okta)
})

describe('held IdP changes through plan and apply', () => {
  it('shows the hold in the plan, counts its risk in the approvals, and releases it with the approved apply', async () => {
    expect(await holdsSsoManage('cory@acme.example')).toBe(false)
    const plan = makePlan(desired, await readPlanBase(store), now)
    expect(plan.summary.hasChanges).toBe(true)
    expect(plan.changes).toEqual([])
    expect(plan.held).toMatchObject([{ id: 'h1', user: 'cory@acme.example', group: 'security-admins', risk: 'critical', trigger: 'membership' }])
    expect(plan.approvals.map((approval) => approval.risk)).toContain('critical')
    // The reviewed members of Security Admins may approve; cory, whom the release gives access, may not.
    expect(plan.approvals.find((approval) => approval.risk === 'critical')?.eligible).toEqual(['sasha@acme.example', 'sky@acme.example'])
    await expect(applyPlan(plan, store, { ...apply, approvedBy: ['acme/access-reviewers:gh-rev'] })).rejects.toThrow(/approvals missing/)
    expect(await holdsSsoManage('cory@acme.example')).toBe(false)
    await expect(applyPlan(plan, store, apply)).resolves.toMatchObject({ status: 'applied', revision: { id: 'r2' } })
    expect(await holdsSsoManage('cory@acme.example')).toBe(true)
    expect(await store.listHolds()).toMatchObject([{ id: 'h1', status: 'released', closedReason: 'released by applied revision r2' }])
    // Released is reviewed: the next plan shows nothing, and cory may now approve.
    const next = makePlan(desired, await readPlanBase(store), now)
    expect(next.summary.hasChanges).toBe(false)
  })

  it('refuses a plan made before the idpChanges policy changed, and says so', async () => {
    const plan = makePlan(desired, await readPlanBase(store), now)
    // Another reviewed apply changes what the guard holds (critical only) before this plan is applied.
    const relaxed = stateFromDocuments(
      stateDocuments(desired).map((document) => (document.doc.kind === 'Policy' ? { ...document, doc: { ...document.doc, idpChanges: { holdRisk: 'critical' } } } : document)),
      now,
    )
    await applyPlan(makePlan(relaxed, await readPlanBase(store), now), store, apply)
    const refused = await applyPlan(plan, store, apply).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(StalePlanError)
    expect(String((refused as Error).message)).toContain('The IdP change guard policy (idpChanges) changed since the plan')
  })

  it('leaves a removal during a hold immediate, the hold moot, and a plan made before it showing what no longer applies', async () => {
    const plan = makePlan(desired, await readPlanBase(store), now)
    await store.modifyGroup('okta', security, (current) => ({ doc: current.doc, memberOps: [{ op: 'remove', ids: [cory] }] }), okta)
    expect(await store.listHolds()).toMatchObject([{ id: 'h1', status: 'moot' }])
    const refused = await applyPlan(plan, store, apply).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(StalePlanError)
    expect(String((refused as Error).message)).toContain('The held IdP changes moved since the plan: it showed h1, the store now holds none.')
  })
})
