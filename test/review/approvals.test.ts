// Tests of src/review/approvals.ts and the review-input parsers: which reviews count for which requirement.
import { describe, expect, it } from 'vitest'
import { renderApprovalsText } from '../../src/render/approvals.js'
import { missingApprovals } from '../../src/apply/apply.js'
import { checkApprovals, standingApprovals, type ApprovalReport } from '../../src/review/approvals.js'
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

  it("treats a login the identity map gives the author's userName as the author", () => {
    const mapped = new Map([['dana', 'dana@acme.example'], ['dana-admin', 'DANA@acme.example']])
    const result = standingApprovals([review('dana-admin', 'APPROVED'), review('alice', 'APPROVED')], pullRequest, mapped)
    expect(result.approvers).toEqual(['alice'])
    expect(result.ignored).toEqual([{ login: 'dana-admin', reason: 'author', asAuthor: 'dana@acme.example' }])
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

describe('one person behind several logins', () => {
  // alice1 and alice2 are the same person: the identity map gives both alice@acme.example.
  const twoLogins = new Map([
    ['alice1', 'alice@acme.example'],
    ['alice2', 'alice@acme.example'],
  ])
  const eligibleAlice: ApprovalRequirement = { risk: 'critical', count: 2, approvers: ['group:Security Admins', 'github:acme/security'], eligible: ['alice@acme.example'], changes: 1 }
  const securityTeam = new Map([['acme/security', ['alice1']]])
  const both = [review('alice1', 'APPROVED'), review('alice2', 'APPROVED')]

  /** How many approvals apply counts per requirement from the report's names, next to how many the report counted. */
  function applyAgrees(report: ApprovalReport, requirements: readonly ApprovalRequirement[]): void {
    requirements.forEach((requirement, index) => {
      const got = report.requirements[index]?.approvedBy.length ?? 0
      const asApplySees = [{ ...requirement, count: got + 1 }]
      // apply counts exactly `got`: it is satisfied by `got` and not by `got + 1`.
      expect(missingApprovals([{ ...requirement, count: got }], report.approvedBy)).toEqual([])
      expect(missingApprovals(asApplySees, report.approvedBy)).toHaveLength(1)
    })
  }

  it('counts them once for a requirement they meet through the team and through the group', () => {
    const report = checkApprovals({ requirements: [eligibleAlice], reviews: both, pullRequest, teams: securityTeam, identities: twoLogins })
    expect(report.isSatisfied).toBe(false)
    expect(report.requirements[0]?.approvedBy).toEqual([{ login: 'alice1', as: 'acme/security:alice1', via: 'acme/security', otherLogins: ['alice2'] }])
    expect(report.approvedBy).toEqual(['acme/security:alice1'])
    applyAgrees(report, [eligibleAlice])
  })

  it('counts them once when neither login is in a team', () => {
    const report = checkApprovals({ requirements: [eligibleAlice], reviews: both, pullRequest, teams: new Map(), identities: twoLogins })
    expect(report.requirements[0]?.approvedBy.map((entry) => entry.as)).toEqual(['alice@acme.example'])
    expect(report.approvedBy).toEqual(['alice@acme.example'])
    expect(report.isSatisfied).toBe(false)
  })

  it('counts them once when both logins are in the approver team', () => {
    const report = checkApprovals({ requirements: [eligibleAlice], reviews: both, pullRequest, teams: new Map([['acme/security', ['alice1', 'alice2']]]), identities: twoLogins })
    expect(report.approvedBy).toEqual(['acme/security:alice1'])
    applyAgrees(report, [eligibleAlice])
  })

  it("does not count the author's second login, nor offer it as a candidate", () => {
    const identitiesOfDana = new Map([['dana', 'dana@acme.example'], ['dana2', 'dana@acme.example']])
    const requirement: ApprovalRequirement = { ...eligibleAlice, count: 1, eligible: ['dana@acme.example'] }
    const report = checkApprovals({ requirements: [requirement], reviews: [review('dana2', 'APPROVED')], pullRequest, teams: new Map([['acme/security', ['dana2']]]), identities: identitiesOfDana })
    expect(report.isSatisfied).toBe(false)
    expect(report.approvedBy).toEqual([])
    expect(report.ignored).toEqual([{ login: 'dana2', reason: 'author', asAuthor: 'dana@acme.example' }])
    expect(report.requirements[0]?.candidates).toEqual([])
    expect(renderApprovalsText(report)).toContain('  @dana2 is the author (dana@acme.example) under another login and approved their own pull request\n')
  })

  it('still names a person twice across requirements when no requirement accepts both names', () => {
    const teamOnly: ApprovalRequirement = { risk: 'high', count: 1, approvers: ['github:acme/security'], eligible: [], changes: 1 }
    const groupOnly: ApprovalRequirement = { risk: 'medium', count: 1, approvers: ['group:Security Admins'], eligible: ['alice@acme.example'], changes: 1 }
    const report = checkApprovals({ requirements: [teamOnly, groupOnly], reviews: both, pullRequest, teams: securityTeam, identities: twoLogins })
    expect(report.isSatisfied).toBe(true)
    expect(report.approvedBy).toEqual(['acme/security:alice1', 'alice@acme.example'])
    applyAgrees(report, [teamOnly, groupOnly])
  })

  it('does not count a person under a second name that apply would count twice for another requirement', () => {
    const teamOnly: ApprovalRequirement = { risk: 'high', count: 1, approvers: ['github:acme/security'], eligible: [], changes: 1 }
    const groupOnly: ApprovalRequirement = { risk: 'medium', count: 1, approvers: ['group:Security Admins'], eligible: ['alice@acme.example'], changes: 1 }
    const requirements = [teamOnly, groupOnly, eligibleAlice]
    const report = checkApprovals({ requirements, reviews: both, pullRequest, teams: securityTeam, identities: twoLogins })
    expect(report.approvedBy).toEqual(['acme/security:alice1'])
    expect(report.requirements.map((status) => status.approvedBy.length)).toEqual([1, 0, 1])
    expect(report.requirements[1]?.unnamed).toEqual(['alice1', 'alice2'])
    expect(report.requirements[1]?.candidates).toEqual([])
    applyAgrees(report, requirements)
    expect(renderApprovalsText(report)).toContain('           not counted: @alice1, @alice2 (counting them here would need a second name for the same person')
  })

  it('renders the other login next to the counted one', () => {
    const report = checkApprovals({ requirements: [eligibleAlice], reviews: both, pullRequest, teams: securityTeam, identities: twoLogins })
    expect(renderApprovalsText(report)).toContain('  MISSING  critical: 1 of 2 approvals from group:Security Admins, github:acme/security (1 change); 1 more needed\n           approved by @alice1 (acme/security; also approved as @alice2, the same person, counted once)\n')
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
    expect(parseEvent({ pull_request: { user: { login: 'dana' }, head: {} } })).toEqual({ error: 'the pull request names no head commit (head.sha), so approvals of earlier commits cannot be told apart' })
    expect(parseEvent({ pull_request: { user: null, head: { sha: head } } })).toEqual({ error: 'the pull request names no author (user.login), so their own approvals cannot be told apart' })
  })

  it('checks teams and identities', () => {
    expect(parseTeams({ 'Acme/Security': ['alice'] })).toEqual({ value: new Map([['acme/security', ['alice']]]) })
    expect(parseTeams({ security: ['alice'] })).toEqual({ error: '"security" is not an org/team name' })
    expect(parseTeams({ 'acme/security': 'alice' })).toEqual({ error: 'members of "acme/security" must be a list of logins' })
    expect(parseIdentities({ Carol: 'carol@acme.example' })).toEqual({ value: new Map([['carol', 'carol@acme.example']]) })
    expect(parseIdentities({ carol: 3 })).toEqual({ error: 'the userName of "carol" must be a non-empty string' })
  })
})
