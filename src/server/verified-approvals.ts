// The approvals of an apply through the admin API, verified by the server against the pull request's reviews (the
// rules of `rolecall approvals`), rather than taken from the caller's `approvedBy`, which is kept as a claim only.
import { checkApprovals } from '../review/approvals.js'
import { GithubApiError } from '../review/github-comment.js'
import { readPullRequestReviews, type GithubReviewSource } from '../review/github-reviews.js'
import type { Identities } from '../review/review-inputs.js'
import type { ApprovalRequirement } from '../schema/generated/plan.js'
import type { AppliedReview } from '../store/applied.js'

/**
 * How the server judges approvals. With `github`, it reads the pull request's reviews with its own token. Without,
 * it refuses an apply that needs approvals, unless `trustBranchProtection` says that the repository's branch
 * protection already required them (then the caller's `approvedBy` is taken as it is).
 */
export type ApprovalVerification = { github?: GithubReviewSource & { identities: Identities }; trustBranchProtection: boolean }

/** What an apply may go ahead with: the names its approvals are counted under, and the review verified (if any). */
export type VerifiedApprovals = { approvedBy: readonly string[]; review?: AppliedReview }

/** Why it may not: a 422 for the caller (or a 502 when GitHub could not be asked). */
export type ApprovalRefusal = { status: 422 | 502; error: string }

function needsApprovals(requirements: readonly ApprovalRequirement[]): boolean {
  return requirements.some((requirement) => requirement.count > 0)
}

/** The approvals `requirements` get from pull request `pullRequest` (its number), or why the apply is refused. */
export async function verifyApprovals(verification: ApprovalVerification, requirements: readonly ApprovalRequirement[], claimed: readonly string[], pullRequest: number | undefined): Promise<VerifiedApprovals | ApprovalRefusal> {
  const { github } = verification
  if (github === undefined) {
    if (!needsApprovals(requirements) || verification.trustBranchProtection) return { approvedBy: claimed }
    return {
      status: 422,
      error:
        "this plan needs approvals, and this server cannot verify them: it has no GitHub token to read the pull request's reviews with. Start it with --github-token-file (or ROLECALL_GITHUB_TOKEN) and --github-repo, or with --trust-branch-protection to accept the approvals the caller names",
    }
  }
  if (pullRequest === undefined) {
    if (!needsApprovals(requirements)) return { approvedBy: [] }
    return { status: 422, error: 'this plan needs approvals: send `pullRequest` (the number of the pull request that reviewed it) so that the server can verify them against its reviews' }
  }
  let inputs: Awaited<ReturnType<typeof readPullRequestReviews>>
  try {
    inputs = await readPullRequestReviews(github, pullRequest, requirements)
  } catch (error) {
    if (error instanceof GithubApiError) return { status: 502, error: `cannot verify the approvals of ${github.repository}#${pullRequest}: ${error.message}` }
    throw error
  }
  const report = checkApprovals({ requirements, reviews: inputs.reviews, teams: inputs.teams, identities: github.identities, pullRequest: inputs.pullRequest })
  if (!report.isSatisfied) {
    const missing = report.requirements
      .filter((requirement) => !requirement.isSatisfied)
      .map((requirement) => `${requirement.risk}: ${requirement.approvedBy.length} of ${requirement.count} approvals from ${requirement.approvers.join(', ')}`)
    return { status: 422, error: `the reviews of ${github.repository}#${pullRequest} do not give the approvals this plan needs:\n${missing.map((line) => `  - ${line}`).join('\n')}` }
  }
  return { approvedBy: report.approvedBy, review: { pullRequest: { repository: github.repository, number: pullRequest }, verifiedApprovers: [...report.approvedBy] } }
}
