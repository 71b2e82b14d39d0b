import { beforeAll, describe, expect, it } from 'vitest'
import type { Directory } from '../../src/engine/types.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import { stateDocuments } from '../../src/model/documents.js'
import type { DesiredState } from '../../src/model/state.js'
import { makePlan } from '../../src/plan/make-plan.js'
import type { Organization } from '../../src/schema/types.js'
import { fixtureNow, fixturesDir } from '../helpers/fixtures.js'

let state: DesiredState

beforeAll(async () => {
  const loaded = await loadAccessDir(`${fixturesDir}identity/two-idps`, { cwd: fixturesDir, now: fixtureNow })
  expect(loaded.diagnostics).toEqual([])
  state = loaded.state
})

const directory: Directory = {
  users: [
    { id: 'u-okta-alice', connection: 'okta', userName: 'alice@acme.example', active: true },
    { id: 'u-entra-alice', connection: 'entra', userName: 'alice@acme.example', active: true },
  ],
  groups: [
    { id: 'g-security', connection: 'okta', displayName: 'security-admins' },
    { id: 'g-qa', connection: 'entra', displayName: 'qa' },
  ],
  memberships: [
    { groupId: 'g-security', userId: 'u-okta-alice' },
    { groupId: 'g-qa', userId: 'u-entra-alice' },
  ],
}

const gains = (plan: ReturnType<typeof makePlan>) => plan.access.map((delta) => `${delta.user} ${delta.change === 'gain' ? 'gains' : 'loses'} ${delta.what}`)

describe('plan, with a userName in two connections', () => {
  it('shows two people when the connections are not merged, each gaining only what came through their own', () => {
    const plan = makePlan(state, { storeRevision: 1, directory, applied: { revision: null, documents: [] } }, fixtureNow)
    expect(gains(plan)).toEqual([
      'alice@acme.example (entra) gains edit journey:checkout/* in staging',
      'alice@acme.example (entra) gains run journey:checkout/*',
      'alice@acme.example (okta) gains sso:manage',
      'alice@acme.example (okta) gains read secret:checkout/stripe-key in staging',
      'alice@acme.example (okta) gains audit:read',
    ])
    expect(plan.summary.users).toBe(2)
  })

  it('shows the merge itself: the two people go, and the one person they become gains what came through either', () => {
    const organization = state.organization
    if (organization === undefined) throw new Error('the fixture declares an Organization')
    const doc: Organization = { ...organization.doc, mergeIdentities: [{ connections: ['okta', 'entra'], by: 'userName' }] }
    const mergedState: DesiredState = { ...state, organization: { ...organization, doc } }
    const plan = makePlan(mergedState, { storeRevision: 1, directory, applied: { revision: 'r1', documents: stateDocuments(state) } }, fixtureNow)
    expect(plan.changes.map((change) => `${change.action} ${change.kind} ${change.name} (${change.risk})`)).toEqual(['update Organization Two IdPs (high)'])
    const lines = gains(plan)
    expect(lines.filter((line) => line.startsWith('alice@acme.example gains'))).toEqual([
      'alice@acme.example gains sso:manage',
      'alice@acme.example gains read secret:checkout/stripe-key in staging',
      'alice@acme.example gains edit journey:checkout/* in staging',
      'alice@acme.example gains run journey:checkout/*',
      'alice@acme.example gains audit:read',
    ])
    expect(lines.filter((line) => line.includes('(entra) loses') || line.includes('(okta) loses'))).toHaveLength(5)
  })
})
