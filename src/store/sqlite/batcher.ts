// Group commit: writes of concurrent requests share one durable COMMIT; each write is isolated by a savepoint.
import type Database from 'better-sqlite3'

type Waiter = { resolve: () => void; reject: (error: unknown) => void }

/**
 * Runs each write synchronously inside an open transaction and resolves its promise only after the COMMIT
 * that contains it has reached disk (synchronous=FULL). A write that throws is rolled back alone.
 */
export class WriteBatcher {
  private waiters: Waiter[] = []
  private isOpen = false

  constructor(
    private readonly db: Database.Database,
    private readonly maxBatch = 512,
  ) {}

  run<T>(write: () => T): Promise<T> {
    if (!this.isOpen) {
      this.db.exec('BEGIN IMMEDIATE')
      this.isOpen = true
      setImmediate(() => this.flush())
    }
    this.db.exec('SAVEPOINT write')
    let result: T
    try {
      result = write()
      this.db.exec('RELEASE write')
    } catch (error) {
      this.db.exec('ROLLBACK TO write')
      this.db.exec('RELEASE write')
      return Promise.reject(error)
    }
    return new Promise<T>((resolve, reject) => {
      this.waiters.push({ resolve: () => resolve(result), reject })
      if (this.waiters.length >= this.maxBatch) this.flush()
    })
  }

  /** Commits the open batch, then settles its writes. */
  flush(): void {
    if (!this.isOpen) return
    const waiters = this.waiters
    this.waiters = []
    this.isOpen = false
    try {
      this.db.exec('COMMIT')
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK')
      for (const waiter of waiters) waiter.reject(error)
      return
    }
    for (const waiter of waiters) waiter.resolve()
  }
}
