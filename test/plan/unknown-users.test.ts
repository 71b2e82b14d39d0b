// Listed members and Grant users nobody provisioned (on the example organization): they still count as users, as
// break-glass accounts kept outside the IdP must, but the plan names each one, and holder counts say which they are.
import { beforeAll, describe, expect, it } from 'vitest'
import type { Directory } from '../../src/engine/types.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import { stateDocuments, stateFromDocuments } from '../../src/model/documents.js'
import type { DesiredState } from '../../src/model/state.js'
import { makePlan } from '../../src/plan/make-plan.js'
import type { Plan } from '../../src/schema/generated/plan.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'

const now = fixtureNow
let example: DesiredState

beforeAll(async () => {
  const loaded = await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now })
  expect(loaded.diagnostics).toEqual([])
  example = loaded.state
})

/** Okta with `admins` in security-admins, and dana (of a Grant) provisioned; erin (of another Grant) is not. */
function directoryWith(admins: string[]): Directory {
  const users = [...admins, 'dana@acme.example'].map((userName, i) => ({ id: `u-${i}`, connection: 'okta', userName, active: true }))
  return {
    users,
    groups: [{ id: 'g-admins', connection: 'okta', displayName: 'security-admins' }],
    memberships: users.filter((user) => admins.includes(user.userName)).map((user) => ({ groupId: 'g-admins', userId: user.id })),
  }
}

/** The example with some documents changed. */
function edited(state: DesiredState, change: (docs: Record<string, unknown>[]) => void): DesiredState {
  const documents = structuredClone(stateDocuments(state))
  change(documents.map((entry) => entry.doc))
  return stateFromDocuments(documents, now)
}

const find = (docs: Record<string, unknown>[], kind: string, name: string) => docs.find((doc) => doc.kind === kind && doc.name === name) as Record<string, unknown>
const breakGlassMembers = (names: string[]) => (docs: Record<string, unknown>[]) => {
  find(docs, 'Group', 'Break Glass').source = { members: { users: names } }
}
const withoutSsoManage = (docs: Record<string, unknown>[]) => {
  const role = find(docs, 'Role', 'Security Admin')
  role.permissions = (role.permissions as string[]).filter((permission) => permission !== 'sso:manage')
}

function planOf(applied: DesiredState | undefined, desired: DesiredState, directory: Directory): Plan {
  return makePlan(desired, { storeRevision: 3, directory, applied: { revision: applied === undefined ? null : 'r1', documents: applied === undefined ? [] : stateDocuments(applied) } }, now)
}

const findingsOf = (plan: Plan, ...codes: string[]) => plan.findings.filter((finding) => codes.includes(finding.code))
const file = (kind: string, name: string) => example[kind === 'Group' ? 'groups' : 'grants'].get(name)?.at.file ?? ''

describe('plan: users only the access files name', () => {
  it('names each misspelt break-glass account and Grant user with the document that names it, and says what it counts towards', () => {
    const misspelt = edited(example, breakGlassMembers(['breakglas-1@acme.example', 'breakglas-2@acme.example']))
    const plan = planOf(misspelt, edited(misspelt, withoutSsoManage), directoryWith(['sam@acme.example']))
    // The two accounts that do not exist still make the minimum of 2 holders: no lockout, but a warning for each.
    expect(findingsOf(plan, 'lockout')).toEqual([])
    const outsideIdp = 'expected for an account kept outside the IdP such as break glass, otherwise check the spelling.'
    const counted = 'scim:manage (policy "acme-access-policy": at least 1 holder), sso:manage (policy "acme-access-policy": 2 to 6 holders)'
    expect(findingsOf(plan, 'unknown-user')).toEqual(
      ['breakglas-1@acme.example', 'breakglas-2@acme.example']
        .map((name) => ({
          severity: 'warning',
          code: 'unknown-user',
          summary: `${name} is not in the store (no user of any connection has that userName), yet counts as a user holding ${counted}: ${outsideIdp}`,
          paths: [`${file('Group', 'Break Glass')}: Group "Break Glass" lists ${name}`],
        })),
    )
  })

  it('names a user the store lacks when the plan brings the name in, and not again in plans that change nothing about them', () => {
    const misspelt = edited(example, breakGlassMembers(['breakglas-1@acme.example', 'breakglass-2@acme.example']))
    const brought = planOf(example, misspelt, directoryWith(['sam@acme.example', 'breakglass-2@acme.example']))
    expect(findingsOf(brought, 'unknown-user').map((finding) => finding.summary.split(' ')[0])).toEqual(['breakglas-1@acme.example'])
    // The same files later, or with an unrelated change: break-glass accounts kept outside the IdP are not repeated.
    expect(findingsOf(planOf(misspelt, misspelt, directoryWith(['sam@acme.example'])), 'unknown-user')).toEqual([])
    const unrelated = edited(misspelt, (docs) => {
      find(docs, 'Group', 'Break Glass').description = 'Emergency accounts.'
    })
    expect(findingsOf(planOf(misspelt, unrelated, directoryWith(['sam@acme.example'])), 'unknown-user')).toEqual([])
  })

  it('does not call users the store lacks "active" when counting holders', () => {
    const misspelt = edited(example, breakGlassMembers(['breakglas-1@acme.example', 'breakglas-2@acme.example']))
    // One misspelt account left: the lockout guard fires, and says who the remaining holder is.
    const lockout = planOf(misspelt, edited(misspelt, (docs) => (withoutSsoManage(docs), breakGlassMembers(['breakglas-1@acme.example'])(docs))), directoryWith(['sam@acme.example']))
    expect(findingsOf(lockout, 'lockout').map((finding) => [finding.severity, finding.summary])).toEqual([
      ['error', 'Only 1 user (1 not in the store: breakglas-1@acme.example) would hold sso:manage; policy "acme-access-policy" requires at least 2.'],
    ])
    // Five admins and the two accounts that do not exist make 7 holders of sso:manage.
    const admins = ['a', 'b', 'c', 'd', 'e'].map((name) => `${name}@acme.example`)
    const tooMany = planOf(example, misspelt, directoryWith(admins))
    expect(findingsOf(tooMany, 'too-many-holders').map((finding) => finding.summary)).toEqual([
      '7 users (2 not in the store: breakglas-1@acme.example, breakglas-2@acme.example) would hold sso:manage; policy "acme-access-policy" allows at most 6.',
    ])
    // With everyone provisioned, holders are active users as before.
    const provisioned = planOf(example, edited(example, withoutSsoManage), directoryWith(['sam@acme.example', 'breakglass-1@acme.example']))
    expect(findingsOf(provisioned, 'lockout').map((finding) => finding.summary)).toEqual([])
    expect(findingsOf(provisioned, 'unknown-user').map((finding) => finding.summary.split(' ')[0])).toEqual(['breakglass-2@acme.example'])
  })

  it('says it in one line when nobody has been provisioned yet', () => {
    const plan = planOf(undefined, example, { users: [], groups: [], memberships: [] })
    expect(findingsOf(plan, 'unknown-user')).toEqual([
      {
        severity: 'warning',
        code: 'unknown-user',
        summary: 'No user is in the store yet: the 4 listed members and Grant users of the access files count as users until their connections provision them.',
        paths: [],
      },
    ])
  })
})
