// Hears, on one dedicated connection (LISTEN), the writes that other processes commit, and tells this store object's
// feed listeners of them in commit order; a notice missed or unreadable, or a reconnection, is caught up from the
// cursor by reading the store head and the audit log.
import { revokeActions, type FeedCursor, type FeedListeners } from '../feed.js'
import type { Sql } from './connect.js'
import { decodeNotice, type ChangeNotice } from './notice.js'
import { changeChannel } from './transaction.js'

/** How long to wait before trying again to listen or to catch up, when the database does not answer. */
const retryMs = 100

type HeadRow = { revision: string; audit_seq: string; revoked: boolean }

const readHead = `SELECT h.revision, h.audit_seq, EXISTS (SELECT 1 FROM audit a WHERE a.seq > $1 AND a.action = ANY($2::text[])) AS revoked FROM store_head h WHERE h.id = 1`

export class ChangeListener {
  /** The last write this object accounted for; undefined until the first LISTEN answered. */
  private cursor: FeedCursor | undefined
  /** Notices heard while a catch-up runs, handled after it in the order heard. */
  private held: string[] | undefined
  private isStarted = false
  private isClosed = false
  private unlisten: (() => Promise<void>) | undefined
  private timer: NodeJS.Timeout | undefined
  private markReady: () => void = () => {}
  private readonly readied = new Promise<void>((resolve) => (this.markReady = resolve))

  constructor(
    private readonly sql: Sql,
    private readonly origin: string,
    private readonly listeners: FeedListeners,
  ) {}

  /** Starts listening, once; the connection is kept (and re-opened after it is lost) until `close`. */
  start(): void {
    if (this.isStarted || this.isClosed) return
    this.isStarted = true
    this.listen()
  }

  /** Resolves once the first LISTEN answered and the cursor is set: every write committed later is told. */
  ready(): Promise<void> {
    return this.readied
  }

  async close(): Promise<void> {
    this.isClosed = true
    this.markReady()
    clearTimeout(this.timer)
    await this.unlisten?.().catch(() => {})
  }

  private listen(): void {
    this.sql
      .listen(
        changeChannel,
        (payload) => this.heard(payload),
        () => this.catchUp(),
      )
      .then(
        (subscription) => {
          this.unlisten = subscription.unlisten
          if (this.isClosed) void subscription.unlisten().catch(() => {})
        },
        // The first LISTEN failed (the database is down): the driver re-opens a lost connection, not a first one.
        () => this.later(() => this.listen()),
      )
  }

  private later(run: () => void): void {
    if (this.isClosed) return
    this.timer = setTimeout(run, retryMs)
    this.timer.unref()
  }

  private heard(payload: string): void {
    if (this.held !== undefined) {
      this.held.push(payload)
      return
    }
    const cursor = this.cursor
    const notice = decodeNotice(payload)
    if (cursor === undefined || notice === undefined || notice.from.seq > cursor.seq) {
      // Before the first catch-up, or a notice this object cannot read or that follows one it did not hear.
      this.held = [payload]
      this.catchUp()
      return
    }
    if (notice.to.seq <= cursor.seq) return
    this.cursor = notice.to
    if (notice.origin !== this.origin) this.tell(notice)
  }

  private tell(notice: ChangeNotice): void {
    if (notice.isRevoked) this.listeners.tellCredentials()
    if (notice.all || notice.userIds.length > 0 || notice.userNames.length > 0 || notice.to.revision !== notice.from.revision) {
      this.listeners.tellAccess({ from: notice.from.revision, revision: notice.to.revision, all: notice.all, userIds: notice.userIds, userNames: notice.userNames })
    }
  }

  /**
   * Reads where the store is and tells what moved since the cursor (see FeedListeners.tellCatchUp); the first
   * catch-up only sets the cursor. Notices heard meanwhile are held, then handled.
   */
  private catchUp(): void {
    if (this.isClosed) return
    this.held ??= []
    const from = this.cursor
    this.sql.unsafe(readHead, [from?.seq ?? 0, revokeActions as never], { prepare: true }).then(
      (rows) => {
        const row = (rows as unknown as HeadRow[])[0]
        if (row === undefined || this.isClosed) return
        const to = { seq: Number(row.audit_seq), revision: Number(row.revision) }
        if (from !== undefined && to.seq > from.seq) this.listeners.tellCatchUp(from, to, row.revoked)
        if (from === undefined || to.seq > from.seq) this.cursor = to
        this.markReady()
        const held = this.held ?? []
        this.held = undefined
        for (const payload of held) this.heard(payload)
      },
      () => this.later(() => this.catchUp()),
    )
  }
}
