// The write path of the PostgreSQL store: one transaction per write, serialised on the audit head's row lock, so
// that writers on every replica form one gapless revision sequence and one hash chain.
import { entryHash, type AuditRecord } from '../audit-chain.js'
import type { AccessChange } from '../store.js'
import type { Sql, TransactionSql } from './connect.js'
import { isRetryable } from './errors.js'

/** What one write transaction touched, told to listeners once it committed. */
export class WriteScope {
  from: number | undefined
  revision: number | undefined
  all = false
  readonly userIds = new Set<string>()
  readonly userNames = new Set<string>()
  /** Connections this transaction created: known to exist once it commits. */
  readonly connections = new Set<string>()

  constructor(
    readonly tx: TransactionSql,
    private head: { seq: number; hash: string },
    readonly now: string,
  ) {}

  touchUsers(ids: Iterable<string>, names: Iterable<string> = []): void {
    for (const id of ids) this.userIds.add(id)
    for (const name of names) this.userNames.add(name.toLowerCase())
  }

  touchAll(): void {
    this.all = true
  }

  /** Moves the store revision (a write that may change access); returns the new revision. */
  async bumpRevision(): Promise<number> {
    const [row] = await this.tx<{ value: number }[]>`UPDATE state SET value = value + 1 WHERE key = 'revision' RETURNING value`
    const revision = row?.value ?? 0
    this.from ??= revision - 1
    this.revision = revision
    return revision
  }

  /** Appends to the audit chain, after the revision bump of a resource write. */
  async record(record: AuditRecord, isResourceWrite = true): Promise<void> {
    if (isResourceWrite) await this.bumpRevision()
    const seq = this.head.seq + 1
    const at = this.now
    const hash = entryHash(this.head.hash, { seq, at, ...record })
    const detail = record.detail === null ? null : JSON.stringify(record.detail)
    await this.tx`INSERT INTO audit (seq, at, actor, connection, action, resource_type, resource_id, before_digest, after_digest, detail, prev_hash, hash)
      VALUES (${seq}, ${at}, ${record.actor}, ${record.connection}, ${record.action}, ${record.resourceType}, ${record.resourceId}, ${record.beforeDigest}, ${record.afterDigest}, ${detail}, ${this.head.hash}, ${hash})`
    this.head = { seq, hash }
  }

  change(): AccessChange | undefined {
    if (!this.all && this.userIds.size === 0 && this.userNames.size === 0 && this.revision === undefined) return undefined
    const revision = this.revision ?? this.from ?? 0
    return { from: this.from ?? revision, revision, all: this.all, userIds: [...this.userIds], userNames: [...this.userNames] }
  }
}

/** Attempts of a write that lost a serialization conflict or a deadlock before it gives up. */
const maxAttempts = 5

/**
 * Runs `work` in one transaction that first locks the audit head: every write, on every replica, waits its turn
 * there, so the revision and the chain never fork. Conflicts the server resolves by aborting one side are retried.
 */
export async function inWriteTransaction<T>(sql: Sql, now: () => string, work: (scope: WriteScope) => Promise<T>): Promise<{ result: T; scope: WriteScope }> {
  for (let attempt = 1; ; attempt++) {
    let scope: WriteScope | undefined
    try {
      const result = await sql.begin(async (tx) => {
        const [head] = await tx<{ seq: number; hash: string }[]>`SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`
        if (head === undefined) throw new Error('the audit head is missing')
        scope = new WriteScope(tx, head, now())
        return work(scope)
      })
      return { result: result as T, scope: scope as WriteScope }
    } catch (error) {
      if (attempt < maxAttempts && isRetryable(error)) continue
      throw error
    }
  }
}
