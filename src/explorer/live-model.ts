// What the explorer's pages read from: effective access of the applied state on the live directory, computed once per
// store revision and shared by every page and every session, and reads that follow the store revision (drift,
// the audit chain's verdict). A busy directory moves the revision all the time: a result is kept for `maxAgeMs`
// after the revision moved, and every page says which store revision it shows.
import { activeBreakGlass, directoryOf } from '../apply/store-base.js'
import { stateFromDocuments, type StateDocument } from '../model/documents.js'
import type { DesiredState } from '../model/state.js'
import { computeDrift, driftBaselineProblem, type DriftReport } from '../plan/drift.js'
import { appliedAccess, type AppliedAccess } from '../server/applied-access.js'
import type { AuditVerification, Store } from '../store/store.js'

type Kept<T> = { revision: number; at: number; value: Promise<T> }

/** One value per store revision, kept `maxAgeMs` past the revision it was read at; a failed read is not kept. */
export class RevisionMemo<T> {
  #kept: Kept<T> | undefined
  /** The last value read, once it is in (of whichever revision). */
  last: { revision: number; value: T } | undefined
  constructor(
    private readonly read: () => Promise<T>,
    private readonly maxAgeMs: number,
  ) {}

  get(revision: number, now: number): Promise<T> {
    const kept = this.#kept
    if (kept !== undefined && (kept.revision === revision || now - kept.at < this.maxAgeMs)) return kept.value
    const value = this.read()
    const entry = { revision, at: now, value }
    this.#kept = entry
    value.then((done) => (this.last = { revision, value: done })).catch(() => undefined)
    value.catch(() => {
      if (this.#kept === entry) this.#kept = undefined
    })
    return value
  }
}

export type DriftState = { report: DriftReport } | { problem: string }

export class LiveModel {
  readonly #store: Store
  readonly #clock: () => Date
  readonly #access: RevisionMemo<AppliedAccess | undefined>
  readonly #drift: RevisionMemo<DriftState | undefined>
  readonly #audit: RevisionMemo<AuditVerification>
  #state: { revision: string; value: Promise<{ revision: string; state: DesiredState } | undefined> } | undefined

  constructor(store: Store, clock: () => Date, options: { maxAgeMs?: number } = {}) {
    this.#store = store
    this.#clock = clock
    const maxAgeMs = options.maxAgeMs ?? 2000
    this.#access = new RevisionMemo(() => appliedAccess(store, clock()), maxAgeMs)
    this.#drift = new RevisionMemo(() => this.#readDrift(), maxAgeMs)
    this.#audit = new RevisionMemo(() => store.verifyAudit(), maxAgeMs)
  }

  /** Effective access of the applied state on the live directory; undefined before the first apply. */
  async access(): Promise<AppliedAccess | undefined> {
    return this.#access.get(await this.#store.revision(), performance.now())
  }

  /** Drift since the last apply, as `rolecall drift` computes it (without access files); undefined before the first apply. */
  async drift(): Promise<DriftState | undefined> {
    return this.#drift.get(await this.#store.revision(), performance.now())
  }

  /** The applied state (documents indexed by name, with where each was declared), read once per applied revision. */
  async appliedState(): Promise<{ revision: string; state: DesiredState } | undefined> {
    const id = await this.#store.appliedRevisionId()
    if (id === null) return undefined
    if (this.#state?.revision !== id) {
      const entry = {
        revision: id,
        value: this.#store.appliedRevision(id).then((applied) => (applied === undefined ? undefined : { revision: id, state: stateFromDocuments(applied.documents as StateDocument[], this.#clock()) })),
      }
      this.#state = entry
      entry.value.catch(() => {
        if (this.#state === entry) this.#state = undefined
      })
    }
    return this.#state.value
  }

  /**
   * The drift last computed, with the store revision it is of, without computing it: drift projects everyone's access
   * twice, which only the Changes page waits for.
   */
  lastDrift(): { revision: number; value: DriftState | undefined } | undefined {
    return this.#drift.last
  }

  async auditVerdict(): Promise<AuditVerification> {
    return this.#audit.get(await this.#store.revision(), performance.now())
  }

  async #readDrift(): Promise<DriftState | undefined> {
    const now = this.#clock()
    const applied = await this.#store.appliedState({ withDirectory: true })
    if (applied === undefined) return undefined
    const problem = driftBaselineProblem(applied.revision.id, applied.directory)
    if (problem !== undefined || applied.directory === undefined) return { problem: problem ?? 'no baseline' }
    const [snapshot, breakGlass] = await Promise.all([this.#store.snapshot(), this.#store.listBreakGlass()])
    const documents = applied.documents as StateDocument[]
    return {
      report: computeDrift({
        applied: { revision: applied.revision.id, state: stateFromDocuments(documents, now), documents, directory: applied.directory },
        directory: directoryOf(snapshot),
        breakGlass: activeBreakGlass(breakGlass),
        now,
      }),
    }
  }
}
