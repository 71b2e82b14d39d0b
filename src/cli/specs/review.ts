// The commands of the review loop: validate, plan, apply, approvals, codeowners, github-comment.
import { defineCommand } from '../spec.js'
import { actorOption, dbOption, dirOption, formatOption, serverOption, insecureOption, quietOption } from './shared.js'

export const validateSpec = {
  name: 'validate',
  summary: 'check access/ against the schemas and references',
  description: 'Every problem is reported with file:line:col and, for a misspelt key or name, a did-you-mean.',
  options: { dir: dirOption, format: { ...formatOption(['text', 'json', 'github']), description: 'output format: text, json, or github (workflow annotations)' } },
  exitCodes: { 0: 'no errors (warnings allowed)', 1: 'errors in the access files, or a bad command line' },
  examples: [
    ['rolecall validate', 'check ./access'],
    ['rolecall validate --dir teams/access --format github', 'annotations on the changed lines of a pull request'],
  ],
} as const

export const planSpec = {
  name: 'plan',
  summary: 'show what applying access/ would change: objects, who gains or loses what, risks, policy',
  options: {
    dir: dirOption,
    db: dbOption,
    server: serverOption,
    insecure: insecureOption,
    format: { ...formatOption(['text', 'markdown', 'json']), description: 'output format: text, markdown (a pull-request comment) or json' },
    out: { type: 'string', value: 'FILE', description: 'also save the plan as JSON, for `rolecall apply FILE`' },
    'detailed-exitcode': { type: 'boolean', description: 'exit 2 when the plan has changes, 0 when it has none' },
    quiet: quietOption,
  },
  exitCodes: { 0: 'planned (with --detailed-exitcode: no changes)', 1: 'errors (access files, store, command line)', 2: 'with --detailed-exitcode: the plan has changes' },
  examples: [
    ['rolecall plan', 'plan ./access against ./data/rolecall.db'],
    ['rolecall plan --server https://rolecall.internal --format markdown --out plan.json', 'what CI posts on a pull request'],
  ],
} as const

export const applySpec = {
  name: 'apply',
  summary: 'apply a reviewed plan (or access/) to the store in one audited transaction',
  description: 'A saved plan is refused once the store moved in a way that changes what it showed or judged, and when it lacks the approvals the Policy requires.',
  arguments: [{ name: 'plan', description: 'a plan saved with `rolecall plan --out` (else access/ is planned and applied)' }],
  options: {
    dir: dirOption,
    db: dbOption,
    server: serverOption,
    insecure: insecureOption,
    'approved-by': { type: 'string', value: 'NAME', multiple: true, description: 'an approver of the plan (repeat for each), as `rolecall approvals` prints them' },
    'pull-request': { type: 'string', value: 'N', description: 'through --server: the pull request that reviewed the plan, whose reviews a server with a GitHub token verifies the approvals against' },
    revision: { type: 'string', value: 'SHA', description: 'the git commit being applied, kept in the audit log' },
    author: { type: 'string', value: 'NAME', description: 'the author of the change, kept in the audit log' },
    actor: { ...actorOption, description: 'who applies, kept in the audit log; required with a local store (through --server the audit names the admin token)' },
    quiet: quietOption,
  },
  exitCodes: { 0: 'applied, or nothing to apply', 1: 'refused (stale plan, missing approvals, lockout) or failed' },
  examples: [
    ['rolecall apply plan.json --approved-by dana --approved-by lee --revision "$(git rev-parse HEAD)"', 'apply a reviewed plan'],
    ['rolecall apply --dir access --db ./data/rolecall.db', 'plan and apply in one step, on a local store'],
  ],
} as const

export const approvalsSpec = {
  name: 'approvals',
  summary: "do the pull request's reviews satisfy the approvals the plan requires? (exit 0 yes, 1 no)",
  options: {
    plan: { type: 'string', value: 'FILE', description: 'the plan (`rolecall plan --out`); required' },
    reviews: { type: 'string', value: 'FILE', description: 'the reviews: gh api repos/OWNER/REPO/pulls/N/reviews; required' },
    event: { type: 'string', value: 'FILE', description: 'the pull_request event, or gh api repos/OWNER/REPO/pulls/N; required' },
    teams: { type: 'string', value: 'FILE', description: 'approver teams and their members, {"org/team": ["login", ...]}' },
    identities: { type: 'string', value: 'FILE', description: 'GitHub login to userName, {"login": "userName"}' },
    format: formatOption(['text', 'json']),
  },
  exitCodes: { 0: 'every risk tier has the approvals it needs', 1: 'approvals are missing, or an input is bad' },
  examples: [
    ['rolecall approvals --plan plan.json --reviews reviews.json --event "$GITHUB_EVENT_PATH"', 'the required check of a pull request'],
    ['gh api repos/acme/access/pulls/42 > pr.json && rolecall approvals --plan plan.json --reviews reviews.json --event pr.json --format json', 'check a pull request locally'],
  ],
} as const

export const codeownersSpec = {
  name: 'codeowners',
  summary: 'print (or --write) CODEOWNERS routing each access file to the approvers of its highest risk',
  options: {
    dir: dirOption,
    file: { type: 'string', value: 'FILE', description: 'the CODEOWNERS file', defaultText: '.github/CODEOWNERS' },
    write: { type: 'boolean', description: 'write the file instead of printing it' },
  },
  examples: [
    ['rolecall codeowners', 'print CODEOWNERS with the generated block'],
    ['rolecall codeowners --write', 'update the generated block in .github/CODEOWNERS'],
  ],
} as const

export const githubCommentSpec = {
  name: 'github-comment',
  summary: 'create or update the one pull-request comment that carries the plan (token from GITHUB_TOKEN)',
  options: {
    repo: { type: 'string', value: 'OWNER/REPO', description: 'the repository; required' },
    pr: { type: 'string', value: 'N', description: 'the pull request number; required' },
    'body-file': { type: 'string', value: 'FILE', description: 'the comment, e.g. `rolecall plan --format markdown`; required' },
    'api-url': { type: 'string', value: 'URL', description: 'the GitHub API', env: 'GITHUB_API_URL', defaultText: 'https://api.github.com' },
    marker: { type: 'string', value: 'TEXT', description: 'the hidden marker that finds the comment again' },
  },
  examples: [
    ['rolecall github-comment --repo acme/access --pr 42 --body-file plan.md', 'post or update the plan comment'],
    ['GITHUB_TOKEN=$(gh auth token) rolecall github-comment --repo acme/access --pr 42 --body-file plan.md', 'the same from a laptop'],
  ],
} as const

const reviewIdArgument = [{ name: 'id', description: 'the review id, as `rolecall review status` prints it' }] as const
const identitiesOption = { type: 'string', value: 'FILE', description: 'identities.json: GitHub logins of the people reviewing' } as const

export const reviewSpec = {
  name: 'review',
  summary: 'access reviews as pull requests: open a campaign, check decisions, close into access-file changes, evidence',
  options: {
    dir: dirOption,
    db: dbOption,
    reviews: { type: 'string', value: 'DIR', description: 'the access reviews directory', env: 'ROLECALL_REVIEWS_DIR', defaultText: 'reviews' },
  },
  subcommands: {
    open: {
      summary: "open a review of a campaign's population: writes reviews/NAME/ID/ for a pull request",
      arguments: [{ name: 'name', description: 'the campaign, as the AccessReview documents name it' }],
      options: { commit: { type: 'string', value: 'SHA', description: "the git commit the review is opened at (default: the checkout's HEAD)" } },
      examples: [
        ['rolecall review open privileged-access', 'open a review of the privileged-access campaign'],
        ['rolecall review open privileged-access --db postgres://rolecall@db/rolecall', 'on a PostgreSQL store'],
      ],
    },
    status: {
      summary: 'open reviews, their decided and pending items',
      options: { format: formatOption(['text', 'json']) },
      exitCodes: { 0: 'no review is overdue', 1: 'errors', 2: 'a review is overdue' },
      examples: [
        ['rolecall review status', 'every open review'],
        ['rolecall review status --format json', 'as JSON'],
      ],
    },
    due: {
      summary: 'which campaigns must open now (the access-review workflow runs this weekly)',
      options: { format: formatOption(['text', 'json']) },
      examples: [
        ['rolecall review due', 'campaigns due'],
        ['rolecall review due --format json', 'as JSON, for a workflow'],
      ],
    },
    check: {
      summary: "check a review's decisions: who decided, what is still pending",
      arguments: reviewIdArgument,
      options: {
        identities: identitiesOption,
        format: { ...formatOption(['text', 'markdown', 'json']), description: 'output format: text, markdown (a pull-request comment) or json' },
        repo: { type: 'string', value: 'OWNER/REPO', description: "the repository of the review's pull request" },
        pr: { type: 'string', value: 'N', description: "the review's pull request number" },
        'api-url': { type: 'string', value: 'URL', description: 'the GitHub API', env: 'GITHUB_API_URL', defaultText: 'https://api.github.com' },
        'comment-out': { type: 'string', value: 'FILE', description: 'also write the markdown comment to FILE' },
      },
      examples: [
        ['rolecall review check ID --identities identities.json', 'check the decisions'],
        ['rolecall review check ID --identities identities.json --repo acme/access --pr 7', "against the pull request's reviewers"],
      ],
    },
    close: {
      summary: 'close a decided review into access-file changes',
      arguments: reviewIdArgument,
      options: { identities: identitiesOption },
      examples: [
        ['rolecall review close ID --identities identities.json', 'close the review'],
        ['rolecall review close ID --dir teams/access --identities identities.json', 'with another access directory'],
      ],
    },
    evidence: {
      summary: 'write the evidence bundle of a closed review',
      arguments: reviewIdArgument,
      options: {
        out: { type: 'string', value: 'DIR', description: 'where to write the bundle; required' },
        identities: identitiesOption,
        event: { type: 'string', value: 'FILE', description: "the pull request's event JSON" },
        'pr-reviews': { type: 'string', value: 'FILE', description: "the pull request's reviews JSON" },
      },
      examples: [
        ['rolecall review evidence ID --out evidence/ --identities identities.json', 'write the bundle'],
        ['rolecall review evidence ID --out evidence/ --identities identities.json --event pr.json --pr-reviews reviews.json', 'with the pull request'],
      ],
    },
    verify: {
      summary: 'verify an evidence bundle (against the store when it is at hand)',
      arguments: [{ name: 'dir', description: 'the evidence bundle' }],
      examples: [
        ['rolecall review verify evidence/', 'verify a bundle'],
        ['rolecall review verify evidence/ --db ./data/rolecall.db', 'against the store'],
      ],
    },
  },
} as const

export const reviewCommands = [
  defineCommand(validateSpec, () => import('../commands/validate.js')),
  defineCommand(planSpec, () => import('../commands/plan.js')),
  defineCommand(applySpec, () => import('../commands/apply.js')),
  defineCommand(approvalsSpec, () => import('../commands/approvals.js')),
  defineCommand(codeownersSpec, () => import('../commands/codeowners.js')),
  defineCommand(githubCommentSpec, () => import('../commands/github-comment.js')),
  defineCommand(reviewSpec, () => import('../commands/review.js')),
]
