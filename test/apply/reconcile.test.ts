// The three examples end to end: provision over SCIM, plan, apply, check, change IdP membership, refuse stale plans.
import { beforeEach, describe, expect, it } from 'vitest'
import { applyPlan, ApplyRefusedError, explainStale, missingApprovals } from '../../src/apply/apply.js'
import { readPlanBase } from '../../src/apply/store-base.js'
import { checkAccess } from '../../src/engine/check.js'
import { computeEffectiveAccess } from '../../src/engine/effective.js'
import { StalePlanError } from '../../src/errors.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import { stateDocuments, stateFromDocuments } from '../../src/model/documents.js'
import type { DesiredState } from '../../src/model/state.js'
import { makePlan } from '../../src/plan/make-plan.js'
import type { Store } from '../../src/store/store.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { addMembers, provisionGroup, provisionUser } from '../helpers/provision.js'
import { scimFixture, type ScimClient } from '../helpers/scim.js'

const now = fixtureNow
const approvals = ['acme/security:gh-alice', 'acme/security:gh-bob', 'acme/access-reviewers:gh-rev', 'acme/platform-leads:gh-lead']
const apply = { approvedBy: approvals, commit: 'abc123', author: 'sam', actor: 'test', now }

let store: Store
let okta: ScimClient
let desired: DesiredState
let ids: Record<string, string>

async function exampleState(): Promise<DesiredState> {
  const loaded = await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now })
  expect(loaded.diagnostics).toEqual([])
  return loaded.state
}

/** The example state with one document changed. */
function edited(state: DesiredState, kind: string, name: string, change: (doc: Record<string, unknown>) => void): DesiredState {
  const documents = structuredClone(stateDocuments(state))
  const entry = documents.find((candidate) => candidate.doc.kind === kind && candidate.doc.name === name)
  if (entry === undefined) throw new Error(`no ${kind} ${name}`)
  change(entry.doc)
  return stateFromDocuments(documents, now)
}

async function planNow(state: DesiredState) {
  return makePlan(state, await readPlanBase(store), now)
}

async function liveAccess() {
  const base = await readPlanBase(store)
  const applied = await store.appliedState()
  const state = stateFromDocuments(applied?.documents ?? [], now)
  return computeEffectiveAccess(state, base.directory, { now })
}

beforeEach(async () => {
  const fixture = await scimFixture(['okta', 'entra'])
  store = fixture.store
  okta = fixture.clients.okta as ScimClient
  desired = await exampleState()
  ids = {}
  for (const user of ['sam', 'sasha', 'sky', 'casey', 'cory']) ids[user] = await provisionUser(okta, `${user}@acme.example`)
  ids.support = await provisionGroup(okta, 'support-tier-2', [ids.sam ?? ''])
  ids.security = await provisionGroup(okta, 'security-admins', [ids.sasha ?? '', ids.sky ?? ''])
  ids.checkout = await provisionGroup(okta, 'checkout-team', [ids.casey ?? ''])
  ids.staff = await provisionGroup(okta, 'all-staff', [ids.sam ?? '', ids.casey ?? ''])
})

describe('reconciling the example organization', () => {
  it('applies the three examples and the check API answers as the YAML says', async () => {
    const plan = await planNow(desired)
    expect(plan.summary.hasChanges).toBe(true)
    expect(plan.idpGroups.unmapped).toEqual(['okta/all-staff'])
    const outcome = await applyPlan(plan, store, apply)
    expect(outcome).toMatchObject({ status: 'applied', revision: { id: 'r1', commit: 'abc123', author: 'sam' } })
    const access = await liveAccess()
    const ask = (user: string, query: object) => checkAccess(access, { user, at: now, authMethod: 'sso', ...query } as Parameters<typeof checkAccess>[1])
    expect(ask('sam@acme.example', { action: 'run', resource: 'journey:checkout/diagnostic-login', env: 'production' })).toMatchObject({ allowed: true })
    expect(ask('sam@acme.example', { action: 'edit', resource: 'auth-config:checkout/oidc', env: 'production' })).toMatchObject({ allowed: false })
    expect(ask('sam@acme.example', { permission: 'sso:manage' })).toMatchObject({ allowed: false })
    expect(ask('sasha@acme.example', { permission: 'sso:manage' })).toEqual({
      allowed: true,
      reasons: ['okta group "security-admins" → group "Security Admins" → role "Security Admin" → sso:manage'],
      denials: [],
    })
    expect(ask('casey@acme.example', { action: 'edit', resource: 'journey:checkout/place-order', env: 'staging' })).toMatchObject({ allowed: true })
    expect(ask('cory@acme.example', { action: 'edit', resource: 'journey:checkout/place-order', env: 'staging' })).toMatchObject({ allowed: false })
    // The IdP adds cory to checkout-team: access follows with no YAML change.
    await addMembers(okta, ids.checkout ?? '', [ids.cory ?? ''])
    const after = await liveAccess()
    expect(checkAccess(after, { user: 'cory@acme.example', at: now, action: 'edit', resource: 'journey:checkout/place-order', env: 'staging' })).toMatchObject({ allowed: true })
    const audit = await store.verifyAudit()
    expect(audit.ok).toBe(true)
  })

  it('treats applying the same YAML twice as a no-op', async () => {
    await applyPlan(await planNow(desired), store, apply)
    const again = await planNow(desired)
    expect(again.summary.hasChanges).toBe(false)
    expect(again.access).toEqual([])
    await expect(applyPlan(again, store, apply)).resolves.toEqual({ status: 'no-changes' })
    expect((await store.listAppliedRevisions()).map((revision) => revision.id)).toEqual(['r1'])
  })

  it('refuses a saved plan after the IdP changed memberships, and says who would gain what', async () => {
    const plan = await planNow(desired)
    const cory = ids.cory ?? ''
    await addMembers(okta, ids.security ?? '', [cory])
    const error = await applyPlan(plan, store, apply).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StalePlanError)
    expect(String((error as Error).message)).toContain('SCIM changed users or memberships since the plan')
    expect(String((error as Error).message)).toMatch(/1 user \(cory@acme\.example\) would now gain sso:manage through okta group "security-admins", which the plan did not show/)
    expect(await store.listAppliedRevisions()).toEqual([])
  })

  it('says the reviewed plan still holds when an unrelated SCIM change moved the store, and applies it', async () => {
    const plan = await planNow(desired)
    await addMembers(okta, ids.staff ?? '', [ids.cory ?? ''])
    const message = explainStale(plan, await readPlanBase(store), now)
    expect(message).toContain('SCIM changed users or memberships since the plan')
    expect(message).toContain('The reviewed plan still holds: its per-person access delta and every input its findings and approvals read are unchanged.')
    await expect(applyPlan(plan, store, apply)).resolves.toMatchObject({ status: 'applied', basis: { planStoreRevision: plan.base.storeRevision, directoryMoved: true } })
  })

  it('refuses a plan that is missing approvals, naming what is missing', async () => {
    const plan = await planNow(desired)
    const error = await applyPlan(plan, store, { ...apply, approvedBy: ['acme/security:gh-alice'] }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ApplyRefusedError)
    expect((error as Error).message).toContain('critical: 1 of 2 approvals from group:Security Admins, github:acme/security')
    expect(await store.listAppliedRevisions()).toEqual([])
  })

  it('counts one person once, even when named through two approver teams', () => {
    const requirement = { risk: 'critical' as const, count: 2, approvers: ['github:acme/security', 'github:acme/platform-leads'], eligible: ['sasha@acme.example'], changes: 1 }
    expect(missingApprovals([requirement], ['acme/security:gh-alice', 'ACME/platform-leads:gh-alice'])).toEqual(['critical: 1 of 2 approvals from github:acme/security, github:acme/platform-leads'])
    expect(missingApprovals([requirement], ['sasha@acme.example', 'Sasha@acme.example'])).toHaveLength(1)
    expect(missingApprovals([requirement], ['acme/security:gh-alice', 'acme/platform-leads:gh-bob'])).toEqual([])
    expect(missingApprovals([requirement], ['acme/security:gh-alice', 'sasha@acme.example'])).toEqual([])
    expect(missingApprovals([requirement], ['acme/security:', 'acme/other:gh-bob', 'gh-alice'])).toHaveLength(1)
  })

  it('counts members of an approver group as approvers', async () => {
    const plan = await planNow(desired)
    const critical = plan.approvals.find((approval) => approval.risk === 'critical')
    expect(critical?.eligible).toEqual(['sasha@acme.example', 'sky@acme.example'])
    await expect(applyPlan(plan, store, { ...apply, approvedBy: ['sasha@acme.example', 'sky@acme.example', 'acme/access-reviewers:gh-rev'] })).resolves.toMatchObject({ status: 'applied' })
  })

  it('refuses a lockout: removing the Security Admin role leaves too few holders of sso:manage', async () => {
    await applyPlan(await planNow(desired), store, apply)
    const withoutBreakGlass = edited(desired, 'Group', 'Break Glass', (doc) => {
      doc.roles = []
    })
    const lockout = edited(withoutBreakGlass, 'Group', 'Security Admins', (doc) => {
      doc.roles = []
    })
    const plan = await planNow(lockout)
    expect(plan.findings.filter((finding) => finding.code === 'lockout' && finding.severity === 'error').map((finding) => finding.summary)).toContain(
      'Only 0 active users would hold sso:manage; policy "acme-access-policy" requires at least 2.',
    )
    await expect(applyPlan(plan, store, apply)).rejects.toThrow(/policy forbids this plan:[\s\S]*lockout/)
    expect((await store.listAppliedRevisions()).length).toBe(1)
  })

  it('refuses a separation-of-duty breach and prints the chains that break it', async () => {
    await applyPlan(await planNow(desired), store, apply)
    const breach = edited(desired, 'Group', 'Security Admins', (doc) => {
      doc.roles = ['Security Admin', 'Security Auditor']
    })
    const plan = await planNow(breach)
    const finding = plan.findings.find((candidate) => candidate.code === 'separation-of-duty')
    expect(finding?.severity).toBe('error')
    expect(finding?.paths.some((path) => path.includes('role "Security Auditor"'))).toBe(true)
    await expect(applyPlan(plan, store, apply)).rejects.toThrow(ApplyRefusedError)
  })

  it('serialises concurrent applies: the loser gets a stale-plan error, the store one revision', async () => {
    const plan = await planNow(desired)
    const results = await Promise.allSettled([applyPlan(plan, store, apply), applyPlan(plan, store, apply)])
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected'])
    const rejected = results.find((result) => result.status === 'rejected')
    expect(rejected?.status === 'rejected' ? rejected.reason : undefined).toBeInstanceOf(StalePlanError)
    expect((await store.listAppliedRevisions()).map((revision) => revision.id)).toEqual(['r1'])
  })

  it('refuses a plan file whose desired documents were edited after review', async () => {
    const plan = await planNow(desired)
    const tampered = structuredClone(plan)
    const group = tampered.desired.find((entry) => entry.doc.name === 'Support Tier 2')
    if (group !== undefined) group.doc.roles = ['Security Admin']
    await expect(applyPlan(tampered, store, apply)).rejects.toThrow('the plan file was modified after it was made')
  })

  it('judges findings and approvals on the plan it makes itself, not on what the plan file says', async () => {
    const plan = await planNow(desired)
    const unapproved = structuredClone(plan)
    unapproved.approvals = []
    await expect(applyPlan(unapproved, store, { ...apply, approvedBy: [] })).rejects.toThrow(/the plan file was modified after it was made: its approvals do not match its documents/)
    // A lockout whose finding was deleted from the file.
    await applyPlan(plan, store, apply)
    const lockout = await planNow(
      edited(
        edited(desired, 'Group', 'Break Glass', (doc) => {
          doc.roles = []
        }),
        'Group',
        'Security Admins',
        (doc) => {
          doc.roles = []
        },
      ),
    )
    const silenced = structuredClone(lockout)
    silenced.findings = []
    await expect(applyPlan(silenced, store, apply)).rejects.toThrow(ApplyRefusedError)
    expect((await store.listAppliedRevisions()).map((revision) => revision.id)).toEqual(['r1'])
  })

  it('refuses a plan made against another store that reached the same revision', async () => {
    const other = await scimFixture(['okta', 'entra'])
    try {
      const otherOkta = other.clients.okta as ScimClient
      const otherIds: Record<string, string> = {}
      for (const user of ['sam', 'sasha', 'sky', 'casey', 'cory']) otherIds[user] = await provisionUser(otherOkta, `${user}@acme.example`)
      await provisionGroup(otherOkta, 'support-tier-2', [otherIds.sam ?? ''])
      // cory instead of sky in security-admins: the same number of writes, another directory.
      await provisionGroup(otherOkta, 'security-admins', [otherIds.sasha ?? '', otherIds.cory ?? ''])
      await provisionGroup(otherOkta, 'checkout-team', [otherIds.casey ?? ''])
      await provisionGroup(otherOkta, 'all-staff', [otherIds.sam ?? '', otherIds.casey ?? ''])
      expect(await other.store.revision()).toBe(await store.revision())
      const plan = await planNow(desired)
      const error = await applyPlan(plan, other.store, apply).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(StalePlanError)
      expect((error as Error).message).toMatch(/cory@acme\.example\) would now gain sso:manage/)
      expect(await other.store.listAppliedRevisions()).toEqual([])
    } finally {
      await other.store.close()
    }
  })

  it('holds a pull request to the applied policy and approvers: it cannot lower its own bar', async () => {
    await applyPlan(await planNow(desired), store, apply)
    // One access reviewer for everything, and Support Tier 2 may edit the org's SSO configuration (critical).
    const loosened = edited(
      edited(desired, 'Policy', 'acme-access-policy', (doc) => {
        doc.approvals = ['low', 'medium', 'high', 'critical'].map((risk) => ({ risk, count: 1, approvers: [{ githubTeam: 'acme/access-reviewers' }] }))
      }),
      'Group',
      'Support Tier 2',
      (doc) => {
        doc.grants = [...((doc.grants as object[] | undefined) ?? []), { action: 'edit', resource: 'auth-config:identity/*', env: ['production'] }]
      },
    )
    const plan = await planNow(loosened)
    const critical = plan.approvals.filter((approval) => approval.risk === 'critical')
    expect(critical).toContainEqual(expect.objectContaining({ count: 2, approvers: ['group:Security Admins', 'github:acme/security'] }))
    expect(critical).toContainEqual(expect.objectContaining({ count: 1, approvers: ['github:acme/access-reviewers'] }))
    await expect(applyPlan(plan, store, { ...apply, approvedBy: ['acme/access-reviewers:gh-rev'] })).rejects.toThrow(/approvals missing:[\s\S]*critical: 0 of 2 approvals from group:Security Admins/)
    // cory lists themselves in Security Admins: not an approver of that change.
    const selfApproved = edited(desired, 'Group', 'Security Admins', (doc) => {
      doc.source = { members: { users: ['cory@acme.example', 'casey@acme.example'] } }
    })
    const eligible = (await planNow(selfApproved)).approvals.flatMap((approval) => approval.eligible ?? [])
    expect(eligible).toContain('sasha@acme.example')
    expect(eligible).not.toContain('cory@acme.example')
    expect(eligible).not.toContain('casey@acme.example')
  })

  it('rates what a change grants under the applied catalog and risk rules too: dropping a rule does not lower the bar', async () => {
    await applyPlan(await planNow(desired), store, apply)
    // The rule that makes editing the identity service's auth configs critical goes, in the same change that grants it.
    const withoutRule = edited(desired, 'Policy', 'acme-access-policy', (doc) => {
      doc.riskRules = (doc.riskRules as { resource: string }[]).filter((rule) => rule.resource !== 'auth-config:identity/*')
    })
    const granted = edited(withoutRule, 'Group', 'Support Tier 2', (doc) => {
      doc.grants = [...((doc.grants as object[] | undefined) ?? []), { action: 'edit', resource: 'auth-config:identity/*', env: ['staging'] }]
    })
    const plan = await planNow(granted)
    const gain = plan.access.find((entry) => entry.user === 'sam@acme.example' && entry.change === 'gain' && entry.key.includes('auth-config:identity'))
    expect(gain?.risk).toBe('critical')
    expect(plan.approvals.filter((approval) => approval.risk === 'critical')).toContainEqual(expect.objectContaining({ count: 2, approvers: ['group:Security Admins', 'github:acme/security'] }))
    // A catalog that lowers a risk is judged the same way.
    const lowered = edited(desired, 'Catalog', (desired.catalog?.doc.name ?? '') as string, (doc) => {
      const secret = (doc.resourceTypes as { name: string; actions: { name: string; risk: string }[] }[]).find((type) => type.name === 'secret')
      for (const action of secret?.actions ?? []) action.risk = 'low'
    })
    const reads = edited(lowered, 'Group', 'Support Tier 2', (doc) => {
      doc.grants = [...((doc.grants as object[] | undefined) ?? []), { action: 'read', resource: 'secret:checkout/*', env: ['staging'] }]
    })
    const secretGain = (await planNow(reads)).access.find((entry) => entry.user === 'sam@acme.example' && entry.key.includes('secret:checkout'))
    expect(secretGain?.risk).not.toBe('low')
  })
})
