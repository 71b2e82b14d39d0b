// Opening a campaign: the frozen record, and the items in reading order (new or changed since the last
// certification first), with those the auto-certify rule covers already kept.
import { riskRank } from '../../model/risk.js'
import type { Review } from '../../schema/types.js'
import { compareStrings } from '../../util/compare.js'
import { addDuration } from './duration.js'
import type { Population } from './population.js'
import { itemOfRow, reviewFormatVersion, type ClosureRecord, type ReviewItem, type ReviewRecord } from './record.js'

export type OpenInputs = {
  review: Review
  population: Population
  /** Closures of this campaign's earlier reviews, any order. */
  closures: readonly ClosureRecord[]
  now: Date
  storeRevision: number
  auditHash: string | null
  appliedRevision: string
  commit: string | null
  directoryDigest: string
}

/** Row id → when it was last kept (by a reviewer or the rule), from earlier closures. */
export function lastCertifications(closures: readonly ClosureRecord[]): Map<string, string> {
  const last = new Map<string, string>()
  for (const closure of closures) {
    for (const item of closure.items) {
      if (item.outcome !== 'kept') continue
      const known = last.get(item.id)
      if (known === undefined || compareStrings(known, closure.closedAt) < 0) last.set(item.id, closure.closedAt)
    }
  }
  return last
}

/** The review's id: the opening day and the start of the population's digest, so the same population on the same day gets the same id. */
export function reviewId(now: Date, digest: string): string {
  return `${now.toISOString().slice(0, 10)}-${digest.replace(/^sha256:/, '').slice(0, 8)}`
}

export function openReview(inputs: OpenInputs): { record: ReviewRecord; items: ReviewItem[] } {
  const { review, population, now } = inputs
  const openedAt = now.toISOString()
  const certified = lastCertifications(inputs.closures)
  const rule = review.autoCertify
  const autoCertified: string[] = []
  const items = population.rows.map((row): ReviewItem => {
    const last = certified.get(row.id) ?? null
    const item = itemOfRow(row, last)
    if (rule !== undefined && last !== null && riskRank(row.risk) < riskRank(rule.belowRisk)) {
      autoCertified.push(row.id)
      return { ...item, decision: 'keep', by: 'auto-certify', at: openedAt, reason: `unchanged since it was certified on ${last.slice(0, 10)}, and below ${rule.belowRisk} risk` }
    }
    return item
  })
  // New or changed access first (never certified by this campaign), then the riskiest; population order otherwise.
  const order = new Map(items.map((item, index) => [item, index]))
  items.sort((a, b) => Number(a.lastCertified !== null) - Number(b.lastCertified !== null) || riskRank(b.risk) - riskRank(a.risk) || (order.get(a) ?? 0) - (order.get(b) ?? 0))
  const record: ReviewRecord = {
    formatVersion: reviewFormatVersion,
    campaign: review.name,
    definition: review,
    id: reviewId(now, population.digest),
    openedAt,
    deadline: addDuration(now, review.deadline),
    undecided: review.undecided,
    storeRevision: inputs.storeRevision,
    auditHash: inputs.auditHash,
    appliedRevision: inputs.appliedRevision,
    commit: inputs.commit,
    count: population.rows.length,
    digest: population.digest,
    directoryDigest: inputs.directoryDigest,
    pools: population.pools,
    autoCertified: autoCertified.sort(),
  }
  return { record, items }
}

/** When the campaign must open next: `every` after the last opening, or now when it never opened. */
export function nextOpening(review: Review, lastOpenedAt: string | undefined, now: Date): { dueAt: string; isDue: boolean } {
  if (lastOpenedAt === undefined) return { dueAt: now.toISOString(), isDue: true }
  const dueAt = addDuration(lastOpenedAt, review.every)
  return { dueAt, isDue: new Date(dueAt).getTime() <= now.getTime() }
}
