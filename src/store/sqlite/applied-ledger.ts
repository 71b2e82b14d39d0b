// The applied-revision ledger: what each apply wrote, read back, and an apply recorded under its guard.
import type { AppliedRevision, AppliedState, ApplyCommit, ApplyGuardView, ApplyRecord } from '../applied.js'
import { applyAuditDetail } from '../applied-rows.js'
import { currentAppliedId, insertAppliedRevision, listAppliedRevisions as listAppliedRevisionRows, listBreakGlass, readAppliedState } from './applied.js'
import type { SqliteCore } from './core.js'
import { holdsInForce, settleHoldsAtApply } from './holds.js'
import { readLiveSnapshot } from './snapshot.js'

/** The latest applied revision (`id` undefined) or the one named, with the directory it saw if asked. */
export function appliedState(core: SqliteCore, id: string | undefined, options: { withDirectory?: boolean }): AppliedState | undefined {
  return readAppliedState(core.reader, id, options.withDirectory === true)
}

export function listAppliedRevisions(core: SqliteCore): AppliedRevision[] {
  return listAppliedRevisionRows(core.reader)
}

export function appliedRevisionId(core: SqliteCore): string | null {
  return currentAppliedId(core.reader)
}

/** Records an apply in the open write, once `guard` has seen the store as that write does and not refused it. */
export function recordApply(core: SqliteCore, recorded: ApplyRecord, guard: (view: ApplyGuardView) => ApplyCommit | void): Promise<AppliedRevision> {
  return core.write(() => {
    const storeRevision = core.revisionOf(core.writer)
    const decided = guard({ appliedRevision: currentAppliedId(core.writer), storeRevision, directory: () => readLiveSnapshot(core.writer), breakGlass: () => listBreakGlass(core.writer), holds: () => holdsInForce(core) })
    const record: ApplyRecord = decided === undefined ? recorded : { ...recorded, ...decided }
    core.bumpRevision()
    const revision = insertAppliedRevision(core.writer, record, core.now(), storeRevision + 1)
    settleHoldsAtApply(core, record.releaseHolds ?? [], revision.id, record.actor)
    core.accessChanges.touchAll()
    const detail = applyAuditDetail(record, revision)
    core.audit.append(core.now(), { actor: record.actor, connection: null, action: 'apply', resourceType: null, resourceId: revision.id, beforeDigest: null, afterDigest: record.desiredDigest, detail })
    return revision
  })
}
