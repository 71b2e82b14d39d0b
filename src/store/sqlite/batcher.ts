// Group commit: writes of concurrent requests share one COMMIT and one fsync; each write is isolated by a savepoint.
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import type Database from 'better-sqlite3'
import { StoreBusyError } from '../../errors.js'

type Waiter = { resolve: () => void; reject: (error: unknown) => void }
/** A write that arrived while another connection held the write lock (retry mode): not run yet. */
type Queued = { write: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void; deadline: number }

/**
 * What a write does when another connection (another process: a long `apply --db`, a second server) holds the
 * store's write lock.
 * - `block`: SQLite's busy handler sleeps inside BEGIN IMMEDIATE, up to the connection's busy_timeout
 *   (`timeoutMs`). For the CLI: one command, nothing else on its event loop to keep serving.
 * - `retry`: the connection has busy_timeout 0, so BEGIN IMMEDIATE returns SQLITE_BUSY at once. The writes queue,
 *   in arrival order, and BEGIN is retried on timers with a short backoff while the event loop keeps serving reads
 *   and /healthz. A write still queued `deadlineMs` after it arrived fails with StoreBusyError, never having run.
 *   For servers.
 */
export type LockWait = { mode: 'block'; timeoutMs: number } | { mode: 'retry'; deadlineMs: number }

/** SQLITE_BUSY and its extended codes (BUSY_RECOVERY, BUSY_SNAPSHOT, BUSY_TIMEOUT). */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'))
}

/** Backoff between BEGIN attempts in retry mode: short at first (a peer's one commit), then capped. */
const firstRetryMs = 2
const maxRetryMs = 50
/** What a client is told to wait after a write gave up on the lock (Retry-After). */
const retryAfterSeconds = 2

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
 *
 * Another connection holding the write lock (see LockWait) only delays when a batch begins: once BEGIN succeeds,
 * queued writes run in that batch like any other, and are acknowledged after the same COMMIT and fdatasync. The
 * uncontended path pays one branch for it.
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
  /** Retry mode: writes waiting for the write lock, oldest first; while any wait, new writes queue behind them. */
  private queued: Queued[] = []
  private retryTimer: NodeJS.Timeout | undefined
  private retryDelayMs = 0
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
    private readonly lockWait: LockWait = { mode: 'block', timeoutMs: 10_000 },
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
      try {
        if (this.queued.length > 0 || !this.tryBegin()) return this.enqueue(write)
      } catch (error) {
        return Promise.reject(error)
      }
    }
    return this.runInBatch(write)
  }

  /**
   * BEGIN IMMEDIATE, opening a batch; false when another connection holds the write lock (retry mode). In block
   * mode SQLite has already waited busy_timeout when it reports SQLITE_BUSY.
   */
  private tryBegin(): boolean {
    try {
      this.begin.run()
    } catch (error) {
      if (!isBusy(error)) throw error
      if (this.lockWait.mode === 'block') throw this.busyError(this.lockWait.timeoutMs, error)
      return false
    }
    this.isOpen = true
    // During an fdatasync, the batch stays open until it returns (see sync()).
    if (!this.isSyncing) this.scheduleFlush()
    return true
  }

  private deadlineMs(): number {
    return this.lockWait.mode === 'retry' ? this.lockWait.deadlineMs : this.lockWait.timeoutMs
  }

  private busyError(waitedMs: number, cause?: unknown): StoreBusyError {
    return new StoreBusyError(`the store ${this.walPath.replace(/-wal$/, '')} is locked by another process (a write waited ${waitedMs / 1000} s for it); try again`, {
      retryAfterSeconds,
      ...(cause === undefined ? {} : { cause }),
    })
  }

  /** Retry mode: the write runs once a later BEGIN succeeds, or fails untouched at its deadline. */
  private enqueue<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ write, resolve: resolve as (value: unknown) => void, reject, deadline: Date.now() + this.deadlineMs() })
      this.scheduleRetry()
    })
  }

  /** A timer, never a blocking wait: the event loop keeps serving while another process holds the lock. */
  private scheduleRetry(): void {
    if (this.retryTimer !== undefined) return
    this.retryDelayMs = this.retryDelayMs === 0 ? firstRetryMs : Math.min(this.retryDelayMs * 2, maxRetryMs)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      this.retryQueued()
    }, this.retryDelayMs)
  }

  /** Tries BEGIN again; on success runs the queued writes in order, in the new batch. */
  private retryQueued(): void {
    const queued = this.queued
    this.queued = []
    let index = 0
    try {
      while (index < queued.length) {
        if (!this.isOpen && !this.tryBegin()) break
        const next = queued[index]
        index++
        if (next === undefined) break
        this.retryDelayMs = 0
        // A batch that reaches maxBatch commits inside runInBatch; the next write then begins a new one.
        this.runInBatch(next.write).then(next.resolve, next.reject)
      }
    } catch (error) {
      // Not a busy lock (tryBegin throws nothing else in retry mode): every write still waiting fails with it.
      for (const item of queued.slice(index)) item.reject(error)
      index = queued.length
    }
    const now = Date.now()
    const waiting: Queued[] = []
    for (const item of queued.slice(index)) {
      if (item.deadline > now) waiting.push(item)
      else item.reject(this.busyError(this.deadlineMs()))
    }
    this.queued = waiting
    if (waiting.length > 0) this.scheduleRetry()
    else this.retryDelayMs = 0
  }

  private runInBatch<T>(write: () => T): Promise<T> {
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
    // Writes still waiting for the lock never ran: they fail, and their clients may send them again.
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    const queued = this.queued
    this.queued = []
    for (const item of queued) item.reject(new StoreBusyError('the store closed while a write waited for another process to release its write lock; try again', { retryAfterSeconds }))
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
