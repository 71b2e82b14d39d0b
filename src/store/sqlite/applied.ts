// SQLite side of applied revisions and break-glass grants. Called by SqliteStore inside its write batches.
import type Database from 'better-sqlite3'
import { statement } from './statements.js'
import type { Directory } from '../../engine/types.js'
import { revisionsWithDirectory, type AppliedRevision, type AppliedState, type ApplyRecord, type BreakGlassRecord } from '../applied.js'
import { appliedRevisionValues, breakGlassValues, insertedRevision, revisionColumns, toBreakGlass, toRevision, type BreakGlassRow, type RevisionRow } from '../applied-rows.js'
import type { JsonObject } from '../store.js'

/** The latest applied revision id, or null. */
export function currentAppliedId(db: Database.Database): string | null {
  const row = statement(db, 'SELECT id FROM applied_revisions ORDER BY number DESC LIMIT 1').get() as { id: string } | undefined
  return row?.id ?? null
}

/** An applied revision with its documents (and the directory it saw, when asked); the latest when `id` is undefined. */
export function readAppliedState(db: Database.Database, id: string | undefined, withDirectory: boolean): AppliedState | undefined {
  const columns = `${revisionColumns}, documents${withDirectory ? ', directory' : ''}`
  const row = (id === undefined ? statement(db, `SELECT ${columns} FROM applied_revisions ORDER BY number DESC LIMIT 1`).get() : statement(db, `SELECT ${columns} FROM applied_revisions WHERE id = ?`).get(id)) as
    (RevisionRow & { documents: string; directory?: string | null }) | undefined
  if (row === undefined) return undefined
  return {
    revision: toRevision(row),
    documents: JSON.parse(row.documents) as AppliedState['documents'],
    directory: row.directory === undefined || row.directory === null ? undefined : (JSON.parse(row.directory) as Directory),
  }
}

export function listAppliedRevisions(db: Database.Database): AppliedRevision[] {
  return (statement(db, `SELECT ${revisionColumns} FROM applied_revisions ORDER BY number`).all() as RevisionRow[]).map(toRevision)
}

/** Inserts the revision; older revisions beyond the kept window drop their directory copy. */
export function insertAppliedRevision(db: Database.Database, record: ApplyRecord, appliedAt: string, storeRevision: number): AppliedRevision {
  const last = statement(db, 'SELECT COALESCE(MAX(number), 0) AS n FROM applied_revisions').get() as { n: number }
  const number = last.n + 1
  const id = `r${number}`
  statement(
    db,
    `INSERT INTO applied_revisions (number, id, applied_at, store_revision, git_commit, author, approved_by, plan_digest, desired_digest, directory_digest, summary, documents, directory, review)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(...appliedRevisionValues(record, number, id, appliedAt, storeRevision))
  statement(db, 'UPDATE applied_revisions SET directory = NULL WHERE number <= ?').run(number - revisionsWithDirectory)
  return insertedRevision(record, number, id, appliedAt, storeRevision)
}

export function insertBreakGlass(db: Database.Database, grant: BreakGlassRecord): void {
  statement(db, 'INSERT INTO break_glass (id, user_name, actions, resource, env, reason, expires, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(...breakGlassValues(grant))
}

export function listBreakGlass(db: Database.Database): BreakGlassRecord[] {
  return (statement(db, 'SELECT * FROM break_glass ORDER BY created_at, id').all() as BreakGlassRow[]).map(toBreakGlass)
}

export function markBreakGlassRevoked(db: Database.Database, id: string, at: string): boolean {
  return statement(db, 'UPDATE break_glass SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes > 0
}
