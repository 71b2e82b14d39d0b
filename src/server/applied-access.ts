// Effective access of the applied state on the live directory: what explain, who-can and the explorer answer from.
import { activeBreakGlass, directoryOf } from '../apply/store-base.js'
import { computeEffectiveAccess, type EffectiveAccess } from '../engine/effective.js'
import { knownUserNames } from '../engine/question-check.js'
import { stateFromDocuments, type StateDocument } from '../model/documents.js'
import type { DesiredState } from '../model/state.js'
import type { BreakGlassGrant } from '../engine/types.js'
import type { AppliedState } from '../store/applied.js'
import type { LiveSnapshot, Store } from '../store/store.js'

export type AppliedAccess = {
  access: EffectiveAccess
  source: string
  /** The applied state, that questions are checked against. */
  state: DesiredState
  /** The userNames that make a user known (knownUserNames). */
  knownUsers: () => string[]
  /** The directory's users, to tell which person a question names. */
  users: readonly { connection: string; userName: string }[]
  /** The applied revision and its documents (without the directory it saw). */
  applied: AppliedState
  /** The live directory the access is computed on, at `snapshot.revision`. */
  snapshot: LiveSnapshot
  breakGlass: readonly BreakGlassGrant[]
}

/** Effective access of the applied state on the live directory, or undefined before the first apply. */
export async function appliedAccess(store: Store, now: Date): Promise<AppliedAccess | undefined> {
  const applied = await store.appliedState()
  if (applied === undefined) return undefined
  const state = stateFromDocuments(applied.documents as StateDocument[], now)
  const [snapshot, breakGlass] = await Promise.all([store.snapshot(), store.listBreakGlass()])
  const active = activeBreakGlass(breakGlass)
  return {
    access: computeEffectiveAccess(state, directoryOf(snapshot), { now, breakGlass: active }),
    source: `applied revision ${applied.revision.id}`,
    state,
    knownUsers: () => knownUserNames(state, snapshot.users, active),
    users: snapshot.users,
    applied,
    snapshot,
    breakGlass: active,
  }
}
