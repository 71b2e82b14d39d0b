// Runs AccessTest assertions against the projected state: YAML + live directory + the test's hypothetical users.
import type { AccessQuery, AccessTest } from '../schema/types.js'
import type { DesiredState } from '../model/state.js'
import { checkAccess, type AccessQuestion } from './check.js'
import { computeEffectiveAccess } from './effective.js'
import { userKey } from './keys.js'
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

/** The directory plus a test's hypothetical users and their IdP group memberships. */
export function withHypotheticalUsers(directory: Directory, test: AccessTest): Directory {
  const users = [...directory.users]
  const groups = [...directory.groups]
  const memberships = [...directory.memberships]
  const givenKeys = new Set((test.given ?? []).map((entry) => userKey(entry.user)))
  // A hypothetical user replaces any live record of the same userName for this test.
  const kept = users.filter((user) => !givenKeys.has(userKey(user.userName)))
  for (const [index, entry] of (test.given ?? []).entries()) {
    const id = `test-user:${index}`
    kept.push({ id, connection: 'test', userName: entry.user, active: entry.active ?? true })
    for (const ref of entry.idpGroups ?? []) {
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
    const access = computeEffectiveAccess(state, withHypotheticalUsers(directory, test), { now })
    test.assert.forEach((assertion, index) => {
      const expect = assertion.can !== undefined ? 'can' : 'cannot'
      const query = assertion.can ?? assertion.cannot ?? {}
      const answer = checkAccess(access, question(assertion.user, query, now))
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
