// The files of one opened review (reviews/<campaign>/<id>/): its record, its items with their decisions, and its closure.
import type { Risk } from '../../model/risk.js'
import type { Review } from '../../schema/types.js'
import type { PopulationRow } from './population.js'

export const reviewFormatVersion = 1

/** review.json: what the campaign was opened on, frozen. */
export type ReviewRecord = {
  formatVersion: number
  campaign: string
  /** The Review document as it was when the campaign opened: what verify recomputes the population with. */
  definition: Review
  id: string
  openedAt: string
  deadline: string
  undecided: 'revoke' | 'escalate'
  /** The store revision (audit sequence) the population was computed at, and that audit entry's hash. */
  storeRevision: number
  auditHash: string | null
  /** The applied revision whose documents gave the access (`r3`). */
  appliedRevision: string
  /** The git commit of the access files, when known. */
  commit: string | null
  count: number
  /** sha256 of population.json's rows. */
  digest: string
  /** sha256 of the directory the population was computed on (directory.json.gz). */
  directoryDigest: string
  /** Reviewer pool → userNames who may decide. */
  pools: Record<string, string[]>
  /** Rows the auto-certify rule certified at opening: their `auto-certify` decisions stand without a reviewer. */
  autoCertified: string[]
}

export type Decision = 'pending' | 'keep' | 'revoke'

/** One entry of items.yaml: a row of the population, with when it was last certified, and its decision. */
export type ReviewItem = {
  id: string
  user: string
  access: string
  risk: Risk
  chain: string
  reviewers: string
  lastCertified: string | null
  decision: Decision
  reason?: string
  /** GitHub login of who decided, or `auto-certify`. */
  by?: string
  at?: string
}

/** closure.json: what close decided for every item, and the access-file changes it made. */
export type ClosureRecord = {
  formatVersion: number
  id: string
  closedAt: string
  items: ClosedItem[]
  changes: FileChange[]
}

export type ClosedItem = {
  id: string
  user: string
  key: string
  outcome: 'kept' | 'revoked' | 'escalated'
  /** Why it was revoked: a reviewer's decision or the deadline. */
  basis?: 'decision' | 'deadline' | 'membership'
  by?: string
  at?: string
  reason?: string
  /** How the revocation is carried out. */
  removal?: Removal
}

/** The access-file change (or outside action) that removes one revoked row. */
export type Removal =
  | { kind: 'listed-member'; group: string; user: string; file: string }
  | { kind: 'grant'; grant: string; file: string }
  | { kind: 'idp-exclude'; group: string; user: string; connection: string; idpGroup: string; file: string }
  | { kind: 'break-glass'; id: string }
  | { kind: 'manual'; note: string }

export type FileChange = { file: string; summary: string }

/** The value of an item field in items.yaml, quoted as JSON (valid YAML) when it is text. */
function scalar(value: string | null | undefined): string {
  if (value === null || value === undefined) return 'null'
  return /^[A-Za-z0-9_.@-]+$/.test(value) && !/^(null|true|false|yes|no|on|off|~|\d.*)$/i.test(value) ? value : JSON.stringify(value)
}

const header = [
  '# Access review items. For each item you may decide on, set `decision` to `keep` or `revoke`,',
  '# give a `reason`, and `by` (your GitHub login); `at` is optional. You may not decide on your own access.',
  '# `rolecall review check` verifies the decisions; `rolecall review close` turns revokes into access-file changes.',
]

/** items.yaml, in the order given. */
export function renderItems(record: Pick<ReviewRecord, 'campaign' | 'id' | 'deadline'>, items: readonly ReviewItem[]): string {
  const lines = [...header, `campaign: ${scalar(record.campaign)}`, `review: ${scalar(record.id)}`, `deadline: ${scalar(record.deadline)}`, items.length === 0 ? 'items: []' : 'items:']
  for (const item of items) {
    lines.push(`  - id: ${scalar(item.id)}`)
    for (const field of ['user', 'access', 'risk', 'chain', 'reviewers', 'lastCertified'] as const) lines.push(`    ${field}: ${scalar(item[field])}`)
    lines.push(`    decision: ${item.decision}`)
    for (const field of ['reason', 'by', 'at'] as const) if (item[field] !== undefined || field !== 'at') lines.push(`    ${field}: ${scalar(item[field])}`)
  }
  return `${lines.join('\n')}\n`
}

/** The row fields an item repeats (for people reading the pull request). */
export function itemOfRow(row: PopulationRow, lastCertified: string | null): ReviewItem {
  return { id: row.id, user: row.user, access: row.access, risk: row.risk, chain: row.chain, reviewers: row.reviewers, lastCertified, decision: 'pending' }
}
