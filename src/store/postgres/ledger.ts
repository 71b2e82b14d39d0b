// Applied revisions (documents, digests and the directory apply saw) and break-glass grants.
import type { Directory } from '../../engine/types.js'
import { revisionsWithDirectory, type AppliedRevision, type AppliedState, type ApplyRecord, type BreakGlassRecord } from '../applied.js'
import { appliedRevisionValues, breakGlassValues, revisionColumns, toBreakGlass, toRevision, type BreakGlassRow, type RevisionRow } from '../applied-rows.js'
import type { Sql } from './connect.js'
import type { WriteTx } from './transaction.js'

type Reader = Pick<Sql, 'unsafe'>

async function rows<T>(sql: Reader, text: string, params: (string | number)[] = []): Promise<T[]> {
  return (await sql.unsafe(text, params, { prepare: true })) as unknown as T[]
}

/** Revision rows as the shared mapping reads them (PostgreSQL's bigint arrives as text). */
const numbered = (row: RevisionRow): RevisionRow => ({ ...row, store_revision: Number(row.store_revision) })

export async function currentAppliedId(sql: Reader): Promise<string | null> {
  const [row] = await rows<{ id: string }>(sql, 'SELECT id FROM applied_revisions ORDER BY number DESC LIMIT 1')
  return row?.id ?? null
}

export async function readAppliedState(sql: Reader, id: string | undefined, withDirectory: boolean): Promise<AppliedState | undefined> {
  const columns = `${revisionColumns}, documents${withDirectory ? ', directory' : ''}`
  const [row] =
    id === undefined
      ? await rows<RevisionRow & { documents: string; directory?: string | null }>(sql, `SELECT ${columns} FROM applied_revisions ORDER BY number DESC LIMIT 1`)
      : await rows<RevisionRow & { documents: string; directory?: string | null }>(sql, `SELECT ${columns} FROM applied_revisions WHERE id = $1`, [id])
  if (row === undefined) return undefined
  return {
    revision: toRevision(numbered(row)),
    documents: JSON.parse(row.documents) as AppliedState['documents'],
    directory: row.directory === undefined || row.directory === null ? undefined : (JSON.parse(row.directory) as Directory),
  }
}

export async function listAppliedRevisions(sql: Reader): Promise<AppliedRevision[]> {
  return (await rows<RevisionRow>(sql, `SELECT ${revisionColumns} FROM applied_revisions ORDER BY number`)).map((row) => toRevision(numbered(row)))
}

/** Inserts the revision (numbered after the last); older revisions beyond the kept window drop their directory copy. */
export async function insertAppliedRevision(tx: WriteTx, record: ApplyRecord, storeRevision: number): Promise<AppliedRevision> {
  const [last] = await tx.query<{ n: number }>('SELECT COALESCE(MAX(number), 0) AS n FROM applied_revisions')
  const number = (last?.n ?? 0) + 1
  const id = `r${number}`
  tx.defer(
    `INSERT INTO applied_revisions (number, id, applied_at, store_revision, git_commit, author, approved_by, plan_digest, desired_digest, directory_digest, summary, documents, directory)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    appliedRevisionValues(record, number, id, tx.now, storeRevision),
  )
  tx.defer('UPDATE applied_revisions SET directory = NULL WHERE number <= $1 AND directory IS NOT NULL', [number - revisionsWithDirectory])
  const { commit, author, approvedBy, planDigest, desiredDigest, directoryDigest, summary } = record
  return { id, number, appliedAt: tx.now, storeRevision, commit, author, approvedBy, planDigest, desiredDigest, directoryDigest, summary }
}

export function insertBreakGlass(tx: WriteTx, grant: BreakGlassRecord): void {
  tx.defer('INSERT INTO break_glass (id, user_name, actions, resource, env, reason, expires, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', breakGlassValues(grant))
}

export async function listBreakGlass(sql: Reader): Promise<BreakGlassRecord[]> {
  return (await rows<BreakGlassRow>(sql, 'SELECT * FROM break_glass ORDER BY created_at, id')).map(toBreakGlass)
}

export async function markBreakGlassRevoked(tx: WriteTx, id: string): Promise<boolean> {
  return (await tx.query('UPDATE break_glass SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id', [tx.now, id])).length > 0
}
