// Plan → a pull-request comment: summary table by risk first, then per person, details folded.
// Stays under a character budget whatever the plan's size, and says where the full plan is when it cuts.
import { riskLevels, riskRank } from '../model/risk.js'
import type { AccessChange, Plan } from '../schema/generated/plan.js'
import { compareStrings } from '../util/compare.js'
import { planHeadline } from './plan-text.js'

/** A GitHub comment holds 65,536 characters; keep a margin for the marker and the workflow's own text. */
export const markdownBudget = 60_000

/** Hidden marker that lets a workflow find and update its one comment. */
export const commentMarker = '<!-- rolecall-plan -->'

export type MarkdownOptions = {
  budget?: number
  /** Where the full plan is, e.g. "the `rolecall-plan` artifact of this run". */
  fullPlanAt?: string
}

function escape(text: string): string {
  return text.replace(/[|<>`*_[\]\\]/g, (char) => `\\${char}`)
}

/** Inside `<details>` the text is raw HTML (CommonMark HTML block): markdown escapes would show as backslashes. */
function html(text: string): string {
  return text.replace(/[&<>]/g, (char) => (char === '&' ? '&amp;' : char === '<' ? '&lt;' : '&gt;'))
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``
}

const riskIcon: Record<string, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '⚪' }

function header(plan: Plan): string[] {
  const lines = [commentMarker, '### rolecall plan', '', `**${planHeadline(plan)}**`, '']
  if (plan.summary.accessByRisk.length > 0) {
    lines.push('| Risk | Access gained | Access lost |', '| --- | ---: | ---: |')
    for (const row of plan.summary.accessByRisk) lines.push(`| ${riskIcon[row.risk] ?? ''} ${row.risk} | ${row.gains} | ${row.losses} |`)
    lines.push('')
  }
  const errors = plan.findings.filter((finding) => finding.severity === 'error')
  if (plan.findings.length > 0) {
    lines.push(errors.length > 0 ? `#### ⛔ Policy: ${errors.length} blocking finding${errors.length === 1 ? '' : 's'}` : '#### Policy', '')
    for (const finding of plan.findings) {
      lines.push(`- **${finding.severity}** \`${finding.code}\`: ${escape(finding.summary)}`)
      for (const path of finding.paths.slice(0, 5)) lines.push(`  - ${code(path)}`)
      if (finding.paths.length > 5) lines.push(`  - … and ${finding.paths.length - 5} more`)
    }
    lines.push('')
  }
  if (plan.approvals.length > 0) {
    lines.push('#### Approvals required', '')
    for (const approval of plan.approvals) {
      lines.push(`- ${riskIcon[approval.risk] ?? ''} **${approval.risk}**: ${approval.count} approval${approval.count === 1 ? '' : 's'} from ${approval.approvers.map(code).join(', ')}`)
    }
    lines.push('')
  }
  return lines
}

function personSummary(user: string, changes: readonly AccessChange[], escapeUser: (text: string) => string = escape): string {
  const parts = [...riskLevels].reverse().flatMap((risk) => {
    const gains = changes.filter((change) => change.risk === risk && change.change === 'gain').length
    const losses = changes.filter((change) => change.risk === risk && change.change === 'loss').length
    if (gains + losses === 0) return []
    return [`${riskIcon[risk] ?? ''} ${risk}: ${gains > 0 ? `+${gains}` : ''}${gains > 0 && losses > 0 ? ' ' : ''}${losses > 0 ? `−${losses}` : ''}`]
  })
  return `${escapeUser(user)} (${parts.join(', ')})`
}

function byPerson(plan: Plan): [string, AccessChange[]][] {
  const map = new Map<string, AccessChange[]>()
  for (const change of plan.access) map.set(change.user, [...(map.get(change.user) ?? []), change])
  // Highest risk first, so that a cut keeps what reviewers must see.
  const top = (changes: AccessChange[]) => Math.max(...changes.map((change) => riskRank(change.risk)))
  return [...map].sort(([a, x], [b, y]) => top(y) - top(x) || compareStrings(a, b))
}

function personDetails(user: string, changes: readonly AccessChange[]): string[] {
  const lines = ['<details>', `<summary>${personSummary(user, changes, html)}</summary>`, '']
  for (const change of changes) {
    lines.push(`- ${change.change === 'gain' ? '➕ gains' : '➖ loses'} ${code(change.what)} (${change.risk})`)
    for (const chain of change.chains) lines.push(`  - via ${code(chain)}`)
  }
  lines.push('', '</details>')
  return lines
}

function objectSection(plan: Plan): string[] {
  if (plan.changes.length === 0) return []
  const lines = ['#### Object changes', '', '<details>', `<summary>${plan.changes.length} document${plan.changes.length === 1 ? '' : 's'}</summary>`, '', '```diff']
  for (const change of plan.changes) {
    const sign = change.action === 'create' ? '+' : change.action === 'delete' ? '-' : '!'
    lines.push(`${sign} ${change.kind} "${change.name}" [${change.risk}]${change.file === undefined ? '' : ` (${change.file})`}`)
    if (change.action === 'update') {
      for (const field of change.fields) {
        if (field.before !== undefined) lines.push(`-   ${field.path}: ${JSON.stringify(field.before)}`)
        if (field.after !== undefined) lines.push(`+   ${field.path}: ${JSON.stringify(field.after)}`)
      }
    }
  }
  lines.push('```', '', '</details>', '')
  return lines
}

function footer(plan: Plan): string[] {
  const lines: string[] = []
  if (plan.held !== undefined && plan.held.length > 0) {
    lines.push('#### Held IdP changes (released by this apply)', '', '| hold | person | access | risk | IdP change | since |', '| --- | --- | --- | --- | --- | --- |')
    for (const held of plan.held) {
      lines.push(`| ${held.id}${held.isOverdue === true ? ' (overdue)' : ''} | ${escape(held.user)} | ${held.access.map(code).join(', ')} | ${held.risk} | ${escape(held.change)} (audit #${held.auditSeq}) | ${held.since} |`)
    }
    lines.push('')
  }
  if (plan.idpGroups.unmapped.length > 0 || plan.idpGroups.missing.length > 0) {
    lines.push('<details>', '<summary>IdP groups</summary>', '')
    for (const group of plan.idpGroups.unmapped) lines.push(`- unmapped, grants nothing: ${code(group)}`)
    for (const group of plan.idpGroups.missing) lines.push(`- not provisioned yet: ${code(group)}`)
    lines.push('', '</details>', '')
  }
  if (plan.expiring.length > 0) {
    lines.push('#### Expiring within 14 days', '')
    for (const grant of plan.expiring) lines.push(`- ${grant.expires}: ${code(grant.name)} (${escape(grant.user)})`)
    lines.push('')
  }
  return lines
}

/** Render within the budget: full details if they fit, else one line per person, else as many people as fit. */
export function renderPlanMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  const budget = options.budget ?? markdownBudget
  const fullPlanAt = options.fullPlanAt ?? 'the JSON plan (`rolecall plan --format json --out plan.json`)'
  const head = header(plan)
  const people = byPerson(plan)
  const tail = [...objectSection(plan), ...footer(plan)]
  const join = (lines: string[]) => `${lines.join('\n').trimEnd()}\n`
  const accessTitle = people.length === 0 ? [] : ['#### Access by person', '']
  const full = join([...head, ...accessTitle, ...people.flatMap(([user, changes]) => [...personDetails(user, changes), '']), ...tail])
  if (full.length <= budget) return full
  // Too long: one line per person, details and object fields dropped, then cut people from the lowest risk.
  const cutNote = (shown: number) => [
    '',
    `> ✂️ This comment is cut to stay under ${budget.toLocaleString('en')} characters${shown < people.length ? `: ${people.length - shown} more people not shown` : ''}. The full plan, with every chain, is in ${fullPlanAt}.`,
  ]
  const objects = plan.changes.length === 0 ? [] : ['#### Object changes', '', ...plan.changes.map((change) => `- ${change.action} ${change.kind} ${code(change.name)} (${change.risk})`), '']
  const lines = (shown: number) => [...head, ...accessTitle, ...people.slice(0, shown).map(([user, changes]) => `- ${personSummary(user, changes)}`), '', ...objects, ...cutNote(shown)]
  let low = 0
  let high = people.length
  while (low < high) {
    const mid = Math.ceil((low + high) / 2)
    if (join(lines(mid)).length <= budget) low = mid
    else high = mid - 1
  }
  const compact = join(lines(low))
  if (compact.length <= budget) return compact
  return join([...head.slice(0, 5), ...cutNote(0)]).slice(0, budget)
}
