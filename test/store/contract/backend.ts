// What a store backend gives the contract suite: fresh underlying stores, independent store objects on each, and
// the capabilities it lacks, each with its reason.
import type { Store } from '../../../src/store/store.js'

/**
 * What a backend may be unable to do. The suite asserts the weaker behaviour the contract still promises when a
 * backend declares one, and says so in the test's name: nothing is skipped.
 */
export type Capability =
  /** Writes started on one store object without awaiting each other take effect in the order they were started. */
  | 'ordered-writes'
  /**
   * A store object reads, within `feedDelayMs`, what another object on the same underlying store committed: a
   * revoked token is refused, a changed user read as changed. Without it, within `crossObjectDelayMs`.
   */
  | 'fresh-cross-object-reads'
  /**
   * `onAccessChange` and `onCredentialChange` on one store object also tell, within `feedDelayMs`, writes committed
   * through other objects. Without it, only that object's own writes are told, and a cache compares `revision()`
   * with the last revision it heard of.
   */
  | 'cross-object-access-feed'

export const capabilities: readonly Capability[] = ['ordered-writes', 'fresh-cross-object-reads', 'cross-object-access-feed']

/** How long a store object may serve what another object changed, when the backend cannot read it at once ("within seconds"). */
export const crossObjectDelayMs = 6000

/** Changes to the audit log made behind the store's back, past whatever keeps it append-only (a backend's own SQL). */
export type AuditTamper = {
  /** Rewrites the actor of entry `seq`, leaving its stored hashes as they were. */
  rewriteActor(seq: number, actor: string): Promise<void>
  /** Deletes entry `seq` and every later one. */
  truncateFrom(seq: number): Promise<void>
}

/** One underlying store (a file, a database): store objects opened on it share everything, as processes or replicas do. */
export type StoreLocation = {
  /** A new, independent store object on this underlying store, as another process would open it. */
  open(options: { clock: () => Date }): Promise<Store>
  tamper: AuditTamper
  /** Removes the underlying store; every object opened on it is closed first. */
  destroy(): Promise<void>
}

/** A backend under test: `runStoreContract` runs every category on it. */
export type StoreBackend = {
  name: string
  /** A new, empty underlying store that nothing else uses. Called once per test. */
  create(): Promise<StoreLocation>
  /** What the backend cannot do, and why. */
  cannot?: Partial<Record<Capability, string>>
}
