// What `apply` records in the store: applied revisions (documents + metadata) and break-glass grants.
import type { Directory } from '../engine/types.js'
import type { JsonObject } from './json.js'

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
  directoryDigest: string
  summary: JsonObject
}

export type AppliedDocument = { file: string; doc: Record<string, unknown> }

/** The applied documents of a revision and, for recent revisions, the directory the apply saw (for drift). */
export type AppliedState = { revision: AppliedRevision; documents: AppliedDocument[]; directory: Directory | undefined }

export type ApplyRecord = Pick<AppliedRevision, 'commit' | 'author' | 'approvedBy' | 'planDigest' | 'desiredDigest' | 'directoryDigest' | 'summary'> & {
  documents: AppliedDocument[]
  /** The directory as the plan saw it, restricted to what access depends on. */
  directory: Directory
  actor: string
}

/** What the apply guard sees inside the write transaction, before anything is written. */
export type ApplyGuardView = {
  appliedRevision: string | null
  storeRevision: number
  /** The live directory, read inside the same transaction (only when the guard needs it). */
  directory: () => Directory
}

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
