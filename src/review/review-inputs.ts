// Shapes of the GitHub payloads `rolecall approvals` reads (reviews, pull_request event, team memberships, identities), checked by hand.

/** A review's state as the REST API reports it (`PENDING` reviews are not submitted and never count). */
export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING'

/** One entry of `GET /repos/{owner}/{repo}/pulls/{n}/reviews`, reduced to what approvals need. */
export type Review = {
  id: number
  /** Absent when GitHub reports the user as deleted (`user: null`, a "ghost"). */
  login: string | undefined
  state: ReviewState
  commitId: string | undefined
  submittedAt: string | undefined
}

/** The parts of a `pull_request` (or `pull_request_review`) event that approvals need; both are required to judge reviews. */
export type PullRequestInfo = { author: string; headSha: string }

/** `org/team` → member logins, as the workflow fetched them. */
export type TeamMembers = ReadonlyMap<string, readonly string[]>

/** GitHub login (lower case) → userName in the store, so a login can count for a `group:` approver. */
export type Identities = ReadonlyMap<string, string>

export type Parsed<T> = { value: T } | { error: string }

const reviewStates: readonly ReviewState[] = ['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING']

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** The review list; accepts the flat array GitHub returns and `gh api --paginate --slurp`'s array of pages. */
export function parseReviews(value: unknown): Parsed<Review[]> {
  if (!Array.isArray(value)) return { error: 'expected a JSON array of reviews' }
  const items: unknown[] = value.every((entry) => Array.isArray(entry)) ? value.flat() : value
  const reviews: Review[] = []
  for (const [index, item] of items.entries()) {
    if (!isRecord(item)) return { error: `review ${index} is not an object` }
    const state = item.state
    if (typeof state !== 'string' || !(reviewStates as readonly string[]).includes(state)) {
      return { error: `review ${index} has no valid state (got ${JSON.stringify(state)})` }
    }
    if (item.user !== null && item.user !== undefined && !isRecord(item.user)) return { error: `review ${index} has an invalid user` }
    const login = isRecord(item.user) ? optionalString(item.user.login) : undefined
    reviews.push({
      id: typeof item.id === 'number' ? item.id : index,
      login,
      state: state as ReviewState,
      commitId: optionalString(item.commit_id),
      submittedAt: optionalString(item.submitted_at),
    })
  }
  return { value: reviews }
}

/**
 * The event payload (`$GITHUB_EVENT_PATH`), or a pull request object itself (`gh api repos/{repo}/pulls/{n}`). Its
 * author and head commit are required: without them an author's own approval or one given before the last push
 * would count.
 */
export function parseEvent(value: unknown): Parsed<PullRequestInfo> {
  if (!isRecord(value)) return { error: 'expected a JSON object' }
  const pull = isRecord(value.pull_request) ? value.pull_request : value
  if (!isRecord(pull.head) && !isRecord(pull.user)) return { error: 'no pull_request with user and head in the event' }
  const author = isRecord(pull.user) ? optionalString(pull.user.login) : undefined
  const headSha = isRecord(pull.head) ? optionalString(pull.head.sha) : undefined
  if (author === undefined) return { error: 'the pull request names no author (user.login), so their own approvals cannot be told apart' }
  if (headSha === undefined) return { error: 'the pull request names no head commit (head.sha), so approvals of earlier commits cannot be told apart' }
  return { value: { author, headSha } }
}

/** `{"org/team": ["login", …]}`; team names are compared in lower case, as GitHub does. */
export function parseTeams(value: unknown): Parsed<Map<string, string[]>> {
  if (!isRecord(value)) return { error: 'expected a JSON object of "org/team": [logins]' }
  const teams = new Map<string, string[]>()
  for (const [team, members] of Object.entries(value)) {
    if (!/^[^/\s]+\/[^/\s]+$/.test(team)) return { error: `"${team}" is not an org/team name` }
    if (!Array.isArray(members) || !members.every((member) => typeof member === 'string')) return { error: `members of "${team}" must be a list of logins` }
    teams.set(team.toLowerCase(), [...(teams.get(team.toLowerCase()) ?? []), ...(members as string[])])
  }
  return { value: teams }
}

/** `{"login": "userName"}`. */
export function parseIdentities(value: unknown): Parsed<Map<string, string>> {
  if (!isRecord(value)) return { error: 'expected a JSON object of "login": "userName"' }
  const identities = new Map<string, string>()
  for (const [login, userName] of Object.entries(value)) {
    if (typeof userName !== 'string' || userName === '') return { error: `the userName of "${login}" must be a non-empty string` }
    identities.set(login.toLowerCase(), userName)
  }
  return { value: identities }
}
