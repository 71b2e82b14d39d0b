// Effective access of the applied state on the live directory: what explain, who-can and the explorer answer from.
import { activeBreakGlass, directoryOf } from '../apply/store-base.js'
import { computeEffectiveAccess, type EffectiveAccess } from '../engine/effective.js'
import { whoCanPage, type WhoCanEntry } from '../engine/answers.js'
import type { AccessQuestion } from '../engine/check.js'
import { knownUserNames, questionProblem } from '../engine/question-check.js'
import { stateFromDocuments, type StateDocument } from '../model/documents.js'
import type { DesiredState } from '../model/state.js'
import type { BreakGlassGrant } from '../engine/types.js'
import type { AppliedState } from '../store/applied.js'
import { withoutHolds } from '../guard/held-directory.js'
import { holdingStatuses, type Hold } from '../store/holds.js'
import type { LiveSnapshot, Store } from '../store/store.js'
import { parseCheckBody } from './check-body.js'

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
  /** Holds in force: the access they keep out is not in `access`. */
  holds: readonly Hold[]
}

/** Effective access of the applied state on the live directory, or undefined before the first apply. */
export async function appliedAccess(store: Store, now: Date): Promise<AppliedAccess | undefined> {
  const applied = await store.appliedState()
  if (applied === undefined) return undefined
  const state = stateFromDocuments(applied.documents as StateDocument[], now)
  const [snapshot, breakGlass, holds] = await Promise.all([store.snapshot(), store.listBreakGlass(), store.listHolds({ status: holdingStatuses })])
  const active = activeBreakGlass(breakGlass)
  return {
    access: computeEffectiveAccess(state, withoutHolds(directoryOf(snapshot), holds), { now, breakGlass: active }),
    source: `applied revision ${applied.revision.id}`,
    state,
    knownUsers: () => knownUserNames(state, snapshot.users, active),
    users: snapshot.users,
    applied,
    snapshot,
    breakGlass: active,
    holds,
  }
}

/**
 * Who may do what the question body asks (the check API's fields without `user`: an action on a resource, with
 * env and tags, or a permission), on the applied access: the answer of `POST /api/v1/who-can` and the explorer.
 */
export function answerWhoCan(live: AppliedAccess, body: Record<string, unknown>, now: Date): { users: WhoCanEntry[] } | { error: string } {
  const page = answerWhoCanPage(live, body, now, { offset: 0, limit: Number.POSITIVE_INFINITY })
  return 'error' in page ? page : { users: page.users }
}

/** One page of answerWhoCan's people (the same entries in the same order), with how many there are in all. */
export function answerWhoCanPage(live: AppliedAccess, body: Record<string, unknown>, now: Date, window: { offset: number; limit: number }): { total: number; users: WhoCanEntry[] } | { error: string } {
  const probe = parseCheckBody({ ...body, user: '*' }, now)
  if ('error' in probe) return probe
  const problem = questionProblem(live.state, probe)
  if (problem !== undefined) return { error: problem }
  return whoCanPage(live.access, (user): AccessQuestion => ({ ...probe, user, ...(probe.authMethod === undefined ? { anyAuthMethod: true } : {}) }), window)
}
