// A review's progress as text (terminal) and as the sticky pull-request comment, kept within GitHub's limit.
import type { CheckReport } from '../review/campaign/check.js'
import { commentLimit } from '../review/github-comment.js'
import { compareStrings } from '../util/compare.js'

export function reviewCommentMarker(id: string): string {
  return `<!-- rolecall-review:${id} -->`
}

function counts(report: CheckReport): { kept: number; revoked: number } {
  let kept = 0
  for (const entry of report.standing) if (entry.decision === 'keep') kept++
  return { kept, revoked: report.standing.length - kept }
}

export function renderCheckText(report: CheckReport, locate: (problem: CheckReport['problems'][number]) => string): string {
  const { record } = report
  const { kept, revoked } = counts(report)
  const lines = [
    `Review ${record.id} of "${record.campaign}": ${record.count} items, ${report.standing.length} decided (${kept} keep, ${revoked} revoke), ${report.pending.length} pending; due ${record.deadline}${report.isOverdue ? ' (OVERDUE)' : ''}.`,
  ]
  for (const problem of report.problems) lines.push(`${locate(problem)}: error: ${problem.summary}`)
  return `${lines.join('\n')}\n`
}

/** The comment: a summary table, then problems, then pending items per reviewer pool, each cut to fit. */
export function renderCheckMarkdown(report: CheckReport, budget = commentLimit - 200): string {
  const { record } = report
  const { kept, revoked } = counts(report)
  const head = [
    reviewCommentMarker(record.id),
    `### Access review \`${record.id}\` (${record.campaign})`,
    '',
    '| items | keep | revoke | pending | problems | due |',
    '| ---: | ---: | ---: | ---: | ---: | --- |',
    `| ${record.count} | ${kept} | ${revoked} | ${report.pending.length} | ${report.problems.length} | ${record.deadline}${report.isOverdue ? ' **overdue**' : ''} |`,
    '',
    `Population: ${record.count} rows, digest \`${record.digest}\`, store revision ${record.storeRevision}, applied ${record.appliedRevision}${record.commit === null ? '' : `, commit ${record.commit}`}.`,
  ].join('\n')
  let body = head
  const add = (line: string): boolean => {
    if (body.length + line.length + 1 > budget) return false
    body += `\n${line}`
    return true
  }
  const section = (title: string, lines: readonly string[]) => {
    if (lines.length === 0) return
    add('')
    add(title)
    let shown = 0
    for (const line of lines) {
      if (!add(line)) break
      shown++
    }
    if (shown < lines.length) body += `\n… and ${lines.length - shown} more (run \`rolecall review check\` for all)`
  }
  section(
    `#### Problems (${report.problems.length})`,
    report.problems.map((problem) => `- ${problem.summary}`),
  )
  const pools = new Map<string, number>()
  for (const row of report.pending) pools.set(row.reviewers, (pools.get(row.reviewers) ?? 0) + 1)
  section(
    '#### Pending per reviewers',
    [...pools].sort(([a], [b]) => compareStrings(a, b)).map(([pool, count]) => `- ${pool}: ${count}`),
  )
  section(
    `#### Pending items (${report.pending.length})`,
    report.pending.map((row) => `- \`${row.id}\` ${row.user}: ${row.access} [${row.risk}]`),
  )
  return `${body}\n`
}
