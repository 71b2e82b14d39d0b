// Answers access questions for the check API: the applied state, compiled once per applied revision, on one user's live records.
import { activeBreakGlass } from '../apply/store-base.js'
import { checkAccess, type AccessQuestion, type CheckAnswer, type QuestionError } from '../engine/check.js'
import { BundleBuilder, computeEffectiveAccess, userKey, type EffectiveAccess } from '../engine/effective.js'
import { stateFromDocuments, type StateDocument } from '../model/documents.js'
import type { DesiredState } from '../model/state.js'
import type { Store } from '../store/store.js'

type Compiled = { revision: string; state: DesiredState; bundles: BundleBuilder | undefined }

export class CheckService {
  private compiled: Compiled | undefined

  constructor(
    private readonly store: Store,
    private readonly clock: () => Date,
  ) {}

  /** The applied state, rebuilt only when a new apply happened. Undefined before the first apply. */
  private async state(): Promise<Compiled | undefined> {
    const revision = await this.store.appliedRevisionId()
    if (revision === null) return undefined
    if (this.compiled?.revision === revision) return this.compiled
    const applied = await this.store.appliedRevision(revision)
    if (applied === undefined) return undefined
    const state = stateFromDocuments(applied.documents as StateDocument[], this.clock())
    this.compiled = { revision, state, bundles: state.catalog === undefined ? undefined : new BundleBuilder(state) }
    return this.compiled
  }

  /** The effective access of one user (and of nobody else it is cheap to leave out), at `now`. */
  async accessOf(user: string, now: Date): Promise<{ access: EffectiveAccess; revision: string | null }> {
    const compiled = await this.state()
    if (compiled === undefined || compiled.bundles === undefined) return { access: { users: new Map(), inactive: new Set() }, revision: compiled?.revision ?? null }
    const [directory, breakGlass] = await Promise.all([this.store.directoryOfUser(user), this.store.listBreakGlass()])
    const mine = activeBreakGlass(breakGlass).filter((grant) => userKey(grant.user) === userKey(user))
    const access = computeEffectiveAccess(compiled.state, directory, { now, breakGlass: mine, bundles: compiled.bundles })
    return { access, revision: compiled.revision }
  }

  async check(question: AccessQuestion): Promise<(CheckAnswer & { revision: string | null }) | QuestionError> {
    const { access, revision } = await this.accessOf(question.user, question.at)
    const answer = checkAccess(access, question)
    return 'error' in answer ? answer : { ...answer, revision }
  }
}
