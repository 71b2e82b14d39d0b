// What `apply` records in the store: applied revisions (documents + metadata) and break-glass grants.
import type { Directory } from '../engine/types.js'
import type { JsonObject } from './json.js'
import type { LiveSnapshot } from './live-snapshot.js'
import type { Hold } from './holds.js'

/** One apply: who, when, from which commit, and the digests of what the reviewed plan was computed from. */
export type AppliedRevision = {
  /** `r<number>`, e.g. `r12`. */
  id: string
  number: number
  appliedAt: string
  /** The store revision this apply wrote (its audit sequence number). */
  storeRevision: number
  commit: string | null
  author: string | null
  approvedBy: string[]
  planDigest: string
  desiredDigest: string
  /** Of the directory the apply was judged on (the reviewed plan's may be older: see ApplyBasis). */
  directoryDigest: string
  summary: JsonObject
  /** The review the server verified for this apply (admin API with a GitHub token); absent when the approvals were claimed only. */
  review?: AppliedReview
}

/** A pull request of an access repository. */
export type PullRequestRef = { repository: string; number: number }

/** What the server verified about an apply's review: its pull request and the approvals that counted there. */
export type AppliedReview = { pullRequest: PullRequestRef; verifiedApprovers: string[] }

export type AppliedDocument = { file: string; doc: Record<string, unknown> }

/** The applied documents of a revision and, for recent revisions, the directory the apply saw (for drift). */
export type AppliedState = { revision: AppliedRevision; documents: AppliedDocument[]; directory: Directory | undefined }

export type ApplyRecord = Pick<AppliedRevision, 'commit' | 'author' | 'approvedBy' | 'planDigest' | 'desiredDigest' | 'directoryDigest' | 'summary' | 'review'> & {
  documents: AppliedDocument[]
  /** The directory the apply was judged on, restricted to what access depends on: drift's baseline. */
  directory: Directory
  actor: string
  /** Where the reviewed plan was made and where it was applied, for the audit entry. */
  basis?: ApplyBasis
  /** Holds the reviewed plan showed, released by this apply (their access takes effect). */
  releaseHolds?: string[]
}

/**
 * The store revision a plan was made at and the one it was applied at. SCIM writes between the two that moved
 * nothing the plan showed or judged do not refuse it; the audit entry of the apply says they happened.
 */
export type ApplyBasis = {
  planStoreRevision: number
  planDirectoryDigest: string
  /** The store revision the apply was judged at, inside its write transaction (the apply itself is the next). */
  storeRevision: number
  /** True when the users, groups or memberships differ from those the plan was made on. */
  directoryMoved: boolean
}

/** What the apply guard sees inside the write transaction, before anything is written. */
export type ApplyGuardView = {
  appliedRevision: string | null
  storeRevision: number
  /** The live directory, read inside the same transaction (only when the guard needs it). */
  directory: () => LiveSnapshot
  /** Break-glass grants, read inside the same transaction (only when the guard needs it). */
  breakGlass: () => BreakGlassRecord[]
  /** Holds in force (open or rejected), read inside the same transaction (only when the guard needs them). */
  holds: () => Hold[]
}

/** What the guard decides about the record, from what it read inside the transaction: it replaces those fields. */
export type ApplyCommit = Partial<Pick<ApplyRecord, 'directory' | 'directoryDigest' | 'basis'>>

export type BreakGlassRecord = {
  id: string
  user: string
  actions: string[]
  resource: string
  env?: string[]
  reason: string
  expires: string
  createdAt: string
  createdBy: string
  revokedAt?: string
}

/** Applied revisions kept with their directory, for drift (older ones keep documents and digests only). */
export const revisionsWithDirectory = 10
