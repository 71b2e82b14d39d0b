// Closing a review: what each item's outcome is (decisions, and the deadline rule for undecided items), and what
// removes each revoked row: a listed member out of a Group, a Grant deleted, or an IdP member excluded from a Group.
import type { DesiredState } from '../../model/state.js'
import { compareStrings } from '../../util/compare.js'
import type { CheckReport } from './check.js'
import type { PopulationRow } from './population.js'
import { reviewFormatVersion, type ClosedItem, type ClosureRecord, type Removal } from './record.js'

export type ClosePlan = { closure: ClosureRecord; removals: Removal[] } | { error: string }

/** The Removal that takes `row` away. */
export function removalOf(row: PopulationRow, state: DesiredState): Removal {
  const { via } = row
  switch (via.kind) {
    case 'idp-group': {
      const file = state.groups.get(via.group)?.at.file ?? ''
      return { kind: 'idp-exclude', group: via.group, user: row.user, connection: via.connection, idpGroup: `${via.connection}/${via.displayName}`, file }
    }
    case 'listed':
      return { kind: 'listed-member', group: via.group, user: via.user, file: state.groups.get(via.group)?.at.file ?? '' }
    case 'grant':
      return { kind: 'grant', grant: via.name, file: state.grants.get(via.name)?.at.file ?? '' }
    case 'break-glass':
      return { kind: 'break-glass', id: via.id }
    default: {
      const unreachable: never = via
      return unreachable
    }
  }
}

function removalKey(removal: Removal): string {
  return JSON.stringify(removal)
}

/**
 * The closure of a checked review. Refuses while decisions have problems, and while items are undecided before the
 * deadline. Past it, undecided items are revoked or escalated as the campaign says. A removal takes away everything
 * that one membership or grant gives: rows it takes with it are revoked too, on the basis `membership`.
 */
export function planClosure(report: CheckReport, rows: readonly PopulationRow[], state: DesiredState, now: Date): ClosePlan {
  const { record } = report
  if (report.problems.length > 0) return { error: `review ${record.id} has ${report.problems.length} decision problem${report.problems.length === 1 ? '' : 's'}: run \`rolecall review check ${record.id}\` and fix them first` }
  const isPastDeadline = now.getTime() > new Date(record.deadline).getTime()
  if (report.pending.length > 0 && !isPastDeadline) return { error: `review ${record.id} has ${report.pending.length} undecided item${report.pending.length === 1 ? '' : 's'} and its deadline (${record.deadline}) has not passed` }
  const items = new Map<string, ClosedItem>()
  for (const entry of report.standing) {
    const { row } = entry
    items.set(row.id, {
      id: row.id,
      user: row.user,
      key: row.key,
      outcome: entry.decision === 'keep' ? 'kept' : 'revoked',
      ...(entry.decision === 'revoke' ? { basis: 'decision' as const } : {}),
      by: entry.by,
      ...(entry.at === undefined ? {} : { at: entry.at }),
      ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    })
  }
  for (const row of report.pending) {
    items.set(
      row.id,
      record.undecided === 'revoke'
        ? { id: row.id, user: row.user, key: row.key, outcome: 'revoked', basis: 'deadline', reason: `undecided at the deadline ${record.deadline}` }
        : { id: row.id, user: row.user, key: row.key, outcome: 'escalated', reason: `undecided at the deadline ${record.deadline}: escalated` },
    )
  }
  const byRemoval = new Map<string, PopulationRow[]>()
  for (const row of rows) {
    const key = removalKey(removalOf(row, state))
    byRemoval.set(key, [...(byRemoval.get(key) ?? []), row])
  }
  const removals = new Map<string, Removal>()
  for (const row of rows) {
    const item = items.get(row.id)
    if (item?.outcome !== 'revoked') continue
    const removal = removalOf(row, state)
    const key = removalKey(removal)
    removals.set(key, removal)
    item.removal = removal
    for (const other of byRemoval.get(key) ?? []) {
      const otherItem = items.get(other.id)
      if (otherItem === undefined || otherItem.outcome === 'revoked') continue
      items.set(other.id, { id: other.id, user: other.user, key: other.key, outcome: 'revoked', basis: 'membership', reason: `removed with ${row.id}: the same ${removal.kind === 'grant' ? 'grant' : 'membership'} gives it`, removal })
    }
  }
  const ordered = rows.flatMap((row) => items.get(row.id) ?? [])
  return {
    closure: { formatVersion: reviewFormatVersion, id: record.id, closedAt: now.toISOString(), items: ordered, changes: [] },
    removals: [...removals.values()].sort((a, b) => compareStrings(removalKey(a), removalKey(b))),
  }
}
