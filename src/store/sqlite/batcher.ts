// Group commit: writes of concurrent requests share one COMMIT and one fsync; each write is isolated by a savepoint.
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import type Database from 'better-sqlite3'

type Waiter = { resolve: () => void; reject: (error: unknown) => void }

/**
 * How a batch is made durable before its writes are acknowledged.
 * - `full`: SQLite `synchronous=FULL`; COMMIT fsyncs the WAL itself, blocking the event loop for the fsync.
 * - `wal-fsync`: SQLite `synchronous=NORMAL` (WAL frames written, checkpoints synced by SQLite), then an
 *   fdatasync of the WAL file in the libuv thread pool before any write of the batch is acknowledged. The same
 *   guarantee as `full` (every acknowledged write is on disk), without stalling requests during the fsync.
 * - `none`: in-memory databases.
 */
export type Durability = 'full' | 'wal-fsync' | 'none'

/**
 * Runs each write synchronously inside an open transaction and resolves its promise only after the COMMIT
 * that contains it is on disk. A write that throws is rolled back alone.
 *
 * With `wal-fsync`, one fdatasync runs at a time (measured here: two overlapping fdatasyncs of the WAL each take
 * longer, and the throughput drops). While it runs, new writes gather in the open transaction, and the batch is
 * committed when it returns: one COMMIT and one fdatasync carry every write that arrived meanwhile, so that a
 * page many writes touch (the audit log's tail, the revision, a big group's row) is written to the WAL once.
 */
export class WriteBatcher {
  private waiters: Waiter[] = []
  private isOpen = false
  /** Committed but not yet synced (wal-fsync): they wait for the next fdatasync. */
  private unsynced: Waiter[] = []
  /** An fdatasync is in flight; it covers every commit made before it started. */
  private isSyncing = false
  private isFlushScheduled = false
  private isClosing = false
  private walFd: number | undefined
  private readonly begin: Database.Statement
  private readonly commit: Database.Statement
  private readonly savepoint: Database.Statement
  private readonly release: Database.Statement
  private readonly rollbackTo: Database.Statement

  constructor(
    private readonly db: Database.Database,
    private readonly durability: Durability,
    private readonly walPath: string,
    /** Run after every COMMIT (or ROLLBACK, `isCommitted` false) of a batch, and after one write is rolled back to its savepoint. */
    private readonly hooks: { afterCommit?: (isCommitted: boolean) => void; afterRollbackTo?: () => void } = {},
    private readonly maxBatch = 512,
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE')
    this.commit = db.prepare('COMMIT')
    this.savepoint = db.prepare('SAVEPOINT write')
    this.release = db.prepare('RELEASE write')
    this.rollbackTo = db.prepare('ROLLBACK TO write')
  }

  run<T>(write: () => T): Promise<T> {
    if (!this.isOpen) {
      this.begin.run()
      this.isOpen = true
      // During an fdatasync, the batch stays open until it returns (see sync()).
      if (!this.isSyncing) this.scheduleFlush()
    }
    this.savepoint.run()
    let result: T
    try {
      result = write()
      this.release.run()
    } catch (error) {
      this.rollbackTo.run()
      this.release.run()
      this.hooks.afterRollbackTo?.()
      return Promise.reject(error)
    }
    return new Promise<T>((resolve, reject) => {
      this.waiters.push({ resolve: () => resolve(result), reject })
      if (this.waiters.length >= this.maxBatch) this.flush()
    })
  }

  private scheduleFlush(): void {
    if (this.isFlushScheduled) return
    this.isFlushScheduled = true
    setImmediate(() => {
      this.isFlushScheduled = false
      if (!this.isSyncing) this.flush()
    })
  }

  /** Commits the open batch, then settles its writes once they are durable. */
  flush(): void {
    if (!this.isOpen) return
    const waiters = this.waiters
    this.waiters = []
    this.isOpen = false
    try {
      this.commit.run()
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK')
      this.hooks.afterCommit?.(false)
      for (const waiter of waiters) waiter.reject(error)
      return
    }
    this.hooks.afterCommit?.(true)
    if (this.durability !== 'wal-fsync') {
      for (const waiter of waiters) waiter.resolve()
      return
    }
    this.unsynced.push(...waiters)
    this.sync()
  }

  /** Starts an fdatasync for the writes committed since the last one started, unless one is running. */
  private sync(): void {
    if (this.isSyncing || this.isClosing || this.unsynced.length === 0) return
    const waiters = this.unsynced
    this.unsynced = []
    this.isSyncing = true
    let fd: number
    try {
      if (this.walFd === undefined) {
        this.walFd = openSync(this.walPath, 'r')
        // Once: make the WAL file's directory entry durable too, or a power cut could lose the whole file.
        const dir = openSync(dirname(this.walPath), 'r')
        try {
          fsyncSync(dir)
        } finally {
          closeSync(dir)
        }
      }
      fd = this.walFd
    } catch (error) {
      this.isSyncing = false
      for (const waiter of waiters) waiter.reject(error)
      if (this.isOpen) this.scheduleFlush()
      return
    }
    fdatasync(fd, (error) => {
      this.isSyncing = false
      for (const waiter of waiters) (error === null ? waiter.resolve() : waiter.reject(error))
      if (this.isClosing) {
        this.closeWal()
      } else if (this.isOpen) {
        // Writes that arrived during the fdatasync: committed after this turn's responses are on their way.
        this.scheduleFlush()
      } else {
        this.sync()
      }
    })
  }

  /** Commits and syncs everything, synchronously (shutdown). */
  close(): void {
    this.isClosing = true
    this.flush()
    if (this.walFd !== undefined) fdatasyncSync(this.walFd)
    const waiters = this.unsynced
    this.unsynced = []
    for (const waiter of waiters) waiter.resolve()
    // An fdatasync still in flight closes the file when it returns.
    if (!this.isSyncing) this.closeWal()
  }

  private closeWal(): void {
    if (this.walFd === undefined) return
    closeSync(this.walFd)
    this.walFd = undefined
  }
}
