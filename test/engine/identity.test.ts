import { beforeAll, describe, expect, it } from 'vitest'
import { runAccessTests } from '../../src/engine/access-tests.js'
import { checkAccess } from '../../src/engine/check.js'
import { computeEffectiveAccess } from '../../src/engine/effective.js'
import { Identities, identitiesOf } from '../../src/engine/identity.js'
import { resolvePerson } from '../../src/engine/person.js'
import type { BreakGlassGrant, Directory } from '../../src/engine/types.js'
import { UserAccessCompiler } from '../../src/engine/user-access.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import type { DesiredState } from '../../src/model/state.js'
import type { Organization } from '../../src/schema/types.js'
import { fixtureNow, fixturesDir } from '../helpers/fixtures.js'

let state: DesiredState

/** The same state with okta and entra merged by userName. */
function merged(base: DesiredState): DesiredState {
  const organization = base.organization
  if (organization === undefined) throw new Error('the fixture declares an Organization')
  const doc: Organization = { ...organization.doc, mergeIdentities: [{ connections: ['okta', 'entra'], by: 'userName' }] }
  return { ...base, organization: { ...organization, doc } }
}

beforeAll(async () => {
  const loaded = await loadAccessDir(`${fixturesDir}identity/two-idps`, { cwd: fixturesDir, now: fixtureNow })
  expect(loaded.diagnostics).toEqual([])
  state = loaded.state
})

/** alice@acme.example in both IdPs (okta's is a security admin), bob in entra only. */
const directory: Directory = {
  users: [
    { id: 'u-okta-alice', connection: 'okta', userName: 'alice@acme.example', active: true },
    { id: 'u-entra-alice', connection: 'entra', userName: 'Alice@Acme.example', active: true },
    { id: 'u-entra-bob', connection: 'entra', userName: 'bob@acme.example', active: true },
  ],
  groups: [
    { id: 'g-security', connection: 'okta', displayName: 'security-admins' },
    { id: 'g-qa', connection: 'entra', displayName: 'qa' },
  ],
  memberships: [
    { groupId: 'g-security', userId: 'u-okta-alice' },
    { groupId: 'g-qa', userId: 'u-entra-alice' },
    { groupId: 'g-qa', userId: 'u-entra-bob' },
  ],
}

const heldBy = (target: DesiredState, key: string, breakGlass: readonly BreakGlassGrant[] = []) =>
  (computeEffectiveAccess(target, directory, { now: fixtureNow, breakGlass }).users.get(key)?.holdings ?? []).map((holding) => holding.key).sort()

describe('identity', () => {
  it('keeps each connection its own people unless the Organization merges them', () => {
    const two = identitiesOf(state)
    expect(two.isSeveral).toBe(true)
    expect(two.personKey('Alice@acme.example', 'okta')).not.toBe(two.personKey('alice@acme.example', 'entra'))
    expect(two.personName('alice@acme.example', 'entra')).toBe('alice@acme.example (entra)')
    const one = identitiesOf(merged(state))
    expect(one.isSeveral).toBe(false)
    expect(one.personKey('Alice@acme.example', 'okta')).toBe(one.personKey('alice@acme.example', 'entra'))
    expect(one.personName('alice@acme.example', 'entra')).toBe('alice@acme.example')
    // A connection the Organization does not declare is never merged into anyone.
    expect(one.personKey('alice@acme.example', 'onelogin')).not.toBe(one.personKey('alice@acme.example', 'okta'))
  })

  it('gives the userName of two unmerged connections two people, each holding only what came through their own', () => {
    const access = computeEffectiveAccess(state, directory, { now: fixtureNow })
    expect([...access.users.values()].map((user) => user.user)).toEqual(['Alice@Acme.example (entra)', 'bob@acme.example (entra)', 'alice@acme.example (okta)'])
    const identities = identitiesOf(state)
    expect(heldBy(state, identities.personKey('alice@acme.example', 'okta'))).toEqual(['grant read secret:checkout/stripe-key env=staging', 'permission audit:read', 'permission sso:manage'])
    // entra's alice is listed in On Call (connection entra) and in entra's qa; okta's IdP groups and Grant are not hers.
    expect(heldBy(state, identities.personKey('alice@acme.example', 'entra'))).toEqual(['grant edit journey:checkout/* env=staging', 'grant run journey:checkout/*'])
  })

  it('merges the people of merged connections into one, who holds what came through either', () => {
    const both = merged(state)
    const access = computeEffectiveAccess(both, directory, { now: fixtureNow })
    expect([...access.users.values()].map((user) => user.user)).toEqual(['alice@acme.example', 'bob@acme.example'])
    expect(heldBy(both, 'alice@acme.example')).toEqual(['grant edit journey:checkout/* env=staging', 'grant read secret:checkout/stripe-key env=staging', 'grant run journey:checkout/*', 'permission audit:read', 'permission sso:manage'])
  })

  it('says through which connection a listed member is a member', () => {
    const access = computeEffectiveAccess(state, directory, { now: fixtureNow })
    const entraAlice = access.users.get(identitiesOf(state).personKey('alice@acme.example', 'entra'))
    const listed = entraAlice?.holdings.find((holding) => holding.chain[0]?.kind === 'local-member')
    expect(listed?.chain[0]).toEqual({ kind: 'local-member', user: 'alice@acme.example', connection: 'entra' })
  })

  it('binds a break-glass grant (a userName only) to the one person of that name, and to nobody when the name is two people', () => {
    const grant = (user: string): BreakGlassGrant => ({ id: `bg-${user}`, user, actions: ['read'], resource: 'secret:checkout/stripe-key', reason: 'INC-9', expires: '2026-11-24T00:00:00Z' })
    const identities = identitiesOf(state)
    expect(heldBy(state, identities.personKey('bob@acme.example', 'entra'), [grant('bob@acme.example')])).toContain('grant read secret:checkout/stripe-key')
    const aliceGrant = [grant('alice@acme.example')]
    expect(heldBy(state, identities.personKey('alice@acme.example', 'okta'), aliceGrant)).not.toContain('grant read secret:checkout/stripe-key')
    expect(heldBy(state, identities.personKey('alice@acme.example', 'entra'), aliceGrant)).not.toContain('grant read secret:checkout/stripe-key')
  })

  it('answers the check API path (one user at a time) as effective access does, per person', () => {
    const compiler = new UserAccessCompiler(state)
    const identities = identitiesOf(state)
    const access = computeEffectiveAccess(state, directory, { now: fixtureNow })
    for (const user of directory.users) {
      const key = identities.personKey(user.userName, user.connection)
      const records = { ...directory, users: directory.users.filter((record) => record.userName.toLowerCase() === user.userName.toLowerCase()) }
      const { parts, user: shown } = compiler.partsOf(key, records, { now: fixtureNow })
      const holdings = parts.flat()
      compiler.sort(holdings)
      expect({ user: shown, holdings }).toEqual(access.users.get(key))
    }
  })
})

describe('resolvePerson', () => {
  const ref = (user: string, connection?: string) => ({ user, ...(connection === undefined ? {} : { connection }) })

  it('takes the connection the application signed the user in through', () => {
    const identities = identitiesOf(state)
    expect(resolvePerson(identities, ref('alice@acme.example', 'entra'), directory.users)).toEqual({ key: identities.personKey('alice@acme.example', 'entra'), name: 'alice@acme.example (entra)', connections: ['entra'] })
  })

  it('refuses a userName that two unmerged connections hold, naming them, rather than answer with both', () => {
    expect(resolvePerson(identitiesOf(state), ref('ALICE@acme.example'), directory.users)).toEqual({
      error: 'user "ALICE@acme.example" is ambiguous: a user of that userName comes through okta and entra, which are different people; say which with `connection`',
    })
  })

  it('needs no connection for a userName one identity holds, nor where the connections are merged', () => {
    const identities = identitiesOf(state)
    expect(resolvePerson(identities, ref('bob@acme.example'), directory.users)).toMatchObject({ key: identities.personKey('bob@acme.example', 'entra'), connections: ['entra'] })
    expect(resolvePerson(identitiesOf(merged(state)), ref('alice@acme.example'), directory.users)).toEqual({ key: 'alice@acme.example', name: 'alice@acme.example', connections: ['okta', 'entra'] })
  })

  it('refuses a connection the Organization does not declare, with a did-you-mean', () => {
    expect(resolvePerson(identitiesOf(state), ref('alice@acme.example', 'entr'), directory.users)).toEqual({ error: 'unknown connection "entr"; did you mean "entra"?' })
    expect(resolvePerson(new Identities(state.organization?.doc), ref('alice@acme.example', 'google'), [])).toEqual({ error: 'unknown connection "google"; the Organization declares: okta, entra' })
  })

  it('denies, through entra, what only okta gave', () => {
    const identities = identitiesOf(state)
    const access = computeEffectiveAccess(state, directory, { now: fixtureNow })
    const person = resolvePerson(identities, ref('alice@acme.example', 'entra'), directory.users)
    if ('error' in person) throw new Error(person.error)
    expect(checkAccess(access, { user: 'alice@acme.example', permission: 'sso:manage', at: fixtureNow }, person.key)).toEqual({ allowed: false, reasons: [], denials: ['no access of "alice@acme.example" covers this'] })
  })
})

describe('access tests', () => {
  it('name a person with a connection, and fail (never pass on the union) when a userName is ambiguous', () => {
    expect(runAccessTests(state, directory, fixtureNow).map((result) => result.passed)).toEqual([true, true, true])
    const test = state.tests.get('two people')?.doc
    if (test === undefined) throw new Error('the fixture declares the test')
    const ambiguous: DesiredState = { ...state, tests: new Map([['ambiguous', { doc: { ...test, name: 'ambiguous', assert: [{ user: 'alice@acme.example', cannot: { permission: 'sso:manage' } }] }, at: { file: 'tests.yaml', index: 0 } }]]) }
    const [result] = runAccessTests(ambiguous, directory, fixtureNow)
    expect(result?.passed).toBe(false)
    expect(result?.why[0]).toMatch(/^user "alice@acme.example" is ambiguous/)
  })
})
