// What `rolecall approvals` judges, read from GitHub's REST API: a pull request's author and head, its reviews, and
// the members of the teams a plan's requirements name.
import type { ApprovalRequirement } from '../schema/generated/plan.js'
import { GithubApiError, GithubClient, nextLink } from './github-comment.js'
import { parseEvent, parseReviews, type PullRequestInfo, type Review, type TeamMembers } from './review-inputs.js'

/** Follow at most this many pages of a list (10,000 entries at per_page=100). */
const maxPages = 100

export type GithubReviewSource = { apiUrl: string; token: string; repository: string; fetch?: typeof fetch }

/** Every page of a list endpoint, flattened. */
async function listAll(client: GithubClient, path: string): Promise<unknown[]> {
  const items: unknown[] = []
  let next: string | undefined = client.url(`${path}${path.includes('?') ? '&' : '?'}per_page=100`)
  for (let pages = 0; next !== undefined && pages < maxPages; pages++) {
    const page = await client.request('GET', next)
    if (!Array.isArray(page.json)) throw new GithubApiError(`GitHub API GET ${new URL(next).pathname}: expected a list`)
    items.push(...(page.json as unknown[]))
    next = nextLink(page.headers.get('link'))
  }
  return items
}

/** The `org/team` names of `github:` approvers in the requirements, once each. */
function teamsNamed(requirements: readonly ApprovalRequirement[]): string[] {
  return [...new Set(requirements.flatMap((requirement) => requirement.approvers.filter((approver) => approver.startsWith('github:')).map((approver) => approver.slice('github:'.length).toLowerCase())))]
}

/** The pull request, its reviews and the members of the teams `requirements` name, as GitHub has them now. */
export async function readPullRequestReviews(source: GithubReviewSource, number: number, requirements: readonly ApprovalRequirement[]): Promise<{ pullRequest: PullRequestInfo; reviews: Review[]; teams: TeamMembers }> {
  const client = new GithubClient(source.apiUrl, source.token, source.fetch ?? fetch)
  const { json } = await client.request('GET', client.url(`/repos/${source.repository}/pulls/${number}`))
  const pullRequest = parseEvent(json)
  if ('error' in pullRequest) throw new GithubApiError(`GitHub API GET /repos/${source.repository}/pulls/${number}: ${pullRequest.error}`)
  const reviews = parseReviews(await listAll(client, `/repos/${source.repository}/pulls/${number}/reviews`))
  if ('error' in reviews) throw new GithubApiError(`GitHub API GET /repos/${source.repository}/pulls/${number}/reviews: ${reviews.error}`)
  const teams = new Map<string, string[]>()
  for (const team of teamsNamed(requirements)) {
    const [org, slug] = team.split('/')
    const members = await listAll(client, `/orgs/${org ?? ''}/teams/${slug ?? ''}/members`)
    teams.set(
      team,
      members.flatMap((member) => (typeof member === 'object' && member !== null && typeof (member as { login?: unknown }).login === 'string' ? [(member as { login: string }).login] : [])),
    )
  }
  return { pullRequest: pullRequest.value, reviews: reviews.value, teams }
}
