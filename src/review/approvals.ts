// Which of a plan's approval requirements a pull request's reviews satisfy, and the `--approved-by` names apply needs.
import type { ApprovalRequirement, Risk } from '../schema/generated/plan.js'
import { compareStrings } from '../util/compare.js'
import { groupByPerson, personKey, personKeyOfUserName, type Person } from './persons.js'
import type { Identities, PullRequestInfo, Review, TeamMembers } from './review-inputs.js'

export type ApprovalInputs = {
  requirements: readonly ApprovalRequirement[]
  reviews: readonly Review[]
  /** Required: without the author and the head commit, neither self-approval nor a stale approval can be told apart. */
  pullRequest: PullRequestInfo
  teams: TeamMembers
  identities: Identities
}

export type IgnoreReason = 'author' | 'stale-commit' | 'superseded'

/**
 * An approval that does not count, and why. `asAuthor` is the author's userName when `login` is another login of the
 * author (the identity map gives both the same userName).
 */
export type IgnoredApproval = { login: string; reason: IgnoreReason; commitId?: string; by?: 'CHANGES_REQUESTED' | 'DISMISSED'; asAuthor?: string }

/**
 * A person who counts for a requirement, and the name apply accepts for them (`org/team:login` or a userName).
 * `login` is the login that name stands for; `otherLogins` are the person's other approving logins, counted with it.
 */
export type CountedApprover = { login: string; as: string; via: string; otherLogins?: string[] }

/** Someone who could still approve: a team member or an eligible user not yet counted. */
export type Candidate = { login?: string; userName?: string; via: string }

export type RequirementStatus = {
  risk: Risk
  count: number
  approvers: string[]
  changes: number
  isSatisfied: boolean
  /** One entry per person. */
  approvedBy: CountedApprover[]
  candidates: Candidate[]
  /** `github:` approvers whose members the inputs did not include. */
  unknownTeams: string[]
  /**
   * Approving logins that could count here only under a second name, which would let apply count that person twice
   * for another requirement (see pickName); they are not counted.
   */
  unnamed: string[]
}

export type ApprovalReport = {
  isSatisfied: boolean
  requirements: RequirementStatus[]
  /**
   * What to pass as `apply --approved-by`, sorted. For every requirement, each person is behind at most one of these
   * names as apply counts them, so apply cannot count one person twice.
   */
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

/**
 * Logins whose approval stands, and the approvals that do not count. A login the identity map gives the author's
 * userName is the author, whatever the login.
 */
export function standingApprovals(reviews: readonly Review[], pullRequest: PullRequestInfo, identities: Identities = new Map()): { approvers: string[]; ignored: IgnoredApproval[] } {
  const approvers: string[] = []
  const ignored: IgnoredApproval[] = []
  const author = personKey(pullRequest.author, identities)
  const authorUserName = identities.get(lower(pullRequest.author))
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
    if (personKey(login, identities) === author) {
      ignored.push({ login, reason: 'author', ...(lower(login) === lower(pullRequest.author) || authorUserName === undefined ? {} : { asAuthor: authorUserName }) })
    } else if (last.commitId !== pullRequest.headSha) {
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

/** A name apply accepts, with what apply counts it as: `github:login` for a team name, the userName itself otherwise. */
type Name = { as: string; via: string; login: string; countedAs: string }

/** Every name under which `person` counts for `requirement` (what apply's missingApprovals accepts). */
function namesFor(person: Person, requirement: ApprovalRequirement, inputs: ApprovalInputs): Name[] {
  const names: Name[] = []
  for (const login of person.logins) {
    for (const team of teamsOf(requirement)) {
      if ((inputs.teams.get(lower(team)) ?? []).some((member) => lower(member) === lower(login))) names.push({ as: `${team}:${login}`, via: team, login, countedAs: `github:${lower(login)}` })
    }
  }
  const userName = person.userName
  if (userName !== undefined && (requirement.eligible ?? []).some((name) => lower(name) === lower(userName))) {
    names.push({ as: userName, via: groupsOf(requirement).join(', ') || 'eligible', login: person.logins[0] ?? '', countedAs: lower(userName) })
  }
  return names
}

/**
 * The name under which `person` counts for `requirement`: one already chosen for them if it is accepted here, else the
 * first new one that keeps every requirement seeing at most one of their names as apply counts them (two logins of one
 * person, or a team login and a userName, would otherwise count twice in apply). Undefined when none fits.
 */
function pickName(person: Person, requirement: ApprovalRequirement, chosen: readonly Name[], inputs: ApprovalInputs): Name | undefined {
  const names = namesFor(person, requirement, inputs)
  const reused = names.find((name) => chosen.some((entry) => entry.as === name.as))
  if (reused !== undefined) return reused
  const countedAs = new Set(chosen.map((entry) => entry.countedAs))
  const ordered = [...names.filter((name) => countedAs.has(name.countedAs)), ...names.filter((name) => !countedAs.has(name.countedAs))]
  return ordered.find((name) =>
    inputs.requirements.every((other) => {
      const accepted = new Set(namesFor(person, other, inputs).map((entry) => entry.as))
      return new Set([...chosen, name].filter((entry) => accepted.has(entry.as)).map((entry) => entry.countedAs)).size <= 1
    }),
  )
}

/** Decide every requirement. A person counts at most once per requirement, under one name that apply accepts. */
export function checkApprovals(inputs: ApprovalInputs): ApprovalReport {
  const { approvers, ignored } = standingApprovals(inputs.reviews, inputs.pullRequest, inputs.identities)
  const persons = groupByPerson(approvers, inputs.identities)
  const approving = new Set(persons.map((person) => person.key))
  const author = personKey(inputs.pullRequest.author, inputs.identities)
  const chosen = new Map<string, Name[]>()
  const requirements = inputs.requirements.map((requirement): RequirementStatus => {
    const approvedBy: CountedApprover[] = []
    const unnamed: string[] = []
    for (const person of persons) {
      const already = chosen.get(person.key) ?? []
      const pick = pickName(person, requirement, already, inputs)
      if (pick === undefined) {
        if (namesFor(person, requirement, inputs).length > 0) unnamed.push(...person.logins)
        continue
      }
      if (!already.some((entry) => entry.as === pick.as)) chosen.set(person.key, [...already, pick])
      const otherLogins = person.logins.filter((login) => login !== pick.login)
      approvedBy.push({ login: pick.login, as: pick.as, via: pick.via, ...(otherLogins.length === 0 ? {} : { otherLogins }) })
    }
    const counted = new Set(approvedBy.map((entry) => personKey(entry.login, inputs.identities)))
    const isFree = (key: string): boolean => !counted.has(key) && key !== author && !approving.has(key)
    const candidates: Candidate[] = []
    const unknownTeams: string[] = []
    for (const team of teamsOf(requirement)) {
      const members = inputs.teams.get(lower(team))
      if (members === undefined) unknownTeams.push(team)
      for (const login of members ?? []) if (isFree(personKey(login, inputs.identities))) candidates.push({ login, via: team })
    }
    const loginOf = new Map([...inputs.identities].map(([login, userName]) => [lower(userName), login]))
    for (const userName of requirement.eligible ?? []) {
      if (!isFree(personKeyOfUserName(userName))) continue
      const login = loginOf.get(lower(userName))
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
      unnamed: unnamed.sort(compareStrings),
    }
  })
  return {
    isSatisfied: requirements.every((requirement) => requirement.isSatisfied),
    requirements,
    approvedBy: [...new Set([...chosen.values()].flat().map((name) => name.as))].sort(compareStrings),
    ignored,
  }
}
