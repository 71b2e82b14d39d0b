// Property: under any SCIM writes between plan and apply, apply commits exactly when the plan's documents, planned on the
// directory it committed on, show and judge the same as the reviewed plan; and refuses exactly when they do not.
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { applyPlan, ApplyRefusedError, withHoldsShown } from '../../src/apply/apply.js'
import { readPlanBase } from '../../src/apply/store-base.js'
import { StalePlanError } from '../../src/errors.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import { stateDocuments, stateFromDocuments, type StateDocument } from '../../src/model/documents.js'
import type { DesiredState } from '../../src/model/state.js'
import { makePlan } from '../../src/plan/make-plan.js'
import type { Plan } from '../../src/schema/generated/plan.js'
import { WriteRejectedError, type Store } from '../../src/store/store.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { testStore } from '../helpers/test-store.js'

const now = fixtureNow
const seed = 0x0c4a_2026
const runs = 100
const write = { actor: 'test' }
const apply = { approvedBy: ['acme/security:gh-alice', 'acme/security:gh-bob', 'acme/access-reviewers:gh-rev', 'acme/platform-leads:gh-lead'], commit: null, author: null, actor: 'test', now }
/** IdP groups: the first four are mapped by the access files, the last two by nothing. */
const groupNames = ['support-tier-2', 'security-admins', 'checkout-team', 'checkout-oncall', 'all-staff', 'contractors'] as const
const userCount = 6

/** userNames the access files name (a Break Glass member, a Grant's user): provisioning one moves what a plan reads. */
const namedUsers = ['breakglass-1@acme.example', 'erin@acme.example'] as const

type Op =
  | { kind: 'add' | 'remove'; group: number; user: number }
  | { kind: 'create' }
  | { kind: 'deactivate' | 'rename'; user: number }
  | { kind: 'rename-user'; user: number; to: number }
  | { kind: 'rename-group' }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('add' as const, 'remove' as const), group: fc.nat(groupNames.length - 1), user: fc.nat(userCount - 1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'create' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('deactivate' as const, 'rename' as const), user: fc.nat(userCount - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rename-user' as const), user: fc.nat(userCount - 1), to: fc.nat(namedUsers.length - 1) }) },
  // The unmapped `contractors` (a security admin among them) renamed to a name the access files map: Security Auditors.
  { weight: 1, arbitrary: fc.constant({ kind: 'rename-group' as const }) },
)

let applied: DesiredState
/** What the reviewed plans change, each against `applied`. */
let variants: DesiredState[]

function edited(state: DesiredState, name: string, grant: object): DesiredState {
  const documents = structuredClone(stateDocuments(state))
  const entry = documents.find((candidate) => candidate.doc.kind === 'Group' && candidate.doc.name === name)
  if (entry === undefined) throw new Error(`no Group ${name}`)
  entry.doc.grants = [...((entry.doc.grants as object[] | undefined) ?? []), grant]
  return stateFromDocuments(documents, now)
}

beforeAll(async () => {
  const loaded = await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now })
  expect(loaded.diagnostics).toEqual([])
  const documents = structuredClone(stateDocuments(loaded.state))
  documents.push({
    file: 'services/checkout/on-call.yaml',
    doc: { kind: 'Group', name: 'Checkout On-Call', source: { scim: { connection: 'okta', displayName: 'checkout-oncall' } }, serviceRoles: [{ service: 'checkout', role: 'maintainer' }] },
  })
  applied = stateFromDocuments(documents, now)
  variants = [
    edited(applied, 'Support Tier 2', { action: 'read', resource: 'auth-config:*/*', env: ['staging'] }),
    edited(applied, 'Checkout On-Call', { action: 'read', resource: 'auth-config:checkout/*', env: ['production'] }),
  ]
})

/** A store with the example organization applied: six users, two of them security admins. */
async function appliedStore(): Promise<{ store: Store; users: string[]; groups: string[] }> {
  const store = await testStore()
  const users: string[] = []
  for (let i = 0; i < userCount; i++) users.push((await store.createUser('okta', { userName: `user-${i}@acme.example`, active: true }, write)).id)
  const initial: Record<string, number[]> = { 'support-tier-2': [2], 'security-admins': [0, 1], 'checkout-team': [3], 'checkout-oncall': [], 'all-staff': [2, 3, 4], contractors: [0, 5] }
  const groups: string[] = []
  for (const name of groupNames) groups.push((await store.createGroup('okta', { displayName: name }, (initial[name] ?? []).map((index) => users[index] as string), write)).id)
  const outcome = await applyPlan(makePlan(applied, await readPlanBase(store), now), store, apply)
  expect(outcome.status).toBe('applied')
  return { store, users, groups }
}

async function perform(store: Store, users: string[], groups: string[], step: Op, index: number): Promise<void> {
  switch (step.kind) {
    case 'add':
    case 'remove':
      await store.modifyGroup('okta', groups[step.group] as string, (current) => ({ doc: current.doc, memberOps: [{ op: step.kind, ids: [users[step.user] as string] }] }), write)
      return
    case 'create':
      users.push((await store.createUser('okta', { userName: `new-${index}@acme.example`, active: true }, write)).id)
      return
    case 'deactivate':
      await store.modifyUser('okta', users[step.user] as string, (current) => ({ ...current.doc, active: false }), write)
      return
    case 'rename':
      await store.modifyUser('okta', users[step.user] as string, (current) => ({ ...current.doc, displayName: `Renamed ${index}` }), write)
      return
    case 'rename-user':
      await store.modifyUser('okta', users[step.user] as string, (current) => ({ ...current.doc, userName: namedUsers[step.to] as string }), write).catch((error: unknown) => {
        // Taken already by an earlier rename: the store refuses it and nothing changes.
        if (!(error instanceof WriteRejectedError)) throw error
      })
      return
    case 'rename-group':
      await store.modifyGroup('okta', groups[groupNames.indexOf('contractors')] as string, (current) => ({ doc: { ...current.doc, displayName: 'security-auditors' }, memberOps: [] }), write).catch((error: unknown) => {
        if (!(error instanceof WriteRejectedError)) throw error
      })
      return
    default: {
      const never: never = step
      throw new Error(`unknown step ${JSON.stringify(never)}`)
    }
  }
}

/** The store, with `write` made just before the apply's write transaction begins. */
function writingBeforeCommit(store: Store, write: () => Promise<void>): Store {
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

const outcomeSections = ['changes', 'access', 'findings', 'approvals', 'dependsOn'] as const

function sameOutcome(a: Plan, b: Plan): boolean {
  return outcomeSections.every((section) => JSON.stringify(a[section]) === JSON.stringify(b[section]))
}

describe('apply under SCIM writes (property)', () => {
  it(`commits exactly the reviewed plan, or refuses because it no longer holds (${runs} seeded cases)`, { timeout: 120_000 }, async () => {
    const tally = { applied: 0, appliedMoved: 0, appliedAfterLateWrites: 0, stale: 0, refused: 0 }
    await fc.assert(
      fc.asyncProperty(fc.nat(variants.length - 1), fc.array(op, { maxLength: 6 }), fc.array(op, { maxLength: 3 }), async (variant, ops, late) => {
        const { store, users, groups } = await appliedStore()
        try {
          const state = variants[variant] as DesiredState
          const before = await store.appliedState()
          const plan = makePlan(state, await readPlanBase(store), now)
          for (const [index, step] of ops.entries()) await perform(store, users, groups, step, index)
          // `late` lands after apply planned again and before its write transaction: only the check inside it sees them.
          const racing = writingBeforeCommit(store, async () => {
            for (const [index, step] of late.entries()) await perform(store, users, groups, step, ops.length + index)
          })
          const result = await applyPlan(plan, racing, apply).catch((error: unknown) => error)
          // The plan of the same documents against the applied state the reviewed plan was made on, on the directory
          // as it is now: the one a commit was judged on, since nothing wrote after it.
          // Holds made by the writes stay held: the plan did not show them (withHoldsShown, as apply sees the store).
          const base = withHoldsShown(await readPlanBase(store), new Set((plan.held ?? []).map((change) => change.id)))
          const replanned = makePlan(state, { ...base, applied: { revision: before?.revision.id ?? null, documents: (before?.documents ?? []) as StateDocument[] } }, now)
          if (result instanceof ApplyRefusedError) {
            tally.refused++
            return
          }
          if (result instanceof StalePlanError) {
            tally.stale++
            expect(sameOutcome(plan, replanned), result.message).toBe(false)
            expect((await store.listAppliedRevisions()).length).toBe(1)
            return
          }
          if (result instanceof Error) throw result
          expect(result).toMatchObject({ status: 'applied' })
          tally.applied++
          if (ops.length + late.length > 0) tally.appliedMoved++
          if (late.length > 0) tally.appliedAfterLateWrites++
          // What the apply did on that directory is what the plan showed and judged.
          expect(sameOutcome(plan, replanned)).toBe(true)
          expect((await store.appliedState())?.revision.directoryDigest).toBe(replanned.base.directoryDigest)
        } finally {
          await store.close()
        }
      }),
      { seed, numRuns: runs },
    )
    console.log(`apply under SCIM writes: ${runs} cases, ${JSON.stringify(tally)}`)
    // Both outcomes occur, and applies happen after writes that moved the store.
    expect(tally.stale).toBeGreaterThan(0)
    expect(tally.appliedMoved).toBeGreaterThan(0)
    expect(tally.appliedAfterLateWrites).toBeGreaterThan(0)
  })
})
