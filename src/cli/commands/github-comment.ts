// rolecall github-comment: create or update the pull request's one plan comment (found by its hidden marker).
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { RolecallError, UsageError } from '../../errors.js'
import { commentMarker } from '../../render/plan-markdown.js'
import { upsertComment } from '../../review/github-comment.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { githubCommentSpec } from '../specs/review.js'

export async function run({ values }: Parsed<typeof githubCommentSpec>, io: Io): Promise<number> {
  if (values.repo === undefined || !/^[\w.-]+\/[\w.-]+$/.test(values.repo)) throw new UsageError('github-comment needs --repo OWNER/REPO')
  if (values.pr === undefined || !/^[1-9]\d*$/.test(values.pr)) throw new UsageError('github-comment needs --pr with a pull request number')
  if (values['body-file'] === undefined) throw new UsageError('github-comment needs --body-file FILE')
  const token = io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN
  if (token === undefined || token === '') throw new RolecallError('github-comment: set GITHUB_TOKEN to a token that may write pull-request comments')
  const bodyPath = resolve(io.cwd, values['body-file'])
  const body = await readFile(bodyPath, 'utf8').catch((error: unknown) => {
    throw new RolecallError(`cannot read --body-file ${bodyPath}: ${error instanceof Error ? error.message : String(error)}`)
  })
  const outcome = await upsertComment({
    apiUrl: values['api-url'] ?? io.env.GITHUB_API_URL ?? 'https://api.github.com',
    repo: values.repo,
    pr: Number(values.pr),
    body,
    token,
    marker: values.marker ?? commentMarker,
  })
  io.out(`${outcome.action === 'created' ? 'Created' : 'Updated'} comment ${outcome.id} on ${values.repo}#${values.pr}${outcome.url === undefined ? '' : `: ${outcome.url}`}\n`)
  return 0
}
