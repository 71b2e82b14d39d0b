// rolecall approvals: do a pull request's reviews satisfy the plan's approval requirements? Exit 0 when they do, 1 when not.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { RolecallError, UsageError } from '../../errors.js'
import { renderApprovalsJson, renderApprovalsText } from '../../render/approvals.js'
import { checkApprovals } from '../../review/approvals.js'
import { parseEvent, parseIdentities, parseReviews, parseTeams, type Parsed } from '../../review/review-inputs.js'
import type { Io } from '../io.js'
import type { Parsed as ParsedArgs } from '../spec.js'
import type { approvalsSpec } from '../specs/review.js'
import { readPlanFile } from './apply.js'

/** Read a JSON file and check its shape; any problem is one line naming the file and the flag. */
export async function readJsonInput<T>(flag: string, path: string, parse: (value: unknown) => Parsed<T>): Promise<T> {
  let value: unknown
  try {
    value = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new RolecallError(`--${flag} ${path}: cannot read it as JSON: ${message.split('\n')[0] ?? ''}`)
  }
  const parsed = parse(value)
  if ('error' in parsed) throw new RolecallError(`--${flag} ${path}: ${parsed.error}`)
  return parsed.value
}

export async function run({ values }: ParsedArgs<typeof approvalsSpec>, io: Io): Promise<number> {
  const { format } = values
  if (values.plan === undefined) throw new UsageError('approvals needs --plan plan.json')
  if (values.reviews === undefined) throw new UsageError('approvals needs --reviews reviews.json')
  // No local mode without an event: `gh api repos/OWNER/REPO/pulls/N > pr.json` serves as one.
  if (values.event === undefined) throw new UsageError('approvals needs --event event.json (the pull_request event, or gh api repos/OWNER/REPO/pulls/N) to tell the author and the head commit')
  const path = (file: string): string => resolve(io.cwd, file)
  const plan = await readPlanFile(path(values.plan))
  const reviews = await readJsonInput('reviews', path(values.reviews), parseReviews)
  const pullRequest = await readJsonInput('event', path(values.event), parseEvent)
  const teams = values.teams === undefined ? new Map<string, string[]>() : await readJsonInput('teams', path(values.teams), parseTeams)
  const identities = values.identities === undefined ? new Map<string, string>() : await readJsonInput('identities', path(values.identities), parseIdentities)
  const report = checkApprovals({ requirements: plan.approvals, reviews, teams, identities, pullRequest })
  switch (format) {
    case 'text':
      io.out(renderApprovalsText(report))
      break
    case 'json':
      io.out(renderApprovalsJson(report))
      break
    default: {
      const unreachable: never = format
      throw new Error(`unknown format ${String(unreachable)}`)
    }
  }
  return report.isSatisfied ? 0 : 1
}
