// The state explain, who-can and test answer from: the access files (--dir) or the last apply, on the live directory.
import { activeBreakGlass, directoryOf } from '../apply/store-base.js'
import type { BreakGlassGrant, Directory } from '../engine/types.js'
import { RolecallError } from '../errors.js'
import { stateFromDocuments, type StateDocument } from '../model/documents.js'
import type { DesiredState } from '../model/state.js'
import type { AppliedRevision } from '../store/applied.js'
import type { Store } from '../store/store.js'
import { loadDesired, withStore } from './desired.js'
import type { Io } from './io.js'
import { withoutHolds } from '../guard/held-directory.js'
import { holdingStatuses, type Hold } from '../store/holds.js'

/** `storeRevision`: of the directory read; `applied`: the applied revision the state is, unless from the access files; `directory` leaves out what `holds` (those in force) keep out. */
export type AccessContext = { state: DesiredState; directory: Directory; breakGlass: BreakGlassGrant[]; source: string; storeRevision: number; applied?: AppliedRevision; holds: Hold[] }

/** With `fromFiles`, the access files projected on the live directory; else the applied state. The store must exist. */
export async function loadAccessContext(options: AccessOptions, io: Io, now: Date): Promise<AccessContext> {
  return withAccessContext(options, io, now, async (context) => context)
}

type AccessOptions = { dir: string | undefined; db: string | undefined; fromFiles: boolean }

/** loadAccessContext, with the store still open for `work` (to read what the answer's provenance names). */
export async function withAccessContext<T>(options: AccessOptions, io: Io, now: Date, work: (context: AccessContext, store: Store) => Promise<T>): Promise<T> {
  const desired = options.fromFiles ? await loadDesired(options.dir, io, now) : undefined
  return withStore(options.db, io, async (store) => {
    const [snapshot, breakGlass, holds] = await Promise.all([store.snapshot(), store.listBreakGlass(), store.listHolds({ status: holdingStatuses })])
    const directory = withoutHolds(directoryOf(snapshot), holds)
    const storeRevision = snapshot.revision
    if (desired !== undefined) return work({ state: desired, directory, breakGlass: activeBreakGlass(breakGlass), source: 'access files on live memberships', storeRevision, holds }, store)
    const applied = await store.appliedState()
    if (applied === undefined) throw new RolecallError('nothing has been applied yet; pass --dir to answer from the access files')
    const state = stateFromDocuments(applied.documents as StateDocument[], now)
    return work({ state, directory, breakGlass: activeBreakGlass(breakGlass), source: `applied revision ${applied.revision.id}`, storeRevision, applied: applied.revision, holds }, store)
  })
}
