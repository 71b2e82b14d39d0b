// A revision's changes: the plan of its documents against the previous revision's, on the directory the apply saw,
// made again by the same makePlan that showed it for review.
import { stateFromDocuments, type StateDocument } from '../model/documents.js'
import { makePlan } from '../plan/make-plan.js'
import type { AccessChange, ObjectChange } from '../schema/generated/plan.js'
import type { AppliedRevision } from '../store/applied.js'
import type { Store } from '../store/store.js'

export type RevisionChanges = { revision: AppliedRevision; changes: ObjectChange[] | undefined; access: AccessChange[] | undefined }

export async function revisionChanges(store: Store, id: string): Promise<RevisionChanges | undefined> {
  const applied = await store.appliedRevision(id, { withDirectory: true })
  if (applied === undefined) return undefined
  const { revision } = applied
  const previousId = revision.number > 1 ? `r${revision.number - 1}` : undefined
  const previous = previousId === undefined ? undefined : await store.appliedRevision(previousId)
  if (applied.directory === undefined) return { revision, changes: undefined, access: undefined }
  const documents = applied.documents as StateDocument[]
  const at = new Date(revision.appliedAt)
  const plan = makePlan(
    stateFromDocuments(documents, at),
    { storeRevision: revision.storeRevision - 1, directory: applied.directory, applied: { revision: previousId ?? null, documents: (previous?.documents ?? []) as StateDocument[] } },
    at,
  )
  return { revision, changes: plan.changes, access: plan.access }
}
