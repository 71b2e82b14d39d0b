// Applied revisions and break-glass grants as rows of text columns (JSON in text), the same in every backend.
import type { AppliedRevision, AppliedReview, ApplyRecord, BreakGlassRecord } from './applied.js'
import type { JsonObject } from './json.js'

export type RevisionRow = {
  number: number
  id: string
  applied_at: string
  store_revision: number
  git_commit: string | null
  author: string | null
  approved_by: string
  plan_digest: string
  desired_digest: string
  directory_digest: string
  summary: string
  review: string | null
}

export const revisionColumns = 'number, id, applied_at, store_revision, git_commit, author, approved_by, plan_digest, desired_digest, directory_digest, summary, review'

export function toRevision(row: RevisionRow): AppliedRevision {
  return {
    id: row.id,
    number: row.number,
    appliedAt: row.applied_at,
    storeRevision: row.store_revision,
    commit: row.git_commit,
    author: row.author,
    approvedBy: JSON.parse(row.approved_by) as string[],
    planDigest: row.plan_digest,
    desiredDigest: row.desired_digest,
    directoryDigest: row.directory_digest,
    summary: JSON.parse(row.summary) as JsonObject,
    ...(row.review === null || row.review === undefined ? {} : { review: JSON.parse(row.review) as AppliedReview }),
  }
}

/** The revision an insert of `record` wrote, as reading its row back gives it. */
export function insertedRevision(record: ApplyRecord, number: number, id: string, appliedAt: string, storeRevision: number): AppliedRevision {
  const { commit, author, approvedBy, planDigest, desiredDigest, directoryDigest, summary, review } = record
  return { id, number, appliedAt, storeRevision, commit, author, approvedBy, planDigest, desiredDigest, directoryDigest, summary, ...(review === undefined ? {} : { review }) }
}

/** The detail of an apply's audit entry: the revision, its commit and review (claimed approvers; the verified ones and pull request when the server checked them), and its basis. */
export function applyAuditDetail(record: ApplyRecord, revision: AppliedRevision): JsonObject {
  const { basis, review } = record
  return {
    revision: revision.id,
    commit: record.commit,
    author: record.author,
    approvedBy: record.approvedBy,
    ...(review === undefined ? {} : { pullRequest: { ...review.pullRequest }, verifiedApprovers: [...review.verifiedApprovers] }),
    planDigest: record.planDigest,
    summary: record.summary,
    ...(basis === undefined ? {} : { basis: { ...basis } }),
  }
}

export type BreakGlassRow = {
  id: string
  user_name: string
  actions: string
  resource: string
  env: string | null
  reason: string
  expires: string
  created_at: string
  created_by: string
  revoked_at: string | null
}

export function toBreakGlass(row: BreakGlassRow): BreakGlassRecord {
  return {
    id: row.id,
    user: row.user_name,
    actions: JSON.parse(row.actions) as string[],
    resource: row.resource,
    ...(row.env === null ? {} : { env: JSON.parse(row.env) as string[] }),
    reason: row.reason,
    expires: row.expires,
    createdAt: row.created_at,
    createdBy: row.created_by,
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  }
}

/** The columns of an applied_revisions row, in the order number, id, applied_at, store_revision, git_commit, author, approved_by, plan_digest, desired_digest, directory_digest, summary, documents, directory, review. */
export function appliedRevisionValues(record: ApplyRecord, number: number, id: string, appliedAt: string, storeRevision: number): (string | number | null)[] {
  return [
    number,
    id,
    appliedAt,
    storeRevision,
    record.commit,
    record.author,
    JSON.stringify(record.approvedBy),
    record.planDigest,
    record.desiredDigest,
    record.directoryDigest,
    JSON.stringify(record.summary),
    JSON.stringify(record.documents),
    JSON.stringify(record.directory),
    record.review === undefined ? null : JSON.stringify(record.review),
  ]
}

/** The columns of a break_glass row, in the order id, user_name, actions, resource, env, reason, expires, created_at, created_by. */
export function breakGlassValues(grant: BreakGlassRecord): (string | null)[] {
  return [grant.id, grant.user, JSON.stringify(grant.actions), grant.resource, grant.env === undefined ? null : JSON.stringify(grant.env), grant.reason, grant.expires, grant.createdAt, grant.createdBy]
}
