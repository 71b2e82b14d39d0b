// ApprovalReport → text for a CI log, or JSON for a workflow step.
import type { ApprovalReport, Candidate, CountedApprover, IgnoredApproval, RequirementStatus } from '../review/approvals.js'

/** Shown per requirement before "and N more". */
const candidateLimit = 10

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

function candidateText(candidate: Candidate): string {
  if (candidate.login !== undefined) return `@${candidate.login} (${candidate.userName === undefined ? candidate.via : `${candidate.userName}, ${candidate.via}`})`
  return `${candidate.userName ?? ''} (${candidate.via}; no GitHub login known)`
}

function ignoredText(entry: IgnoredApproval): string {
  switch (entry.reason) {
    case 'author':
      return entry.asAuthor === undefined ? `@${entry.login} approved their own pull request` : `@${entry.login} is the author (${entry.asAuthor}) under another login and approved their own pull request`
    case 'stale-commit':
      return `@${entry.login} approved an earlier commit${entry.commitId === undefined ? '' : ` (${entry.commitId.slice(0, 7)})`}, before the last push`
    case 'superseded':
      return `@${entry.login}'s approval was superseded by ${entry.by === 'DISMISSED' ? 'its dismissal' : 'a later "changes requested"'}`
    default: {
      const unreachable: never = entry.reason
      throw new Error(`unknown reason ${String(unreachable)}`)
    }
  }
}

function approverText(entry: CountedApprover): string {
  const others = entry.otherLogins ?? []
  return others.length === 0 ? `@${entry.login} (${entry.via})` : `@${entry.login} (${entry.via}; also approved as ${others.map((login) => `@${login}`).join(', ')}, the same person, counted once)`
}

function requirementLines(status: RequirementStatus): string[] {
  const got = status.approvedBy.length
  const head = `${status.risk}: ${got} of ${status.count} approval${status.count === 1 ? '' : 's'} from ${status.approvers.join(', ')} (${plural(status.changes, 'change')})`
  const lines = [status.isSatisfied ? `  met      ${head}` : `  MISSING  ${head}; ${status.count - got} more needed`]
  if (got > 0) lines.push(`           approved by ${status.approvedBy.map(approverText).join(', ')}`)
  if (!status.isSatisfied) {
    const shown = status.candidates.slice(0, candidateLimit).map(candidateText)
    const more = status.candidates.length - shown.length
    lines.push(shown.length === 0 ? '           could approve: nobody known from the inputs' : `           could approve: ${shown.join(', ')}${more > 0 ? `, and ${more} more` : ''}`)
  }
  if (status.unnamed.length > 0) {
    lines.push(`           not counted: ${status.unnamed.map((login) => `@${login}`).join(', ')} (counting them here would need a second name for the same person, which apply could count twice elsewhere)`)
  }
  for (const team of status.unknownTeams) lines.push(`           note: members of ${team} were not given (--teams)`)
  return lines
}

/** `--approved-by` arguments, quoted for a POSIX shell where needed. */
export function approvedByArgs(names: readonly string[]): string {
  return names.map((name) => `--approved-by ${/^[\w@%+=:,./-]+$/.test(name) ? name : `'${name.replace(/'/g, `'\\''`)}'`}`).join(' ')
}

export function renderApprovalsText(report: ApprovalReport): string {
  if (report.requirements.length === 0) return `rolecall approvals: this plan needs no approvals.\napproved-by: ${approvedByArgs(report.approvedBy)}\n`
  const met = report.requirements.filter((status) => status.isSatisfied).length
  const lines = [
    report.isSatisfied
      ? `rolecall approvals: all ${plural(report.requirements.length, 'requirement')} met.`
      : `rolecall approvals: ${met} of ${plural(report.requirements.length, 'requirement')} met; approvals missing.`,
    '',
    ...report.requirements.flatMap(requirementLines),
  ]
  if (report.ignored.length > 0) lines.push('', 'Not counted:', ...report.ignored.map((entry) => `  ${ignoredText(entry)}`))
  lines.push('', `approved-by: ${approvedByArgs(report.approvedBy)}`)
  return `${lines.join('\n')}\n`
}

export function renderApprovalsJson(report: ApprovalReport): string {
  const value = {
    satisfied: report.isSatisfied,
    requirements: report.requirements.map((status) => ({
      risk: status.risk,
      count: status.count,
      approvers: status.approvers,
      changes: status.changes,
      satisfied: status.isSatisfied,
      approvedBy: status.approvedBy,
      candidates: status.candidates,
      unknownTeams: status.unknownTeams,
      unnamed: status.unnamed,
    })),
    approvedBy: report.approvedBy,
    ignored: report.ignored,
  }
  return `${JSON.stringify(value, null, 2)}\n`
}
