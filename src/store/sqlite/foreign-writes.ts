// Commits to the store file by other connections (a CLI `token revoke --db`, another store object), found by a
// short poll and told to this object's feed listeners as a catch-up: SQLite has no notification between processes.
import type Database from 'better-sqlite3'
import { revokeActions, type FeedCursor, type FeedListeners } from '../feed.js'
import { sqlitePollMs } from '../store.js'

/**
 * Every `sqlitePollMs` while there are listeners: `PRAGMA data_version` on the write connection, which changes
 * when another connection committed or checkpointed. Before it, the head (revision, last audit entry) is read;
 * when it did not change, that head holds only this object's own writes (told already) and becomes the cursor.
 * When it did, the head is read again, and the audit entries since the cursor that this object did not append
 * are another's writes: what moved is told (FeedListeners.tellCatchUp) if there are any.
 */
export class ForeignWrites {
  private cursor: FeedCursor | undefined
  private dataVersion = -1
  private timer: NodeJS.Timeout | undefined
  /** Audit entries this object committed past the cursor, as [first, last] ranges in order, with the revisions each batch moved. */
  private own: { first: number; last: number; revisions: number }[] = []
  private statements: { head: Database.Statement<[], { revision: number; seq: number }>; revoked: Database.Statement<unknown[]> } | undefined

  constructor(
    private readonly writer: Database.Database,
    private readonly reader: Database.Database,
    private readonly listeners: FeedListeners,
  ) {}

  /** Polls from now on (idempotent); the timer does not keep the process alive. */
  start(): void {
    if (this.timer !== undefined) return
    const placeholders = revokeActions.map(() => '?').join(', ')
    this.statements = {
      head: this.reader.prepare(`SELECT (SELECT value FROM state WHERE key = 'revision') AS revision, (SELECT coalesce(max(seq), 0) FROM audit) AS seq`),
      revoked: this.reader.prepare(`SELECT 1 FROM audit WHERE seq > ? AND action IN (${placeholders}) LIMIT 1`),
    }
    this.cursor = this.head()
    this.dataVersion = this.version()
    this.timer = setInterval(() => this.poll(), sqlitePollMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.own = []
  }

  /** This object committed audit entries `first` to `last`, moving the revision `revisions` times (told as they committed). */
  ownCommitted(first: number, last: number, revisions: number): void {
    if (this.timer !== undefined) this.own.push({ first, last, revisions })
  }

  /** What other connections wrote from `from` to `to`: entries and revisions; forgets own batches up to `to`. */
  private foreignBetween(from: FeedCursor, to: FeedCursor): { entries: number; revisions: number } {
    let entries = to.seq - from.seq
    let revisions = to.revision - from.revision
    for (const batch of this.own) {
      if (batch.first > from.seq && batch.last <= to.seq) {
        entries -= batch.last - batch.first + 1
        revisions -= batch.revisions
      }
    }
    this.own = this.own.filter((batch) => batch.last > to.seq)
    return { entries, revisions }
  }

  /** One look; also run by the timer. */
  poll(): void {
    if (this.listeners.size === 0) return
    try {
      const head = this.head()
      const version = this.version()
      if (version === this.dataVersion) {
        this.foreignBetween(this.cursor ?? head, head)
        this.cursor = head
        return
      }
      this.dataVersion = version
      const from = this.cursor ?? head
      const to = this.head()
      this.cursor = to
      const foreign = this.foreignBetween(from, to)
      if (foreign.entries > 0) this.listeners.tellCatchUp(from, foreign.revisions > 0 ? to : { ...to, revision: from.revision }, this.isRevokedAfter(from.seq))
    } catch {
      // The file is busy or gone for a moment: the next look catches up from the same cursor.
    }
  }

  private version(): number {
    return this.writer.pragma('data_version', { simple: true }) as number
  }

  private head(): FeedCursor {
    const row = this.statements?.head.get()
    return { seq: row?.seq ?? 0, revision: row?.revision ?? 0 }
  }

  private isRevokedAfter(seq: number): boolean {
    return this.statements?.revoked.get(seq, ...revokeActions) !== undefined
  }
}
