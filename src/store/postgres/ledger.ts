// Applied revisions: the documents, digests and directory of each apply, recorded in the apply's transaction.
import { holdsInForce, settleHoldsAtApply } from './holds.js'
import type { Hold } from '../holds.js'
import type { Directory } from '../../engine/types.js'
import { revisionsWithDirectory, type AppliedRevision, type AppliedState, type ApplyCommit, type ApplyGuardView, type ApplyRecord, type BreakGlassRecord } from '../applied.js'
import { appliedRevisionValues, applyAuditDetail, insertedRevision, revisionColumns, toRevision, type RevisionRow } from '../applied-rows.js'
import type { JsonObject, LiveSnapshot } from '../store.js'
import { readLiveSnapshot } from './access.js'
import { listBreakGlass } from './break-glass.js'
import type { Sql } from './connect.js'
import type { WriteResult, WriteTx } from './transaction.js'

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
async function insertAppliedRevision(tx: WriteTx, record: ApplyRecord, storeRevision: number): Promise<AppliedRevision> {
  const [last] = await tx.query<{ n: number }>('SELECT COALESCE(MAX(number), 0) AS n FROM applied_revisions')
  const number = (last?.n ?? 0) + 1
  const id = `r${number}`
  tx.defer(
    `INSERT INTO applied_revisions (number, id, applied_at, store_revision, git_commit, author, approved_by, plan_digest, desired_digest, directory_digest, summary, documents, directory, review)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    appliedRevisionValues(record, number, id, tx.now, storeRevision),
  )
  tx.defer('UPDATE applied_revisions SET directory = NULL WHERE number <= $1 AND directory IS NOT NULL', [number - revisionsWithDirectory])
  return insertedRevision(record, number, id, tx.now, storeRevision)
}

/** Thrown by the apply guard's readers for what is not read yet: the guard runs again once it is. */
class ReadNeeded extends Error {
  constructor(readonly what: 'directory' | 'breakGlass' | 'holds') {
    super(`${what} is read first`)
  }
}

function needed(what: 'directory' | 'breakGlass' | 'holds'): never {
  throw new ReadNeeded(what)
}

/**
 * Records an apply in `tx`, after `guard` accepted it. The guard is synchronous: what it asks for and has not been
 * read yet is read (inside the transaction, under the head lock, so nothing moves meanwhile), then it is asked again.
 */
export async function recordApply(tx: WriteTx, recorded: ApplyRecord, guard: (view: ApplyGuardView) => ApplyCommit | void): Promise<WriteResult<AppliedRevision>> {
  const storeRevision = tx.head.revision
  const appliedRevision = await currentAppliedId(tx.sql)
  let directory: LiveSnapshot | undefined
  let breakGlass: BreakGlassRecord[] | undefined
  let holds: Hold[] | undefined
  let decided: ApplyCommit | void
  for (;;) {
    try {
      decided = guard({ appliedRevision, storeRevision, directory: () => directory ?? needed('directory'), breakGlass: () => breakGlass ?? needed('breakGlass'), holds: () => holds ?? needed('holds') })
      break
    } catch (error) {
      if (!(error instanceof ReadNeeded)) throw error
      if (error.what === 'directory') directory = await readLiveSnapshot(tx.sql)
      else if (error.what === 'holds') holds = await holdsInForce(tx.sql)
      else breakGlass = await listBreakGlass(tx.sql)
    }
  }
  const record: ApplyRecord = decided === undefined ? recorded : { ...recorded, ...decided }
  const revision = await insertAppliedRevision(tx, record, storeRevision + 1)
  await settleHoldsAtApply(tx, record.releaseHolds ?? [], revision.id, record.actor)
  const detail = applyAuditDetail(record, revision)
  tx.audit({ actor: record.actor, connection: null, action: 'apply', resourceType: null, resourceId: revision.id, beforeDigest: null, afterDigest: record.desiredDigest, detail })
  return { value: revision, touched: { all: true } }
}
