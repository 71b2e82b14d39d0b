// Runs AccessTest assertions against the projected state: YAML + live directory + the test's hypothetical users.
import type { AccessQuery, AccessTest } from '../schema/types.js'
import type { DesiredState } from '../model/state.js'
import { checkAccess, type AccessQuestion } from './check.js'
import { computeEffectiveAccess } from './effective.js'
import { identitiesOf, type Identities } from './identity.js'
import { resolvePerson } from './person.js'
import { namedConnections } from './question-check.js'
import type { Directory } from './types.js'

export type AssertionResult = {
  test: string
  index: number
  user: string
  expect: 'can' | 'cannot'
  query: AccessQuery
  passed: boolean
  /** Chains that allow it, or why it is denied: what makes a failing assertion fail. */
  why: string[]
}

/**
 * The connection of a hypothetical user's record: the one the entry names, else that of its first IdP group, else
 * the Organization's first (where a userName alone names a person, which connection it is changes nothing).
 */
function givenConnection(identities: Identities, entry: NonNullable<AccessTest['given']>[number]): string {
  return entry.connection ?? entry.idpGroups?.[0]?.connection ?? identities.connections[0] ?? 'test'
}

/**
 * The directory plus a test's hypothetical users and their IdP group memberships. A hypothetical user is a person
 * of one identity: a record of their connection, a member of the IdP groups the entry names of that identity's
 * connections only (an IdP group of another identity is another person's).
 */
export function withHypotheticalUsers(directory: Directory, test: AccessTest, identities: Identities = identitiesOf({ organization: undefined })): Directory {
  const users = [...directory.users]
  const groups = [...directory.groups]
  const memberships = [...directory.memberships]
  const givenKeys = new Set((test.given ?? []).map((entry) => identities.personKey(entry.user, givenConnection(identities, entry))))
  // A hypothetical user replaces any live record of the same person for this test.
  const kept = users.filter((user) => !givenKeys.has(identities.personKey(user.userName, user.connection)))
  for (const [index, entry] of (test.given ?? []).entries()) {
    const id = `test-user:${index}`
    const connection = givenConnection(identities, entry)
    const identity = identities.identityOf(connection)
    kept.push({ id, connection, userName: entry.user, active: entry.active ?? true })
    for (const ref of entry.idpGroups ?? []) {
      if (identities.identityOf(ref.connection) !== identity) continue
      let group = groups.find((candidate) => candidate.connection === ref.connection && (ref.externalId !== undefined ? candidate.externalId === ref.externalId : candidate.displayName === ref.displayName))
      if (group === undefined) {
        group = { id: `test-group:${groups.length}`, connection: ref.connection, displayName: ref.displayName ?? ref.externalId ?? '', ...(ref.externalId === undefined ? {} : { externalId: ref.externalId }) }
        groups.push(group)
      }
      memberships.push({ groupId: group.id, userId: id })
    }
  }
  return { users: kept, groups, memberships }
}

function question(user: string, query: AccessQuery, at: Date): AccessQuestion {
  const base = { user, at, ...(query.authMethod === undefined ? {} : { authMethod: query.authMethod }) }
  if (query.permission !== undefined) return { ...base, permission: query.permission }
  return { ...base, action: query.action ?? '', resource: query.resource ?? '', ...(query.env === undefined ? {} : { env: query.env }), ...(query.tags === undefined ? {} : { tags: query.tags }) }
}

/** Every assertion of every AccessTest, in declaration order of tests (sorted by name) and assertions. */
export function runAccessTests(state: DesiredState, directory: Directory, now: Date): AssertionResult[] {
  const results: AssertionResult[] = []
  for (const name of [...state.tests.keys()].sort()) {
    const test = state.tests.get(name)?.doc
    if (test === undefined) continue
    const identities = identitiesOf(state)
    const tested = withHypotheticalUsers(directory, test, identities)
    const access = computeEffectiveAccess(state, tested, { now })
    test.assert.forEach((assertion, index) => {
      const expect = assertion.can !== undefined ? 'can' : 'cannot'
      const query = assertion.can ?? assertion.cannot ?? {}
      // The assertion names a person as the check API's question does: a userName, and the connection when needed.
      const person = resolvePerson(identities, { user: assertion.user, ...(assertion.connection === undefined ? {} : { connection: assertion.connection }) }, tested.users, () => namedConnections(state, assertion.user))
      const answer = 'error' in person ? person : checkAccess(access, question(assertion.user, query, now), person.key)
      if ('error' in answer) {
        results.push({ test: name, index, user: assertion.user, expect, query, passed: false, why: [answer.error] })
        return
      }
      const passed = answer.allowed === (expect === 'can')
      results.push({ test: name, index, user: assertion.user, expect, query, passed, why: answer.allowed ? answer.reasons : answer.denials })
    })
  }
  return results
}
