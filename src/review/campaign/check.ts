// Decisions against the frozen review: each by an allowed reviewer (through the same login → userName map the
// approvals check uses), never by the person reviewed, on an item of the population; and what is still pending.
import { personKey, personKeyOfUserName } from '../persons.js'
import type { Identities } from '../review-inputs.js'
import type { WrittenDecision } from './parse-items.js'
import type { PopulationRow } from './population.js'
import type { ReviewRecord } from './record.js'

/** The rule's own login in items.yaml. */
export const autoCertifier = 'auto-certify'

export type DecisionProblem = { id: string; summary: string; decision: WrittenDecision; field?: string }

/** A decision that stands: made by `by` (a login, or the rule), who is `userName` in the store. */
export type StandingDecision = { row: PopulationRow; decision: 'keep' | 'revoke'; by: string; userName: string | undefined; at?: string; reason?: string }

export type CheckReport = {
  record: ReviewRecord
  standing: StandingDecision[]
  pending: PopulationRow[]
  problems: DecisionProblem[]
  isOverdue: boolean
}

/** Judge every written decision. Items without a standing decision are pending (a rejected decision leaves its item pending). */
export function checkDecisions(input: { record: ReviewRecord; rows: readonly PopulationRow[]; decisions: readonly WrittenDecision[]; identities: Identities; now: Date }): CheckReport {
  const { record, identities } = input
  const rows = new Map(input.rows.map((row) => [row.id, row]))
  const byRule = new Set(record.autoCertified)
  const seen = new Set<string>()
  const problems: DecisionProblem[] = []
  const standing = new Map<string, StandingDecision>()
  for (const written of input.decisions) {
    const problem = (summary: string, field?: string) => problems.push({ id: written.id, summary, decision: written, ...(field === undefined ? {} : { field }) })
    const row = rows.get(written.id)
    if (row === undefined) {
      problem(`unknown item id "${written.id}": it is not in the population of review ${record.id}`, 'id')
      continue
    }
    if (seen.has(written.id)) {
      problem(`item ${written.id} is listed twice`, 'id')
      continue
    }
    seen.add(written.id)
    if (written.decision === 'pending') continue
    const by = written.by
    if (by === undefined) {
      problem(`item ${written.id} (${row.user}: ${row.access}) is decided without \`by\`: say who decided (their GitHub login)`, 'decision')
      continue
    }
    if (by === autoCertifier) {
      if (!byRule.has(row.id) || written.decision !== 'keep') problem(`item ${written.id} says \`by: ${autoCertifier}\`, but the auto-certify rule did not certify it when the review opened`, 'by')
      else standing.set(row.id, { row, decision: 'keep', by, userName: undefined, ...(written.at === undefined ? {} : { at: written.at }), ...(written.reason === undefined ? {} : { reason: written.reason }) })
      continue
    }
    if (written.decision === 'revoke' && written.reason === undefined) {
      problem(`item ${written.id} (${row.user}: ${row.access}) is revoked without a \`reason\``, 'reason')
      continue
    }
    const userName = identities.get(by.toLowerCase())
    if (userName === undefined) {
      problem(`item ${written.id}: "${by}" is not mapped to a person of the store (the identities map gives logins their userName)`, 'by')
      continue
    }
    const decider = personKey(by, identities)
    if (decider === personKeyOfUserName(row.user)) {
      problem(`item ${written.id} is decided by ${by} (${userName}), the person reviewed: nobody decides on their own access`, 'by')
      continue
    }
    const pool = record.pools[row.reviewers] ?? []
    if (!pool.some((name) => personKeyOfUserName(name) === decider)) {
      problem(`item ${written.id} is decided by ${by} (${userName}), who is not an allowed reviewer of it (${row.reviewers})`, 'by')
      continue
    }
    standing.set(row.id, { row, decision: written.decision, by, userName, ...(written.at === undefined ? {} : { at: written.at }), ...(written.reason === undefined ? {} : { reason: written.reason }) })
  }
  const pending = input.rows.filter((row) => !standing.has(row.id))
  return { record, standing: input.rows.flatMap((row) => standing.get(row.id) ?? []), pending, problems, isOverdue: pending.length > 0 && input.now.getTime() > new Date(record.deadline).getTime() }
}
