// What explain and who-can refuse: questions naming what the access files do not declare, and unknown users.
import { beforeAll, describe, expect, it } from 'vitest'
import type { AccessQuestion } from '../../src/engine/check.js'
import { isKnownUser, knownUserNames, questionProblem, unknownUserMessage, usersNamedIn } from '../../src/engine/question-check.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import { emptyState, type DesiredState } from '../../src/model/state.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'

let state: DesiredState
const at = fixtureNow

beforeAll(async () => {
  state = (await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now: fixtureNow })).state
})

describe('questionProblem', () => {
  it.each<[AccessQuestion, string | undefined]>([
    [{ user: '*', at, permission: 'sso:manage' }, undefined],
    [{ user: '*', at, action: 'run', resource: 'journey:checkout/x', env: 'production' }, undefined],
    [{ user: '*', at, action: '*', resource: 'journey:checkout/x' }, undefined],
    [{ user: '*', at, action: 'run', resource: 'jour*:checkout/x' }, undefined],
    [{ user: '*', at, action: 'run', resource: 'journey:*/x' }, undefined],
    [{ user: '*', at, action: 'run', resource: 'x*:checkout/x' }, 'unknown resource type "x*" in resource "x*:checkout/x" (resource types: auth-config, journey, secret, service)'],
    [{ user: '*', at, action: 'write', resource: '{journey,secret}:checkout/x' }, undefined],
    [{ user: '*', at, action: 'fly', resource: '{journey,secret}:checkout/x' }, 'unknown action "fly": not an action of resource types matching "{journey,secret}" (its actions: delete, edit, read, run, write)'],
    // A malformed resource is checkAccess's to refuse, with its own message.
    [{ user: '*', at, action: 'run', resource: 'journey' }, undefined],
  ])('%j → %s', (question, problem) => {
    expect(questionProblem(state, question)).toBe(problem)
  })

  it('has nothing to check against without a Catalog', () => {
    expect(questionProblem(emptyState(), { user: '*', at, permission: 'anything' })).toBeUndefined()
  })
})

describe('known users', () => {
  it('are the directory, the members groups list, the users of Grants and of break-glass grants', () => {
    const named = usersNamedIn(state)
    expect(named.has('breakglass-1@acme.example')).toBe(true)
    expect(named.has('dana@acme.example')).toBe(true)
    const known = knownUserNames(state, [{ userName: 'Sam@Acme.example' }], [{ user: 'oncall@acme.example' }])
    for (const user of ['sam@acme.example', 'BREAKGLASS-2@acme.example', 'erin@acme.example', 'oncall@acme.example']) expect(isKnownUser(user, known)).toBe(true)
    expect(isKnownUser('nobody@acme.example', known)).toBe(false)
  })

  it('suggest a close userName, judged by the part before the @', () => {
    const known = ['sasha@acme.example', 'dana@acme.example', 'sam@acme.example']
    expect(unknownUserMessage('sasha@acme.exmaple', known)).toMatch(/; did you mean "sasha@acme\.example"\?$/)
    expect(unknownUserMessage('sashaa@acme.example', known)).toMatch(/; did you mean "sasha@acme\.example"\?$/)
    // Three edits apart in a five-letter name is another person.
    expect(unknownUserMessage('sasha@acme.example', ['dana@acme.example'])).not.toContain('did you mean')
  })
})
