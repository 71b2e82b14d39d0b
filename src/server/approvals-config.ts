// The serve flags that say how applies through the admin API get their approvals verified: a GitHub token and
// repository to read pull request reviews with, or an explicit trust in the repository's branch protection.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { envSetting } from '../cli/args.js'
import { readJsonInput } from '../cli/commands/approvals.js'
import { RolecallError, UsageError } from '../errors.js'
import { parseIdentities } from '../review/review-inputs.js'
import type { ApprovalVerification } from './verified-approvals.js'

export const approvalFlags = {
  'github-token-file': { type: 'string', value: 'FILE', description: 'a file holding the GitHub token the server reads pull request reviews with, to verify the approvals of an apply (or ROLECALL_GITHUB_TOKEN: the token itself)' },
  'github-repo': { type: 'string', value: 'OWNER/REPO', description: 'the access repository whose pull requests applies name', env: 'ROLECALL_GITHUB_REPO' },
  'github-api-url': { type: 'string', value: 'URL', description: 'the GitHub API', env: 'ROLECALL_GITHUB_API_URL', defaultText: 'https://api.github.com' },
  'github-identities': { type: 'string', value: 'FILE', description: 'GitHub login → userName map (as for rolecall approvals --identities), so that a login counts for a group: approver', env: 'ROLECALL_GITHUB_IDENTITIES' },
  'trust-branch-protection': {
    type: 'boolean',
    description: "without a GitHub token, accept an apply's approvals as the caller names them (branch protection on the access repository is then what required the reviews)",
    env: 'ROLECALL_TRUST_BRANCH_PROTECTION',
  },
} as const

type Values = { 'github-token-file'?: string; 'github-repo'?: string; 'github-api-url'?: string; 'github-identities'?: string; 'trust-branch-protection'?: boolean }

/** How the server verifies approvals. A token without a repository, or a repository that is not OWNER/REPO, is a usage error. */
export async function resolveApprovalVerification(values: Values, env: NodeJS.ProcessEnv, cwd: string): Promise<ApprovalVerification> {
  const trustBranchProtection = values['trust-branch-protection'] === true || /^(1|true|yes)$/i.test(envSetting(env, 'ROLECALL_TRUST_BRANCH_PROTECTION') ?? '')
  const tokenFile = values['github-token-file']
  let token = tokenFile === undefined ? envSetting(env, 'ROLECALL_GITHUB_TOKEN') : undefined
  if (tokenFile !== undefined) {
    try {
      token = (await readFile(resolve(cwd, tokenFile), 'utf8')).trim()
    } catch (error) {
      throw new RolecallError(`--github-token-file ${tokenFile}: cannot read it (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`)
    }
    if (token === '') throw new UsageError(`--github-token-file ${tokenFile} is empty`)
  }
  if (token === undefined) return { trustBranchProtection }
  const repository = values['github-repo'] ?? envSetting(env, 'ROLECALL_GITHUB_REPO')
  if (repository === undefined) throw new UsageError('a GitHub token to verify approvals with needs the repository too: give --github-repo OWNER/REPO')
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) throw new UsageError(`--github-repo must be OWNER/REPO (got "${repository}")`)
  const apiUrl = values['github-api-url'] ?? envSetting(env, 'ROLECALL_GITHUB_API_URL') ?? 'https://api.github.com'
  const identitiesFile = values['github-identities'] ?? envSetting(env, 'ROLECALL_GITHUB_IDENTITIES')
  const identities = identitiesFile === undefined ? new Map<string, string>() : await readJsonInput('github-identities', resolve(cwd, identitiesFile), parseIdentities)
  return { github: { apiUrl, token, repository, identities }, trustBranchProtection }
}
