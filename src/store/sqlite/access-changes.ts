// Which committed writes may have changed someone's access: gathered per write batch, told to listeners once
// the batch commits (a rolled-back batch tells nothing), with the credentials it revoked.
import { FeedListeners } from '../feed.js'
import type { AccessChange } from '../store.js'

export class AccessChanges {
  readonly listeners = new FeedListeners()
  private isRevoked = false
  private userIds = new Set<string>()
  private userNames = new Set<string>()
  private isAll = false
  private isTouched = false
  /** The store revision before the open batch's first revision bump. */
  private from: number | undefined

  listen(listener: (change: AccessChange) => void): () => void {
    return this.listeners.onAccess(listener)
  }

  /** The open batch revoked a SCIM or admin token. */
  revoked(): void {
    this.isRevoked = true
  }

  /** The open batch touched these users' records (by id) or these userNames. */
  touchUsers(ids: Iterable<string>, names: Iterable<string> = []): void {
    if (this.listeners.size === 0) return
    this.isTouched = true
    for (const id of ids) this.userIds.add(id)
    for (const name of names) this.userNames.add(name.toLowerCase())
  }

  /** The open batch may have changed anyone's access (a group renamed or deleted, an apply, a bulk load). */
  touchAll(): void {
    if (this.listeners.size === 0) return
    this.isTouched = true
    this.isAll = true
  }

  /** The open batch is about to bump the store revision, which is `revision()` now. */
  beforeBump(revision: () => number): void {
    if (this.listeners.size === 0 || this.from !== undefined) return
    this.from = revision()
  }

  /** The batch ended: tell listeners what it changed if it committed, with the revisions it went from and to. */
  settle(isCommitted: boolean, revision: () => number): void {
    if (isCommitted && this.isRevoked) this.listeners.tellCredentials()
    if (isCommitted && (this.isTouched || this.from !== undefined)) {
      const to = revision()
      this.listeners.tellAccess({ from: this.from ?? to, revision: to, all: this.isAll, userIds: [...this.userIds], userNames: [...this.userNames] })
    }
    this.isRevoked = false
    this.userIds = new Set()
    this.userNames = new Set()
    this.isAll = false
    this.isTouched = false
    this.from = undefined
  }
}
