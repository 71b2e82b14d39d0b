// A store object's change feed: its listeners, the cursor of what it has told, and what a catch-up tells.
import type { AccessChange } from './store.js'

/** Where a store object's feed has got to: the audit entry and the store revision of the last write it accounted for. */
export type FeedCursor = { seq: number; revision: number }

/** Audit actions that revoke a credential: other objects must ask the store again for every token. */
export const revokeActions: readonly string[] = ['token.revoke', 'admin-token.revoke']

/** Access and credential listeners of one store object; a listener that throws does not stop the others. */
export class FeedListeners {
  private readonly access = new Set<(change: AccessChange) => void>()
  private readonly credentials = new Set<() => void>()

  get size(): number {
    return this.access.size + this.credentials.size
  }

  get hasAccessListeners(): boolean {
    return this.access.size > 0
  }

  onAccess(listener: (change: AccessChange) => void): () => void {
    this.access.add(listener)
    return () => this.access.delete(listener)
  }

  onCredentials(listener: () => void): () => void {
    this.credentials.add(listener)
    return () => this.credentials.delete(listener)
  }

  tellAccess(change: AccessChange): void {
    for (const listener of [...this.access]) quietly(() => listener(change))
  }

  tellCredentials(): void {
    for (const listener of [...this.credentials]) quietly(() => listener())
  }

  /** What a catch-up from `from` to `to` found (see catchUpChange), told to the listeners it concerns. */
  tellCatchUp(from: FeedCursor, to: FeedCursor, isRevoked: boolean): void {
    if (isRevoked) this.tellCredentials()
    const change = catchUpChange(from, to)
    if (change !== undefined) this.tellAccess(change)
  }
}

/**
 * What a store object tells after catching up from `from` to `to` without knowing whose records the writes in
 * between touched (notifications missed, a listening connection lost, a write by a process that sends none):
 * anyone's access may have changed when the revision moved; nothing when it did not (token writes only).
 */
export function catchUpChange(from: FeedCursor, to: FeedCursor): AccessChange | undefined {
  if (to.revision === from.revision) return undefined
  return { from: from.revision, revision: to.revision, all: true, userIds: [], userNames: [] }
}

function quietly(call: () => void): void {
  try {
    call()
  } catch {
    // A listener's failure is its own: the store's write committed and the other listeners must hear of it.
  }
}
