// The SQLite store's core: its two connections and their statements, the clock, writes through the batcher, and
// what every write records (revision, audit entry, connections, the group-fields counter).
import { Worker } from 'node:worker_threads'
import type Database from 'better-sqlite3'
import { StoreError } from '../../errors.js'
import type { AuditRecord } from '../audit-chain.js'
import type { LiveSnapshot } from '../store.js'
import { GuardContexts } from '../holds.js'
import { AccessChanges } from './access-changes.js'
import { AuditLog } from './audit.js'
import { ForeignWrites } from './foreign-writes.js'
import { WriteBatcher, type Durability, type LockWait } from './batcher.js'
import { blockingBusyTimeoutMs, isMemoryPath, openDatabase } from './open.js'
import { openReadOnly } from './open-read-only.js'
import type { ResourceRow } from './resource-rows.js'
import { UserDirectories } from './user-directory.js'

export type SqliteStoreOptions = {
  /** Clock for timestamps; tests pass a fixed one. */
  clock?: () => Date
  /**
   * How commits are made durable (see WriteBatcher). Both file modes put every acknowledged write on disk;
   * `wal-fsync` (the default) does the fsync off the event loop.
   */
  durability?: 'full' | 'wal-fsync'
  /**
   * Checkpoint the WAL from a worker thread instead of on the committing thread (long-running servers).
   * Needs the compiled `checkpointer.js` beside this module.
   */
  backgroundCheckpoint?: boolean
  /**
   * What a write does while another process holds the write lock (see LockWait in batcher.ts). `block` (the CLI's:
   * a command has no other requests to serve) lets SQLite's busy handler sleep in BEGIN, blocking the thread, up to
   * `lockDeadlineMs` (default 10 s). `retry` (a server's) never blocks: writes queue and BEGIN is retried on
   * timers, reads keep being served, and a write still waiting after `lockDeadlineMs` (default 5 s) fails.
   * Either way, a write that gives up fails with StoreBusyError, having written nothing.
   */
  lockWait?: 'block' | 'retry'
  lockDeadlineMs?: number
  /**
   * For commands that only read: no migrations, every write refused, and readable on a read-only mount (see
   * openReadOnly). A store from before the latest migration is read as it is.
   */
  readonly?: boolean
}

/** How long a server's write waits for another process's write lock before it fails with StoreBusyError. */
const defaultLockDeadlineMs = 5000

/** One write connection with group commit, one read connection (WAL snapshots); the concern modules work through it. */
export class SqliteCore {
  readonly writer: Database.Database
  readonly reader: Database.Database
  readonly audit: AuditLog
  readonly accessChanges = new AccessChanges()
  /** The applied state the IdP change guard judges SCIM writes by, compiled once per applied revision. */
  readonly guards = new GuardContexts()
  /** Other connections' commits to the file, told to the feed's listeners; none for :memory: or a read-only store. */
  readonly foreignWrites: ForeignWrites | undefined
  /**
   * Group rows read or written by the open batch (IdPs send bursts of member PATCHes to one group); cleared
   * when the batch ends or a write rolls back, dropped by any other write to the group.
   */
  readonly groupsInBatch = new Map<string, ResourceRow>()
  private readonly batcher: WriteBatcher
  /** Milliseconds since the epoch, from the clock the options give (tests) or Date.now (no Date per call). */
  private readonly clockMs: () => number
  private readonly writerStatements = new Map<string, Database.Statement<unknown[]>>()
  private readonly readerStatements = new Map<string, Database.Statement<unknown[]>>()
  private lastNow = { time: Number.NaN, text: '' }
  /** Connections whose row is committed; and those read or created by the open batch, known once it commits. */
  private readonly knownConnections = new Set<string>()
  private readonly seenConnections = new Set<string>()
  private isClosed = false
  /** The audit entries the open batch appended (first to last), told to foreignWrites once committed. */
  private batchSeqs: { first: number; last: number } | undefined
  /** The revision before the open batch's first bump. */
  private batchRevisionFrom: number | undefined
  /** A streamed write (see writeStreamed) holds the write transaction. */
  private isStreaming = false
  private checkpointer: Worker | undefined
  private userDirectories: UserDirectories | undefined
  /** Set when opened read-only: the one connection is both writer and reader, and every write is refused. */
  private readonly disposeReadOnly: (() => void) | undefined

  constructor(
    readonly path: string,
    options: SqliteStoreOptions,
  ) {
    const clock = options.clock
    this.clockMs = clock === undefined ? Date.now : () => clock().getTime()
    const durability: Durability = isMemoryPath(path) ? 'none' : (options.durability ?? 'wal-fsync')
    if (options.readonly === true && !isMemoryPath(path)) {
      const opened = openReadOnly(path)
      this.writer = opened.db
      this.disposeReadOnly = opened.dispose
    } else {
      this.writer = openDatabase(path, { synchronous: durability === 'wal-fsync' ? 'NORMAL' : 'FULL' })
    }
    const lockWait: LockWait = options.lockWait === 'retry' ? { mode: 'retry', deadlineMs: options.lockDeadlineMs ?? defaultLockDeadlineMs } : { mode: 'block', timeoutMs: options.lockDeadlineMs ?? blockingBusyTimeoutMs }
    // Opening (migrations) waited as the CLI does; from here on, a server's batcher waits on timers instead.
    if (lockWait.mode === 'retry') this.writer.pragma('busy_timeout = 0')
    else if (lockWait.timeoutMs !== blockingBusyTimeoutMs) this.writer.pragma(`busy_timeout = ${lockWait.timeoutMs}`)
    // WAL lets a second connection read committed state while the writer batches; :memory: cannot be shared.
    this.reader = isMemoryPath(path) || this.disposeReadOnly !== undefined ? this.writer : openDatabase(path, { migrate: false })
    this.batcher = new WriteBatcher(
      this.writer,
      durability,
      `${path}-wal`,
      {
        afterCommit: (isCommitted) => {
          this.accessChanges.settle(isCommitted, () => this.revisionOf(this.writer))
          if (isCommitted) this.ownCommitted()
          this.batchSeqs = undefined
          this.batchRevisionFrom = undefined
          this.audit.forget()
          if (isCommitted) for (const name of this.seenConnections) this.knownConnections.add(name)
          this.seenConnections.clear()
          this.groupsInBatch.clear()
        },
        afterRollbackTo: () => {
          this.forgetBatch()
          // The entries of the write that failed are gone; those of the batch's earlier writes stay.
          if (this.batchSeqs !== undefined) {
            const last = (this.stmt(this.writer, 'SELECT coalesce(max(seq), 0) AS seq FROM audit').get() as { seq: number }).seq
            this.batchSeqs = last < this.batchSeqs.first ? undefined : { first: this.batchSeqs.first, last }
          }
        },
      },
      lockWait,
    )
    if (options.backgroundCheckpoint === true && !isMemoryPath(path)) {
      this.writer.pragma('wal_autocheckpoint = 0')
      this.checkpointer = new Worker(new URL('./checkpointer.js', import.meta.url), { workerData: { path, intervalMs: 200 } })
      this.checkpointer.unref()
      this.checkpointer.on('error', () => {
        // Without the worker, fall back to SQLite's own checkpoints on commit.
        if (!this.isClosed) this.writer.pragma('wal_autocheckpoint = 1000')
        this.checkpointer = undefined
      })
    }
    this.audit = new AuditLog(this.writer)
    this.foreignWrites = isMemoryPath(path) || this.disposeReadOnly !== undefined ? undefined : new ForeignWrites(this.writer, this.reader, this.accessChanges.listeners)
  }

  /** Whether close() was called: the driver's connections are gone (or going). */
  get closed(): boolean {
    return this.isClosed
  }

  now(): string {
    // Formatted once per millisecond: a write reads the clock several times.
    const time = this.clockMs()
    if (time !== this.lastNow.time) this.lastNow = { time, text: new Date(time).toISOString() }
    return this.lastNow.text
  }

  stmt(db: Database.Database, sql: string): Database.Statement<unknown[]> {
    // One map per connection, keyed by the SQL text itself (no key string to build and hash per call).
    const statements = db === this.writer ? this.writerStatements : this.readerStatements
    let statement = statements.get(sql)
    if (statement === undefined) {
      // Filters make many shapes of SQL; keep the cache bounded.
      if (statements.size > 500) statements.clear()
      statement = db.prepare(sql)
      statements.set(sql, statement)
    }
    return statement
  }

  /** Runs `work` in the open write batch (group commit); refused once closed, or when opened read-only. */
  write<T>(work: () => T): Promise<T> {
    if (this.isClosed) return Promise.reject(new StoreError('store is closed'))
    if (this.disposeReadOnly !== undefined) return Promise.reject(new StoreError(`the store ${this.path} was opened for reading only`))
    if (this.isStreaming) return Promise.reject(new StoreError(`the store ${this.path} is loading a copy; try again once it is done`))
    return this.batcher.run(work)
  }

  /** Runs `work` in a transaction of its own, after the batcher has committed what it holds (bulk loads). */
  writeUnbatched<T>(work: () => T): T {
    this.batcher.flush()
    const run = this.writer.transaction(work)
    try {
      const result = run()
      this.ownCommitted()
      return result
    } finally {
      this.batchSeqs = undefined
      this.batchRevisionFrom = undefined
      this.forgetBatch()
    }
  }

  /** The batch committed: its entries and revisions are this object's, told already (see ForeignWrites). */
  private ownCommitted(): void {
    if (this.batchSeqs === undefined) return
    const revisions = this.batchRevisionFrom === undefined ? 0 : this.revisionOf(this.writer) - this.batchRevisionFrom
    this.foreignWrites?.ownCommitted(this.batchSeqs.first, this.batchSeqs.last, revisions)
  }

  /**
   * Runs `work`, which may await, in one transaction of its own that commits with a full fsync (loading a copy).
   * Writes through the batcher are refused until it ends: they would land in this transaction.
   */
  async writeStreamed<T>(work: () => Promise<T>): Promise<T> {
    if (this.isClosed) throw new StoreError('store is closed')
    if (this.disposeReadOnly !== undefined) throw new StoreError(`the store ${this.path} was opened for reading only`)
    if (this.isStreaming) throw new StoreError(`the store ${this.path} is already loading`)
    this.batcher.flush()
    const synchronous = Number(this.writer.pragma('synchronous', { simple: true }))
    this.isStreaming = true
    this.writer.pragma('synchronous = FULL')
    try {
      this.writer.exec('BEGIN IMMEDIATE')
      const value = await work()
      this.writer.exec('COMMIT')
      this.ownCommitted()
      return value
    } catch (error) {
      if (this.writer.inTransaction) this.writer.exec('ROLLBACK')
      throw error
    } finally {
      this.isStreaming = false
      this.writer.pragma(`synchronous = ${synchronous}`)
      this.batchSeqs = undefined
      this.batchRevisionFrom = undefined
      this.forgetBatch()
    }
  }

  /** What the open batch knew, forgotten when it rolls back (to a savepoint, too) or a bulk load ends. */
  private forgetBatch(): void {
    this.audit.forget()
    this.seenConnections.clear()
    this.groupsInBatch.clear()
  }

  revisionOf(db: Database.Database): number {
    return (this.stmt(db, `SELECT value FROM state WHERE key = 'revision'`).get() as { value: number }).value
  }

  bumpRevision(): void {
    this.batchRevisionFrom ??= this.revisionOf(this.writer)
    this.accessChanges.beforeBump(() => this.revisionOf(this.writer))
    this.stmt(this.writer, `UPDATE state SET value = value + 1 WHERE key = 'revision'`).run()
  }

  /** Appends the write's audit entry and bumps the revision; `isResourceWrite` false (connections, tokens) does not bump. */
  record(record: AuditRecord, isResourceWrite = true): number {
    if (isResourceWrite) this.bumpRevision()
    const seq = this.audit.append(this.now(), record)
    this.batchSeqs = { first: this.batchSeqs?.first ?? seq, last: seq }
    return seq
  }

  private connectionRow(db: Database.Database, name: string): boolean {
    return this.stmt(db, 'SELECT 1 FROM connections WHERE name = ?').get(name) !== undefined
  }

  /** Creates the connection's row inside the open write, if it has none. */
  ensureConnectionSync(name: string): void {
    // Connections are never deleted: one known to be committed needs no read (a POST /Users per request).
    if (this.knownConnections.has(name)) return
    this.seenConnections.add(name)
    if (this.connectionRow(this.writer, name)) return
    this.stmt(this.writer, 'INSERT INTO connections (name, created_at) VALUES (?, ?)').run(name, this.now())
    this.record({ actor: 'cli', connection: name, action: 'connection.create', resourceType: null, resourceId: null, beforeDigest: null, afterDigest: null, detail: null }, false)
  }

  /** A group's displayName or externalId changed, or a group went: for readers in other processes, and this one. */
  groupFieldsChanged(): void {
    this.stmt(this.writer, `UPDATE state SET value = value + 1 WHERE key = 'group_fields'`).run()
    this.userDirectories?.groupFieldsChanged()
  }

  /** One user's records, IdP groups and memberships (the check API's read). */
  directoryOfUser(userName: string): LiveSnapshot {
    this.userDirectories ??= new UserDirectories(
      this.reader,
      (sql) => this.stmt(this.reader, sql),
      () => this.revisionOf(this.reader),
    )
    return this.userDirectories.read(userName)
  }

  async close(): Promise<void> {
    if (this.isClosed) return
    if (this.checkpointer !== undefined) {
      const worker = this.checkpointer
      this.checkpointer = undefined
      await new Promise<void>((resolveStop) => {
        worker.once('message', () => resolveStop())
        worker.once('exit', () => resolveStop())
        worker.postMessage('stop')
      })
      await worker.terminate()
    }
    this.foreignWrites?.stop()
    this.batcher.close()
    this.isClosed = true
    if (this.reader !== this.writer) this.reader.close()
    this.writer.close()
    this.disposeReadOnly?.()
  }
}
