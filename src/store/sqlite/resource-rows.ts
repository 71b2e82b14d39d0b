// A users or groups row as SQLite reads it, and what a unique index's refusal looks like.
import type { StoredRow } from '../resource-row.js'

export type ResourceRow = StoredRow & { rid: number }

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'SQLITE_CONSTRAINT_UNIQUE'
}
