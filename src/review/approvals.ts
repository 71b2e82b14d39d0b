// Which of a plan's approval requirements a pull request's reviews satisfy, and the `--approved-by` names apply needs.
import type { ApprovalRequirement, Risk } from '../schema/generated/plan.js'
import { compareStrings } from '../util/compare.js'
import type { Identities, PullRequestInfo, Review, TeamMembers } from './review-inputs.js'

export type ApprovalInputs = {
  requirements: readonly ApprovalRequirement[]
  reviews: readonly Review[]
  /** Without it, author and head-commit checks are skipped. */
  pullRequest?: PullRequestInfo
  teams: TeamMembers
  identities: Identities
}

export type IgnoreReason = 'author' | 'stale-commit' | 'superseded'

/** An approval that does not count, and why. */
export type IgnoredApproval = { login: string; reason: IgnoreReason; commitId?: string; by?: 'CHANGES_REQUESTED' | 'DISMISSED' }

/** A login that counts for a requirement, and the name apply accepts for it (`org/team:login` or a userName). */
export type CountedApprover = { login: string; as: string; via: string }

/** Someone who could still approve: a team member or an eligible user not yet counted. */
export type Candidate = { login?: string; userName?: string; via: string }

export type RequirementStatus = {
  risk: Risk
  count: number
  approvers: string[]
  changes: number
  isSatisfied: boolean
  approvedBy: CountedApprover[]
  candidates: Candidate[]
  /** `github:` approvers whose members the inputs did not include. */
  unknownTeams: string[]
}

export type ApprovalReport = {
  isSatisfied: boolean
  requirements: RequirementStatus[]
  /** What to pass as `apply --approved-by`, sorted; one name per approver per requirement. */
  approvedBy: string[]
  ignored: IgnoredApproval[]
}

type Decisive = { review: Review; order: number }

function lower(text: string): string {
  return text.toLowerCase()
}

/** GitHub's rule: a reviewer's latest APPROVED, CHANGES_REQUESTED or DISMISSED review is their state; COMMENTED changes nothing. */
function latestDecisive(reviews: readonly Review[]): Map<string, Decisive[]> {
  const ordered = reviews
    .map((review, order) => ({ review, order }))
    .filter(({ review }) => review.login !== undefined && review.state !== 'COMMENTED' && review.state !== 'PENDING')
    .sort((a, b) => compareStrings(a.review.submittedAt ?? '', b.review.submittedAt ?? '') || a.order - b.order)
  const byLogin = new Map<string, Decisive[]>()
  for (const entry of ordered) {
    const key = lower(entry.review.login ?? '')
    byLogin.set(key, [...(byLogin.get(key) ?? []), entry])
  }
  return byLogin
}

/** Logins whose approval stands, and the approvals that do not count. */
export function standingApprovals(reviews: readonly Review[], pullRequest: PullRequestInfo | undefined): { approvers: string[]; ignored: IgnoredApproval[] } {
  const approvers: string[] = []
  const ignored: IgnoredApproval[] = []
  const author = pullRequest?.author === undefined ? undefined : lower(pullRequest.author)
  for (const history of latestDecisive(reviews).values()) {
    const last = history.at(-1)?.review
    if (last === undefined) continue
    const login = last.login ?? ''
    if (last.state !== 'APPROVED') {
      if (history.some(({ review }) => review.state === 'APPROVED') && (last.state === 'CHANGES_REQUESTED' || last.state === 'DISMISSED')) {
        ignored.push({ login, reason: 'superseded', by: last.state })
      }
      continue
    }
    if (author !== undefined && lower(login) === author) ignored.push({ login, reason: 'author' })
    else if (pullRequest?.headSha !== undefined && last.commitId !== pullRequest.headSha) {
      ignored.push({ login, reason: 'stale-commit', ...(last.commitId === undefined ? {} : { commitId: last.commitId }) })
    } else approvers.push(login)
  }
  return {
    approvers: approvers.sort(compareStrings),
    ignored: ignored.sort((a, b) => compareStrings(a.login, b.login)),
  }
}

function teamsOf(requirement: ApprovalRequirement): string[] {
  return requirement.approvers.filter((approver) => approver.startsWith('github:')).map((approver) => approver.slice('github:'.length))
}

function groupsOf(requirement: ApprovalRequirement): string[] {
  return requirement.approvers.filter((approver) => approver.startsWith('group:'))
}

/** Every name under which `login` counts for `requirement` (what apply's missingApprovals accepts). */
function namesFor(login: string, requirement: ApprovalRequirement, inputs: ApprovalInputs): { as: string; via: string }[] {
  const names: { as: string; via: string }[] = []
  for (const team of teamsOf(requirement)) {
    if ((inputs.teams.get(lower(team)) ?? []).some((member) => lower(member) === lower(login))) names.push({ as: `${team}:${login}`, via: team })
  }
  const userName = inputs.identities.get(lower(login))
  if (userName !== undefined && (requirement.eligible ?? []).some((name) => lower(name) === lower(userName))) {
    names.push({ as: userName, via: groupsOf(requirement).join(', ') || 'eligible' })
  }
  return names
}

/** Decide every requirement. A login counts at most once per requirement, under one name that apply accepts. */
export function checkApprovals(inputs: ApprovalInputs): ApprovalReport {
  const { approvers, ignored } = standingApprovals(inputs.reviews, inputs.pullRequest)
  const chosen = new Map<string, string[]>()
  const requirements = inputs.requirements.map((requirement): RequirementStatus => {
    const approvedBy: CountedApprover[] = []
    for (const login of approvers) {
      const names = namesFor(login, requirement, inputs)
      if (names.length === 0) continue
      // Reuse a name already chosen for this login, so apply sees one name per person wherever possible.
      const already = chosen.get(lower(login)) ?? []
      const pick = names.find((name) => already.includes(name.as)) ?? names[0]
      if (pick === undefined) continue
      if (!already.includes(pick.as)) chosen.set(lower(login), [...already, pick.as])
      approvedBy.push({ login, ...pick })
    }
    const counted = new Set(approvedBy.map((entry) => lower(entry.login)))
    const author = inputs.pullRequest?.author === undefined ? undefined : lower(inputs.pullRequest.author)
    const isFree = (login: string | undefined): boolean => login === undefined || (!counted.has(lower(login)) && lower(login) !== author)
    const candidates: Candidate[] = []
    const unknownTeams: string[] = []
    for (const team of teamsOf(requirement)) {
      const members = inputs.teams.get(lower(team))
      if (members === undefined) unknownTeams.push(team)
      for (const login of members ?? []) if (isFree(login)) candidates.push({ login, via: team })
    }
    const loginOf = new Map([...inputs.identities].map(([login, userName]) => [lower(userName), login]))
    for (const userName of requirement.eligible ?? []) {
      const login = loginOf.get(lower(userName))
      if (!isFree(login)) continue
      if (login !== undefined && candidates.some((candidate) => candidate.login !== undefined && lower(candidate.login) === login)) continue
      candidates.push({ ...(login === undefined ? {} : { login }), userName, via: groupsOf(requirement).join(', ') || 'eligible' })
    }
    return {
      risk: requirement.risk,
      count: requirement.count,
      approvers: [...requirement.approvers],
      changes: requirement.changes,
      isSatisfied: approvedBy.length >= requirement.count,
      approvedBy,
      candidates: candidates.sort((a, b) => compareStrings(a.login ?? a.userName ?? '', b.login ?? b.userName ?? '')),
      unknownTeams,
    }
  })
  return {
    isSatisfied: requirements.every((requirement) => requirement.isSatisfied),
    requirements,
    approvedBy: [...new Set([...chosen.values()].flat())].sort(compareStrings),
    ignored,
  }
}
