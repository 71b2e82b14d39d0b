// Apply under IdP traffic: SCIM writes that move nothing a plan showed or judged do not refuse it; those that do refuse it, saying what moved.
import { beforeEach, describe, expect, it } from 'vitest'
import { applyDesired, applyPlan, type ApplyOutcome } from '../../src/apply/apply.js'
import { readPlanBase } from '../../src/apply/store-base.js'
import { StalePlanError } from '../../src/errors.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import { stateDocuments, stateFromDocuments } from '../../src/model/documents.js'
import type { DesiredState } from '../../src/model/state.js'
import { makePlan } from '../../src/plan/make-plan.js'
import type { Plan } from '../../src/schema/generated/plan.js'
import type { AuditEntry, Store } from '../../src/store/store.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { addMembers, provisionGroup, provisionUser } from '../helpers/provision.js'
import { patchUrn, scimFixture, type ScimClient } from '../helpers/scim.js'

const now = fixtureNow
const apply = { approvedBy: ['acme/security:gh-alice', 'acme/security:gh-bob', 'acme/access-reviewers:gh-rev', 'acme/platform-leads:gh-lead'], commit: 'abc123', author: 'sam', actor: 'test', now }

let store: Store
let okta: ScimClient
let ids: Record<string, string>
/** The example organization with an on-call group that holds what the Checkout team holds, applied. */
let applied: DesiredState
/** `applied` with one more grant for Support Tier 2: sam gains reading auth configs in staging. */
let changed: DesiredState

/** The state with one document changed, or added when `change` is a document. */
function edited(state: DesiredState, kind: string, name: string, change: (doc: Record<string, unknown>) => void): DesiredState {
  const documents = structuredClone(stateDocuments(state))
  const entry = documents.find((candidate) => candidate.doc.kind === kind && candidate.doc.name === name)
  if (entry === undefined) throw new Error(`no ${kind} ${name}`)
  change(entry.doc)
  return stateFromDocuments(documents, now)
}

async function planNow(state: DesiredState): Promise<Plan> {
  return makePlan(state, await readPlanBase(store), now)
}

async function removeMember(groupId: string, userId: string): Promise<void> {
  const response = await okta.request('PATCH', `/Groups/${groupId}`, { schemas: [patchUrn], Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }] })
  expect(response.status).toBe(204)
}

/** SCIM writes nobody's access depends on: an unmapped group's members, a new user, a renamed user in no mapped group. */
async function unrelatedChurn(round: number): Promise<void> {
  const temp = await provisionUser(okta, `temp-${round}@acme.example`)
  await addMembers(okta, ids.staff ?? '', [temp, ids.pat ?? ''])
  await removeMember(ids.staff ?? '', ids.pat ?? '')
  const renamed = await okta.request('PATCH', `/Users/${ids.pat ?? ''}`, { schemas: [patchUrn], Operations: [{ op: 'replace', path: 'displayName', value: `Pat ${round}` }] })
  expect(renamed.status).toBe(200)
  await provisionGroup(okta, `contractors-${round}`, [temp])
}

async function applyAudit(): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = []
  await store.exportAudit((entry) => entries.push(entry))
  return entries.filter((entry) => entry.action === 'apply')
}

/** The store, with `write` made just before the apply's transaction begins: after every check outside it. */
function writingBeforeCommit(write: () => Promise<void>): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'recordApply') {
        return async (...args: Parameters<Store['recordApply']>) => {
          await write()
          return target.recordApply(...args)
        }
      }
      const value: unknown = Reflect.get(target, property, receiver)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}

async function staleMessage(promise: Promise<unknown>): Promise<string> {
  const error = await promise.catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(StalePlanError)
  return (error as Error).message
}

beforeEach(async () => {
  const fixture = await scimFixture(['okta', 'entra'])
  store = fixture.store
  okta = fixture.clients.okta as ScimClient
  const loaded = await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now })
  expect(loaded.diagnostics).toEqual([])
  const documents = structuredClone(stateDocuments(loaded.state))
  documents.push({
    file: 'services/checkout/on-call.yaml',
    doc: { kind: 'Group', name: 'Checkout On-Call', source: { scim: { connection: 'okta', displayName: 'checkout-oncall' } }, serviceRoles: [{ service: 'checkout', role: 'maintainer' }] },
  })
  applied = stateFromDocuments(documents, now)
  changed = edited(applied, 'Group', 'Support Tier 2', (doc) => {
    doc.grants = [...((doc.grants as object[] | undefined) ?? []), { action: 'read', resource: 'auth-config:*/*', env: ['staging'] }]
  })
  ids = {}
  for (const user of ['sam', 'sasha', 'sky', 'casey', 'cory', 'pat']) ids[user] = await provisionUser(okta, `${user}@acme.example`)
  ids.support = await provisionGroup(okta, 'support-tier-2', [ids.sam ?? ''])
  ids.security = await provisionGroup(okta, 'security-admins', [ids.sasha ?? '', ids.sky ?? ''])
  ids.checkout = await provisionGroup(okta, 'checkout-team', [ids.casey ?? ''])
  ids.oncall = await provisionGroup(okta, 'checkout-oncall', [])
  ids.staff = await provisionGroup(okta, 'all-staff', [ids.sam ?? '', ids.casey ?? ''])
  await expect(applyPlan(await planNow(applied), store, apply)).resolves.toMatchObject({ status: 'applied' })
})

describe('apply under SCIM writes', () => {
  it('applies saved plans in a row while SCIM writes to an unmapped group and to users nobody depends on, and audits that the directory moved', async () => {
    const outcomes: ApplyOutcome[] = []
    for (const [round, state] of [changed, applied, changed].entries()) {
      const plan = await planNow(state)
      expect(plan.access.length).toBeGreaterThan(0)
      await unrelatedChurn(round)
      const outcome = await applyPlan(plan, store, apply)
      outcomes.push(outcome)
      expect(outcome).toMatchObject({ status: 'applied', basis: { planStoreRevision: plan.base.storeRevision, directoryMoved: true } })
      if (outcome.status !== 'applied') continue
      // Five SCIM writes landed between the plan and the apply; the apply is the write after them.
      expect(outcome.basis.storeRevision).toBe(plan.base.storeRevision + 5)
      expect(outcome.revision.storeRevision).toBe(outcome.basis.storeRevision + 1)
      expect(outcome.basis.planDirectoryDigest).toBe(plan.base.directoryDigest)
      expect(outcome.revision.directoryDigest).not.toBe(plan.base.directoryDigest)
    }
    const audit = await applyAudit()
    expect(audit).toHaveLength(4)
    const last = outcomes.at(-1)
    expect(audit.at(-1)?.detail?.basis).toEqual(last?.status === 'applied' ? last.basis : 'not applied')
    expect((await store.verifyAudit()).ok).toBe(true)
  })

  it('refuses a plan once a SCIM write adds someone to a group whose access it changes, naming the person, what they would gain and through which group', async () => {
    const plan = await planNow(changed)
    expect(plan.access.map((entry) => entry.user)).toEqual(['sam@acme.example'])
    await addMembers(okta, ids.support ?? '', [ids.cory ?? ''])
    const message = await staleMessage(applyPlan(plan, store, apply))
    expect(message).toContain('The reviewed per-person access delta no longer holds:')
    expect(message).toContain('1 user (cory@acme.example) would now gain read auth-config:*/* in staging through okta group "support-tier-2", which the plan did not show')
    expect(message).not.toContain('diagnostic')
    expect(message).toContain('Plan again and have the new plan reviewed.')
    expect((await store.listAppliedRevisions()).map((revision) => revision.id)).toEqual(['r1'])
  })

  it('applies when a mapped group the plan does not change gains members, whether or not they held its access already another way', async () => {
    const plan = await planNow(changed)
    // casey holds what the on-call group gives through checkout-team already; cory gains it by SCIM alone (drift).
    await addMembers(okta, ids.oncall ?? '', [ids.casey ?? '', ids.cory ?? ''])
    const outcome = await applyPlan(plan, store, apply)
    expect(outcome).toMatchObject({ status: 'applied', basis: { directoryMoved: true } })
    // The drift baseline is the directory the apply was judged on: the new memberships are in it, but for cory's,
    // whose high-risk gain is held until a reviewed apply releases it.
    const state = await store.appliedState({ withDirectory: true })
    const oncall = state?.directory?.memberships.filter((membership) => membership.groupId === ids.oncall).map((membership) => membership.userId)
    expect(oncall).toEqual([ids.casey])
    expect(await store.listHolds({ status: ['open'] })).toMatchObject([{ userName: 'cory@acme.example', groupId: ids.oncall }])
  })

  it('applies a plan when SCIM adds a holder of a critical permission meanwhile: the addition is held, not released by a plan that did not show it', async () => {
    const plan = await planNow(changed)
    await addMembers(okta, ids.security ?? '', [ids.cory ?? ''])
    const [hold] = await store.listHolds({ status: ['open'] })
    expect(hold).toMatchObject({ userName: 'cory@acme.example', groupName: 'security-admins', risk: 'critical' })
    // The addition moves neither who holds sso:manage nor who approves: the plan still shows what applying does.
    expect((await planNow(changed)).held?.map((change) => change.id)).toEqual([hold?.id])
    await expect(applyPlan(plan, store, apply)).resolves.toMatchObject({ status: 'applied' })
    expect((await store.listHolds({ status: ['open'] })).map((open) => open.id)).toEqual([hold?.id])
  })

  it('refuses a plan when SCIM removes a holder of a critical permission', async () => {
    const plan = await planNow(changed)
    await removeMember(ids.security ?? '', ids.sky ?? '')
    const message = await staleMessage(applyPlan(plan, store, apply))
    expect(message).toContain('1 user (sky@acme.example) would no longer hold sso:manage as the plan showed (3 holders of sso:manage once applied, the plan showed 4)')
  })

  it('refuses a plan when a user the access files list, counted while nobody provisioned them, is provisioned', async () => {
    const plan = await planNow(changed)
    expect(plan.dependsOn?.unknownUsers).toEqual(['breakglass-1@acme.example', 'breakglass-2@acme.example', 'dana@acme.example', 'erin@acme.example'])
    await provisionUser(okta, 'breakglass-1@acme.example')
    const message = await staleMessage(applyPlan(plan, store, apply))
    expect(message).toContain('breakglass-1@acme.example is now provisioned, where the plan counted a user only the access files name')
  })

  it('checks again inside the write transaction: a write just before the commit that moves the delta refuses it, one that moves nothing does not', async () => {
    const plan = await planNow(changed)
    const racing = writingBeforeCommit(() => addMembers(okta, ids.support ?? '', [ids.cory ?? '']))
    const message = await staleMessage(applyPlan(plan, racing, apply))
    expect(message).toContain(`SCIM changed users or memberships since this plan was made (store revision ${plan.base.storeRevision} → ${plan.base.storeRevision + 1})`)
    expect(message).toContain('1 user (cory@acme.example) would now gain read auth-config:*/* in staging through okta group "support-tier-2", which the plan did not show')
    expect(message).not.toContain('What the plan showed or judged besides it moved')
    expect((await store.listAppliedRevisions()).map((revision) => revision.id)).toEqual(['r1'])
    await removeMember(ids.support ?? '', ids.cory ?? '')
    const fresh = await planNow(changed)
    const outcome = await applyPlan(
      fresh,
      writingBeforeCommit(() => unrelatedChurn(0)),
      apply,
    )
    expect(outcome).toMatchObject({ status: 'applied', basis: { planStoreRevision: fresh.base.storeRevision, storeRevision: fresh.base.storeRevision + 5, directoryMoved: true } })
  })

  it('applies the access directory (apply --dir) when a write between its plan and its commit moves nothing, and refuses when one does', async () => {
    const quiet = await applyDesired(
      changed,
      writingBeforeCommit(() => unrelatedChurn(0)),
      apply,
    )
    expect(quiet.outcome).toMatchObject({ status: 'applied', basis: { directoryMoved: true } })
    const message = await staleMessage(
      applyDesired(
        applied,
        writingBeforeCommit(() => addMembers(okta, ids.support ?? '', [ids.cory ?? ''])),
        apply,
      ),
    )
    expect(message).toContain('1 user (cory@acme.example) would now lose read auth-config:*/* in staging through okta group "support-tier-2", which the plan did not show')
  })

  it('still reads a plan file that records no dependencies, and refuses it once the directory moved at all, as before', async () => {
    const plan = await planNow(changed)
    const old = structuredClone(plan)
    delete old.dependsOn
    await unrelatedChurn(0)
    const message = await staleMessage(applyPlan(old, store, apply))
    expect(message).toContain('This plan file does not record what its findings and approvals depend on')
    const unmoved = structuredClone(await planNow(changed))
    delete unmoved.dependsOn
    await expect(applyPlan(unmoved, store, apply)).resolves.toMatchObject({ status: 'applied' })
  })

  it('refuses a plan file whose recorded dependencies were edited', async () => {
    const plan = await planNow(changed)
    const edited = structuredClone(plan)
    edited.dependsOn?.criticalHolders.pop()
    await expect(applyPlan(edited, store, apply)).rejects.toThrow(StalePlanError)
    expect((await store.listAppliedRevisions()).map((revision) => revision.id)).toEqual(['r1'])
  })
})
