// Tests of src/review/approvals.ts and the review-input parsers: which reviews count for which requirement.
import { describe, expect, it } from 'vitest'
import { renderApprovalsText } from '../../src/render/approvals.js'
import { checkApprovals, standingApprovals } from '../../src/review/approvals.js'
import { parseEvent, parseIdentities, parseReviews, parseTeams, type Review, type ReviewState } from '../../src/review/review-inputs.js'
import type { ApprovalRequirement } from '../../src/schema/generated/plan.js'

const head = 'h'.repeat(40)
const old = 'o'.repeat(40)
const pullRequest = { author: 'dana', headSha: head }
const teams = new Map([
  ['acme/security', ['alice', 'bob', 'dana']],
  ['acme/access-reviewers', ['rita']],
])
const identities = new Map([
  ['carol', 'carol@acme.example'],
  ['alice', 'alice@acme.example'],
])

const high: ApprovalRequirement = { risk: 'high', count: 1, approvers: ['group:Security Admins', 'github:acme/security'], eligible: ['carol@acme.example', 'sasha@acme.example'], changes: 3 }
const critical: ApprovalRequirement = { ...high, risk: 'critical', count: 2, changes: 1 }
const low: ApprovalRequirement = { risk: 'low', count: 1, approvers: ['github:acme/access-reviewers'], eligible: [], changes: 2 }

let clock = 0
function review(login: string, state: ReviewState, commit = head): Review {
  clock++
  return { id: clock, login, state, commitId: commit, submittedAt: `2026-11-23T10:${String(clock).padStart(2, '0')}:00Z` }
}

describe('standingApprovals', () => {
  it.each<[string, Review[], string[], string[]]>([
    ['counts an approval on the head commit', [review('alice', 'APPROVED')], ['alice'], []],
    ['ignores the author approving their own pull request', [review('dana', 'APPROVED')], [], ['dana:author']],
    ['ignores the author whatever the case of the login', [review('DANA', 'APPROVED')], [], ['DANA:author']],
    ['ignores an approval of an earlier commit', [review('alice', 'APPROVED', old)], [], ['alice:stale-commit']],
    ['counts a re-approval after the last push', [review('alice', 'APPROVED', old), review('alice', 'APPROVED')], ['alice'], []],
    ['drops an approval superseded by changes requested', [review('alice', 'APPROVED'), review('alice', 'CHANGES_REQUESTED')], [], ['alice:superseded']],
    ['drops a dismissed approval', [review('alice', 'APPROVED'), review('alice', 'DISMISSED')], [], ['alice:superseded']],
    ['keeps an approval followed by a comment', [review('alice', 'APPROVED'), review('alice', 'COMMENTED')], ['alice'], []],
    ['counts an approval after changes requested', [review('alice', 'CHANGES_REQUESTED'), review('alice', 'APPROVED')], ['alice'], []],
    ['ignores pending reviews and deleted users', [review('alice', 'PENDING'), { ...review('x', 'APPROVED'), login: undefined }], [], []],
    ['counts each reviewer once', [review('alice', 'APPROVED'), review('alice', 'APPROVED'), review('bob', 'APPROVED')], ['alice', 'bob'], []],
  ])('%s', (_name, reviews, approvers, ignored) => {
    const result = standingApprovals(reviews, pullRequest)
    expect(result.approvers).toEqual(approvers)
    expect(result.ignored.map((entry) => `${entry.login}:${entry.reason}`)).toEqual(ignored)
  })

  it('orders reviews by submission time, not by their place in the list', () => {
    const approved = review('alice', 'APPROVED')
    const changes = review('alice', 'CHANGES_REQUESTED')
    expect(standingApprovals([changes, approved], pullRequest).approvers).toEqual([])
  })

  it('skips author and commit checks without an event', () => {
    expect(standingApprovals([review('dana', 'APPROVED', old)], undefined).approvers).toEqual(['dana'])
  })
})

describe('checkApprovals', () => {
  it.each<[string, ApprovalRequirement[], Review[], boolean, string[]]>([
    ['a team member satisfies high', [high], [review('alice', 'APPROVED')], true, ['acme/security:alice']],
    ['one approver is not enough for critical', [critical], [review('alice', 'APPROVED')], false, ['acme/security:alice']],
    ['two distinct approvers satisfy critical', [critical], [review('alice', 'APPROVED'), review('bob', 'APPROVED')], true, ['acme/security:alice', 'acme/security:bob']],
    ['the same approver twice does not satisfy critical', [critical], [review('alice', 'APPROVED'), review('alice', 'APPROVED')], false, ['acme/security:alice']],
    ['a group approver counts through identities', [high], [review('carol', 'APPROVED')], true, ['carol@acme.example']],
    ['a login outside the teams and groups counts for nothing', [high], [review('zed', 'APPROVED')], false, []],
    ['the author in the approver team does not count', [high], [review('dana', 'APPROVED')], false, []],
    ['a stale approval does not count', [high], [review('bob', 'APPROVED', old)], false, []],
    ['each requirement is decided on its own', [critical, low], [review('alice', 'APPROVED'), review('rita', 'APPROVED')], false, ['acme/access-reviewers:rita', 'acme/security:alice']],
    ['no requirements are always satisfied', [], [], true, []],
  ])('%s', (_name, requirements, reviews, isSatisfied, approvedBy) => {
    const report = checkApprovals({ requirements, reviews, pullRequest, teams, identities })
    expect(report.isSatisfied).toBe(isSatisfied)
    expect(report.approvedBy).toEqual(approvedBy)
  })

  it('uses one name per person, the team name, when it counts for the team and the group', () => {
    const report = checkApprovals({ requirements: [high, critical], reviews: [review('alice', 'APPROVED')], pullRequest, teams, identities })
    expect(report.approvedBy).toEqual(['acme/security:alice'])
    expect(report.requirements.map((status) => status.approvedBy.length)).toEqual([1, 1])
  })

  it('lists who could still approve, without the author and those already counted', () => {
    const report = checkApprovals({ requirements: [critical], reviews: [review('alice', 'APPROVED')], pullRequest, teams, identities })
    expect(report.requirements[0]?.candidates).toEqual([
      { login: 'bob', via: 'acme/security' },
      { login: 'carol', userName: 'carol@acme.example', via: 'group:Security Admins' },
      { userName: 'sasha@acme.example', via: 'group:Security Admins' },
    ])
  })

  it('notes an approver team whose members were not given', () => {
    const report = checkApprovals({ requirements: [low], reviews: [], pullRequest, teams: new Map(), identities })
    expect(report.requirements[0]?.unknownTeams).toEqual(['acme/access-reviewers'])
  })
})

describe('renderApprovalsText', () => {
  it('says what is met, what is missing, who approved, who could, and the apply arguments', () => {
    const reviews = [review('alice', 'APPROVED'), review('dana', 'APPROVED'), review('bob', 'APPROVED', old), review('rita', 'APPROVED'), review('rita', 'CHANGES_REQUESTED')]
    const text = renderApprovalsText(checkApprovals({ requirements: [critical, high], reviews, pullRequest, teams, identities }))
    expect(text).toBe(
      [
        'rolecall approvals: 1 of 2 requirements met; approvals missing.',
        '',
        '  MISSING  critical: 1 of 2 approvals from group:Security Admins, github:acme/security (1 change); 1 more needed',
        '           approved by @alice (acme/security)',
        '           could approve: @bob (acme/security), @carol (carol@acme.example, group:Security Admins), sasha@acme.example (group:Security Admins; no GitHub login known)',
        '  met      high: 1 of 1 approval from group:Security Admins, github:acme/security (3 changes)',
        '           approved by @alice (acme/security)',
        '',
        'Not counted:',
        `  @bob approved an earlier commit (ooooooo), before the last push`,
        '  @dana approved their own pull request',
        `  @rita's approval was superseded by a later "changes requested"`,
        '',
        'approved-by: --approved-by acme/security:alice',
        '',
      ].join('\n'),
    )
  })

  it('quotes userNames that a shell would split', () => {
    const report = checkApprovals({ requirements: [high], reviews: [review('carol', 'APPROVED')], pullRequest, teams, identities: new Map([['carol', "carol o'neil"]]) })
    expect(report.approvedBy).toEqual([])
    const spaced = checkApprovals({ requirements: [{ ...high, eligible: ["carol o'neil"] }], reviews: [review('carol', 'APPROVED')], pullRequest, teams, identities: new Map([['carol', "carol o'neil"]]) })
    expect(renderApprovalsText(spaced)).toContain(`approved-by: --approved-by 'carol o'\\''neil'\n`)
  })
})

describe('review inputs', () => {
  it.each<[string, unknown, string]>([
    ['reviews that are not a list', { id: 1 }, 'expected a JSON array of reviews'],
    ['a review without a state', [{ id: 1, user: { login: 'a' } }], 'review 0 has no valid state (got undefined)'],
    ['a review with an unknown state', [{ id: 1, user: { login: 'a' }, state: 'LGTM' }], 'review 0 has no valid state (got "LGTM")'],
  ])('rejects %s', (_name, value, error) => {
    expect(parseReviews(value)).toEqual({ error })
  })

  it('reads the pages that gh api --paginate --slurp writes', () => {
    const parsed = parseReviews([[{ id: 1, user: { login: 'a' }, state: 'APPROVED', commit_id: head }], [{ id: 2, user: null, state: 'COMMENTED' }]])
    expect(parsed).toEqual({
      value: [
        { id: 1, login: 'a', state: 'APPROVED', commitId: head, submittedAt: undefined },
        { id: 2, login: undefined, state: 'COMMENTED', commitId: undefined, submittedAt: undefined },
      ],
    })
  })

  it('reads an event or a bare pull request', () => {
    expect(parseEvent({ pull_request: { user: { login: 'dana' }, head: { sha: head } } })).toEqual({ value: { author: 'dana', headSha: head } })
    expect(parseEvent({ user: { login: 'dana' }, head: { sha: head } })).toEqual({ value: { author: 'dana', headSha: head } })
    expect(parseEvent({ push: true })).toEqual({ error: 'no pull_request with user and head in the event' })
  })

  it('checks teams and identities', () => {
    expect(parseTeams({ 'Acme/Security': ['alice'] })).toEqual({ value: new Map([['acme/security', ['alice']]]) })
    expect(parseTeams({ security: ['alice'] })).toEqual({ error: '"security" is not an org/team name' })
    expect(parseTeams({ 'acme/security': 'alice' })).toEqual({ error: 'members of "acme/security" must be a list of logins' })
    expect(parseIdentities({ Carol: 'carol@acme.example' })).toEqual({ value: new Map([['carol', 'carol@acme.example']]) })
    expect(parseIdentities({ carol: 3 })).toEqual({ error: 'the userName of "carol" must be a non-empty string' })
  })
})
