// rolecall review status / due / check: where the open reviews stand, which campaigns must open, and whether the decisions hold.
import { upsertComment } from '../../review/github-comment.js'
import { checkDecisions, type CheckReport } from '../../review/campaign/check.js'
import { nextOpening } from '../../review/campaign/open.js'
import { locateDecision, parseItems } from '../../review/campaign/parse-items.js'
import { parseIdentities } from '../../review/review-inputs.js'
import { renderDiagnosticsText } from '../../render/diagnostics.js'
import { renderCheckMarkdown, renderCheckText, reviewCommentMarker } from '../../render/review-progress.js'
import { RolecallError, UsageError } from '../../errors.js'
import { readJsonInput } from '../commands/approvals.js'
import { loadDesired } from '../desired.js'
import type { Io } from '../io.js'
import { findReview, listReviews, readItemsText, readPopulation, type ReviewFolder } from '../review-files.js'
import { relative, resolve } from 'node:path'
import { writeFile } from 'node:fs/promises'

/** Judge a review's items.yaml; problems in the file itself end the command. */
export async function judgeReview(folder: ReviewFolder, identities: ReadonlyMap<string, string>, io: Io, now: Date): Promise<{ report: CheckReport; locate: (problem: CheckReport['problems'][number]) => string }> {
  const { file, text } = await readItemsText(folder)
  const shown = relative(io.cwd, file)
  const parsed = parseItems(shown, text)
  if (parsed.diagnostics.length > 0) {
    io.err(renderDiagnosticsText(parsed.diagnostics, 1))
    throw new RolecallError(`${shown} has errors; fix them first (see above)`)
  }
  const report = checkDecisions({ record: folder.record, rows: await readPopulation(folder), decisions: parsed.decisions, identities, now })
  const locate = (problem: CheckReport['problems'][number]) => {
    const at = locateDecision(shown, text, problem.decision, problem.field)
    return `${at.file}:${at.line}:${at.col}`
  }
  return { report, locate }
}

export async function readIdentities(path: string | undefined, io: Io): Promise<Map<string, string>> {
  return path === undefined ? new Map() : readJsonInput('identities', resolve(io.cwd, path), parseIdentities)
}

/** Every open review under `dir`, with its decisions as written (check judges them), pending items and whether it is overdue. */
export async function openReviewProgress(dir: string, cwd: string, now: Date) {
  const open = (await listReviews(dir)).filter((folder) => folder.closure === undefined)
  const rows = []
  for (const folder of open) {
    const { text, file } = await readItemsText(folder)
    const parsed = parseItems(relative(cwd, file), text)
    const decided = parsed.decisions.filter((entry) => entry.decision !== 'pending').length
    const pending = folder.record.count - decided
    rows.push({
      campaign: folder.record.campaign,
      id: folder.record.id,
      items: folder.record.count,
      decided,
      pending,
      deadline: folder.record.deadline,
      overdue: pending > 0 && now.getTime() > new Date(folder.record.deadline).getTime(),
      problems: parsed.diagnostics.length,
    })
  }
  return rows
}

export async function reviewStatus(options: { reviews: string; format: 'text' | 'json' }, io: Io, now: Date): Promise<number> {
  const rows = await openReviewProgress(options.reviews, io.cwd, now)
  if (options.format === 'json') io.out(`${JSON.stringify({ reviews: rows }, null, 2)}\n`)
  else if (rows.length === 0) io.out('No review is open.\n')
  else
    for (const row of rows)
      io.out(`${row.campaign} ${row.id}: ${row.decided}/${row.items} decided, ${row.pending} pending, due ${row.deadline}${row.overdue ? ' OVERDUE' : ''}${row.problems > 0 ? `, ${row.problems} problems in items.yaml` : ''}\n`)
  return rows.some((row) => row.overdue) ? 2 : 0
}

export async function reviewDue(options: { dir: string | undefined; reviews: string; format: 'text' | 'json' }, io: Io, now: Date): Promise<number> {
  const state = await loadDesired(options.dir, io, now)
  const all = await listReviews(options.reviews)
  const rows = [...state.reviews.values()].map(({ doc }) => {
    const last = all.filter((folder) => folder.record.campaign === doc.name).at(-1)
    const next = nextOpening(doc, last?.record.openedAt, now)
    return { campaign: doc.name, every: doc.every, lastOpened: last?.record.openedAt ?? null, lastReview: last?.record.id ?? null, dueAt: next.dueAt, due: next.isDue }
  })
  if (options.format === 'json') io.out(`${JSON.stringify({ campaigns: rows }, null, 2)}\n`)
  else
    for (const row of rows)
      io.out(`${row.campaign} (every ${row.every}): ${row.due ? 'DUE' : 'not due'} ${row.due ? 'now' : `until ${row.dueAt}`}${row.lastOpened === null ? ', never opened' : `, last opened ${row.lastOpened} (${row.lastReview})`}\n`)
  return 0
}

export async function reviewCheck(
  options: { id: string; reviews: string; identities: string | undefined; format: 'text' | 'markdown' | 'json'; repo: string | undefined; pr: string | undefined; commentOut: string | undefined; apiUrl: string | undefined },
  io: Io,
  now: Date,
): Promise<number> {
  const folder = await findReview(options.reviews, options.id)
  const identities = await readIdentities(options.identities, io)
  const { report, locate } = await judgeReview(folder, identities, io, now)
  const markdown = renderCheckMarkdown(report)
  if (options.commentOut !== undefined) await writeFile(resolve(io.cwd, options.commentOut), markdown)
  if (options.repo !== undefined || options.pr !== undefined) {
    if (options.repo === undefined || options.pr === undefined || !/^[1-9]\d*$/.test(options.pr)) throw new UsageError('review check: give --repo OWNER/REPO and --pr N together')
    const token = io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN
    if (token === undefined || token === '') throw new RolecallError('review check: set GITHUB_TOKEN to post the progress comment')
    const marker = reviewCommentMarker(folder.record.id)
    const outcome = await upsertComment({ apiUrl: options.apiUrl ?? io.env.GITHUB_API_URL ?? 'https://api.github.com', repo: options.repo, pr: Number(options.pr), body: markdown, token, marker })
    io.err(`${outcome.action === 'created' ? 'Created' : 'Updated'} comment ${outcome.id} on ${options.repo}#${options.pr}\n`)
  }
  switch (options.format) {
    case 'json':
      io.out(
        `${JSON.stringify({ id: report.record.id, items: report.record.count, decided: report.standing.length, pending: report.pending.map((row) => row.id), overdue: report.isOverdue, problems: report.problems.map((problem) => ({ id: problem.id, at: locate(problem), summary: problem.summary })) }, null, 2)}\n`,
      )
      break
    case 'markdown':
      io.out(markdown)
      break
    case 'text':
      io.out(renderCheckText(report, locate))
      break
    default: {
      const unreachable: never = options.format
      throw new Error(`unknown format ${String(unreachable)}`)
    }
  }
  return report.problems.length > 0 ? 1 : report.pending.length > 0 ? 2 : 0
}
