// The PostgreSQL Store: a pool of connections; every write one transaction serialised on the store's head row.
import { randomUUID } from 'node:crypto'
import { StoreError } from '../../errors.js'
import type { AppliedRevision, AppliedState, ApplyCommit, ApplyGuardView, ApplyRecord, BreakGlassRecord } from '../applied.js'
import { withErrorBoundary } from '../error-boundary.js'
import type { DumpCounts, DumpPart, LoadProgress } from '../dump.js'
import { FeedListeners } from '../feed.js'
import type { ResourceQuery, RootSearch } from '../query.js'
import type { AccessChange, AdminScope, AdminTokenInfo, AuditEntry, AuditVerification, GroupChange, JsonObject, ListResult, LiveSnapshot, MemberRef, SearchHit, Store, StoredGroup, StoredUser, TokenInfo, WriteOptions } from '../store.js'
import type { MembershipKey, MembershipSeq } from '../store.js'
import { membershipSeqs, readLiveSnapshot, readUserDirectory, userNameKeys } from './access.js'
import * as adminTokens from './admin-tokens.js'
import { auditEntriesOf, exportAuditEntries, verifyAuditChain } from './audit.js'
import * as breakGlass from './break-glass.js'
import { ChangeListener } from './change-listener.js'
import { connect, displayOf, poolDefaults, type PoolOptions, type Sql, type SqlParam } from './connect.js'
import { dumpStore, loadStore } from './dump.js'
import { postgresStoreError } from './errors.js'
import * as groups from './group-writes.js'
import type { Hold, HoldStatus } from '../holds.js'
import * as holds from './holds.js'
import * as ledger from './ledger.js'
import { listResources, searchResources } from './lists.js'
import { findPeople } from './people.js'
import type { PeoplePage } from '../people-search.js'
import { migrate, requireSchema, schemaVersion } from './migrations.js'
import { groupsColumn, membersColumn, resourceColumns, toGroup, toUser, type ResourceRow } from './rows.js'
import * as tokens from './tokens.js'
import { namesNothing, runWrite, touchedUsers, type WriteResult, type WriteTx } from './transaction.js'
import * as users from './user-writes.js'

export type PostgresStoreOptions = PoolOptions & {
  /** Clock for timestamps; tests pass a fixed one. */
  clock?: () => Date
  /** What messages show of the location (default: the URL without its password). */
  display?: string
  /** For commands that only read: no migrations, a database without rolecall's schema refused, every write refused. */
  readonly?: boolean
}

export class PostgresStore implements Store {
  private readonly clock: () => Date
  /** This object's name in the notices its writes send: its own notices tell it nothing. */
  private readonly origin = randomUUID()
  private readonly listeners = new FeedListeners()
  /** Hears other processes' writes; started by the first listener. */
  private readonly changes: ChangeListener
  /** Connections known to be committed (connections are never deleted): a create needs no insert for them. */
  private readonly knownConnections = new Set<string>()
  private isClosed = false
  /** Settles once the last write started holds the head lock (or gave up): the next one asks after it. */
  private lastTurn: Promise<void> = Promise.resolve()
  /** Settles once the last write started has told its listeners (or failed): the next one tells after it. */
  private lastTold: Promise<void> = Promise.resolve()
  /** Writes started and not yet settled: close() lets them commit first. */
  private readonly pending = new Set<Promise<unknown>>()

  constructor(
    private readonly sql: Sql,
    readonly display: string,
    options: PostgresStoreOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date())
    this.changes = new ChangeListener(sql, this.origin, this.listeners)
  }

  private now = (): string => this.clock().toISOString()

  private async read<T extends object>(text: string, params: SqlParam[]): Promise<T[]> {
    if (this.isClosed) throw new StoreError('store is closed')
    // Every read here looks rows up by equality.
    if (namesNothing(params)) return []
    return (await this.sql.unsafe(text, params as never[], { prepare: true })) as unknown as T[]
  }

  /**
   * Runs a write (see runWrite): writes started on this object ask for the head lock in the order they were
   * started. `first` is read with the lock; `connection`, when given, is created in the same transaction if it is
   * new. Once committed, listeners hear whose access it may have changed.
   */
  private write<T>(work: (tx: WriteTx, first: unknown) => Promise<WriteResult<T>> | WriteResult<T>, options: { first?: { text: string; params: SqlParam[] }; connection?: string } = {}): Promise<T> {
    if (this.isClosed) return Promise.reject(new StoreError('store is closed'))
    const written = this.writeInTurn(work, options)
    this.pending.add(written)
    const forget = () => this.pending.delete(written)
    written.then(forget, forget)
    return written
  }

  private async writeInTurn<T>(work: (tx: WriteTx, first: unknown) => Promise<WriteResult<T>> | WriteResult<T>, options: { first?: { text: string; params: SqlParam[] }; connection?: string }): Promise<T> {
    let locked = () => {}
    const turn = { before: this.lastTurn, locked: () => locked() }
    this.lastTurn = new Promise<void>((resolve) => {
      locked = resolve
    })
    // Listeners hear writes in the order they took the lock (their commit order), whichever answer arrives first.
    const toldBefore = this.lastTold
    let told = () => {}
    this.lastTold = new Promise<void>((resolve) => {
      told = resolve
    })
    const { connection } = options
    try {
      const { value, tx } = await runWrite(
        this.sql,
        this.now,
        this.origin,
        async (tx, [found]) => {
          if (connection !== undefined) await this.ensureConnectionIn(tx, connection)
          const result = await work(tx, found)
          tx.touched = result.touched
          return result
        },
        options.first,
        turn,
      )
      if (connection !== undefined) this.knownConnections.add(connection)
      await toldBefore
      if (this.listeners.size > 0) {
        const { isRevoked, ...users } = touchedUsers(value.touched)
        if (isRevoked) this.listeners.tellCredentials()
        if (users.all || users.userIds.length > 0 || users.userNames.length > 0 || tx.revision !== tx.head.revision) this.listeners.tellAccess({ from: tx.head.revision, revision: tx.revision, ...users })
      }
      return value.value
    } finally {
      // A failed write tells nothing, but the next one still waits for the writes before it.
      void toldBefore.then(told)
    }
  }

  /** Creates the connection within `tx` unless it is known; audited as the SQLite store audits it. */
  private async ensureConnectionIn(tx: WriteTx, name: string): Promise<void> {
    if (this.knownConnections.has(name)) return
    const inserted = await tx.query('INSERT INTO connections (name, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING name', [name, tx.now])
    if (inserted.length > 0) {
      tx.audit({ actor: 'cli', connection: name, action: 'connection.create', resourceType: null, resourceId: null, beforeDigest: null, afterDigest: null, detail: null }, false)
    }
  }

  // ---- connections and tokens ----

  ensureConnection(name: string): Promise<void> {
    return this.write(() => ({ value: undefined }), { connection: name })
  }

  async listConnections(): Promise<string[]> {
    return (await this.read<{ name: string }>('SELECT name FROM connections ORDER BY name', [])).map((row) => row.name)
  }

  createToken(connection: string, actor = 'cli'): Promise<{ token: string; info: TokenInfo }> {
    return this.write((tx) => tokens.createToken(tx, connection, actor), { connection })
  }

  listTokens(): Promise<TokenInfo[]> {
    return tokens.listTokens(this.sql)
  }

  revokeToken(id: string, actor = 'cli'): Promise<boolean> {
    return this.write((tx) => tokens.revokeToken(tx, id, actor))
  }

  authenticate(token: string): Promise<string | undefined> {
    return tokens.authenticate(this.sql, token)
  }

  createAdminToken(scopes: readonly AdminScope[], name?: string, actor?: string): Promise<{ token: string; info: AdminTokenInfo }> {
    return this.write((tx) => adminTokens.createAdminToken(tx, scopes, name, actor))
  }

  listAdminTokens(): Promise<AdminTokenInfo[]> {
    return adminTokens.listAdminTokens(this.sql)
  }

  revokeAdminToken(id: string, actor?: string): Promise<boolean> {
    return this.write((tx) => adminTokens.revokeAdminToken(tx, id, actor))
  }

  authenticateAdmin(token: string): Promise<{ id: string; scopes: AdminScope[] } | undefined> {
    return adminTokens.authenticateAdmin(this.sql, token)
  }

  // ---- users ----

  createUser(connection: string, doc: JsonObject, options: WriteOptions): Promise<StoredUser> {
    return this.write((tx) => users.createUser(tx, connection, doc, options), { connection })
  }

  async getUser(connection: string, id: string, withGroups: boolean): Promise<StoredUser | undefined> {
    const [row] = await this.read<ResourceRow>(withGroups ? `SELECT ${resourceColumns}, ${groupsColumn} FROM users r WHERE r.id = $1 AND r.connection = $2` : users.userById, [id, connection])
    return row === undefined ? undefined : toUser(row, withGroups)
  }

  async userVersion(connection: string, id: string): Promise<number | undefined> {
    const [row] = await this.read<{ version: number }>('SELECT version FROM users WHERE id = $1 AND connection = $2', [id, connection])
    return row?.version
  }

  listUsers(connection: string, query: ResourceQuery, withGroups: boolean): Promise<ListResult<StoredUser>> {
    return listResources(this.sql, 'users', connection, query, withGroups, (row) => toUser(row, withGroups))
  }

  replaceUser(connection: string, id: string, doc: JsonObject, options: WriteOptions): Promise<StoredUser> {
    return this.write((tx, found) => users.changeUser(tx, found, connection, id, () => doc, options, 'user.replace'), { first: { text: users.userById, params: [id, connection] } })
  }

  /** Read-modify-write under the head lock: no other write runs between the read and the update. */
  modifyUser(connection: string, id: string, change: (current: StoredUser) => JsonObject, options: WriteOptions): Promise<StoredUser> {
    return this.write((tx, found) => users.changeUser(tx, found, connection, id, change, options, 'user.modify'), { first: { text: users.userById, params: [id, connection] } })
  }

  deleteUser(connection: string, id: string, options: WriteOptions): Promise<void> {
    return this.write((tx, found) => users.deleteUser(tx, found, connection, id, options), { first: { text: users.userById, params: [id, connection] } })
  }

  // ---- groups ----

  createGroup(connection: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<StoredGroup> {
    return this.write((tx) => groups.createGroup(tx, connection, doc, memberIds, options), { connection })
  }

  async getGroup(connection: string, id: string, withMembers: boolean): Promise<StoredGroup | undefined> {
    const [row] = await this.read<ResourceRow>(withMembers ? `SELECT ${resourceColumns}, ${membersColumn} FROM groups r WHERE r.id = $1 AND r.connection = $2` : groups.groupById, [id, connection])
    return row === undefined ? undefined : toGroup(row, withMembers)
  }

  listGroups(connection: string, query: ResourceQuery, withMembers: boolean): Promise<ListResult<StoredGroup>> {
    return listResources(this.sql, 'groups', connection, query, withMembers, (row) => toGroup(row, withMembers))
  }

  replaceGroup(connection: string, id: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<StoredGroup> {
    return this.write((tx, found) => groups.replaceGroup(tx, found, connection, id, doc, memberIds, options), { first: { text: groups.groupById, params: [id, connection] } })
  }

  modifyGroup(connection: string, id: string, change: (current: StoredGroup, loadMembers: () => MemberRef[]) => GroupChange, options: WriteOptions): Promise<StoredGroup> {
    return this.write((tx, found) => groups.modifyGroup(tx, found, connection, id, change, options), { first: { text: groups.groupById, params: [id, connection] } })
  }

  deleteGroup(connection: string, id: string, options: WriteOptions): Promise<void> {
    return this.write((tx, found) => groups.deleteGroup(tx, found, connection, id, options), { first: { text: groups.groupById, params: [id, connection] } })
  }

  searchResources(connection: string, search: RootSearch, options: { withGroups: boolean; withMembers: boolean }): Promise<ListResult<SearchHit>> {
    return searchResources(this.sql, connection, search, options)
  }

  findPeople(text: string, page: PeoplePage): Promise<ListResult<StoredUser>> {
    return findPeople(this.sql, text, page)
  }

  // ---- revision, snapshot, audit ----

  async revision(): Promise<number> {
    const [row] = await this.read<{ revision: string }>('SELECT revision FROM store_head WHERE id = 1', [])
    return Number(row?.revision ?? 0)
  }

  snapshot(): Promise<LiveSnapshot> {
    return this.sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', (tx) => readLiveSnapshot(tx)) as Promise<LiveSnapshot>
  }

  verifyAudit(options: { head?: string } = {}): Promise<AuditVerification> {
    return verifyAuditChain(this.sql, options)
  }

  exportAudit(sink: (entry: AuditEntry) => void, options: { afterSeq?: number } = {}): Promise<number> {
    return this.sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', (tx) => exportAuditEntries(tx, sink, options.afterSeq)) as Promise<number>
  }

  // ---- dump and load ----

  dump(): AsyncIterable<DumpPart> {
    if (this.isClosed) throw new StoreError('store is closed')
    return dumpStore(this.sql)
  }

  load(parts: AsyncIterable<DumpPart>, options: { onProgress?: (progress: LoadProgress) => void } = {}): Promise<DumpCounts> {
    if (this.isClosed) return Promise.reject(new StoreError('store is closed'))
    return loadStore(this.sql, this.display, parts, options.onProgress)
  }

  // ---- applied revisions and break-glass grants ----

  appliedState(options: { withDirectory?: boolean } = {}): Promise<AppliedState | undefined> {
    return ledger.readAppliedState(this.sql, undefined, options.withDirectory === true)
  }

  appliedRevision(id: string, options: { withDirectory?: boolean } = {}): Promise<AppliedState | undefined> {
    return ledger.readAppliedState(this.sql, id, options.withDirectory === true)
  }

  listAppliedRevisions(): Promise<AppliedRevision[]> {
    return ledger.listAppliedRevisions(this.sql)
  }

  appliedRevisionId(): Promise<string | null> {
    return ledger.currentAppliedId(this.sql)
  }

  recordApply(recorded: ApplyRecord, guard: (view: ApplyGuardView) => ApplyCommit | void): Promise<AppliedRevision> {
    return this.write((tx) => ledger.recordApply(tx, recorded, guard))
  }

  addBreakGlass(grant: Omit<BreakGlassRecord, 'id' | 'createdAt'>): Promise<BreakGlassRecord> {
    return this.write((tx) => breakGlass.addBreakGlass(tx, grant))
  }

  listBreakGlass(): Promise<BreakGlassRecord[]> {
    return breakGlass.listBreakGlass(this.sql)
  }

  revokeBreakGlass(id: string, actor: string): Promise<boolean> {
    return this.write((tx) => breakGlass.revokeBreakGlass(tx, id, actor))
  }

  // ---- holds ----

  listHolds(options: { status?: readonly HoldStatus[] } = {}): Promise<Hold[]> {
    return holds.listHolds(this.sql, options.status)
  }

  holdsOfRecords(userIds: readonly string[]): Promise<Hold[]> {
    return holds.holdsOfRecords(this.sql, userIds)
  }

  rejectHold(id: string, actor: string, reason?: string): Promise<Hold | undefined> {
    return this.write((tx) => holds.rejectHold(tx, id, actor, reason))
  }

  // ---- access reads ----

  directoryOfUser(userName: string): Promise<LiveSnapshot> {
    return readUserDirectory(this.sql, userName)
  }

  userNameKeys(): Promise<string[]> {
    return userNameKeys(this.sql)
  }

  membershipSeqs(memberships: readonly MembershipKey[]): Promise<MembershipSeq[]> {
    return membershipSeqs(this.sql, memberships)
  }

  auditEntries(seqs: readonly number[]): Promise<AuditEntry[]> {
    return auditEntriesOf(this.sql, seqs)
  }

  /** Tells this object's writes as they commit, and other processes' as their notices arrive (see AccessFeed). */
  onAccessChange(listener: (change: AccessChange) => void): () => void {
    return this.listeners.onAccess(listener)
  }

  onCredentialChange(listener: () => void): () => void {
    return this.listeners.onCredentials(listener)
  }

  /** Starts hearing other processes' writes; resolves once it does (at most `withinMs` later): writes committed after it are told. */
  async startFeed(withinMs: number): Promise<void> {
    this.changes.start()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.changes.ready(), new Promise((resolve) => (timer = setTimeout(resolve, withinMs)))])
    clearTimeout(timer)
  }

  async close(): Promise<void> {
    if (this.isClosed) return
    this.isClosed = true
    await Promise.allSettled([...this.pending])
    await this.changes.close()
    await this.sql.end({ timeout: 5 })
  }
}

export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const display = options.display ?? displayOf(url)
  const password = passwordOf(url)
  const mapError = (error: unknown) => postgresStoreError(display, error, password)
  const sql = connect(url, options)
  try {
    if (options.readonly === true) await requireSchema(sql, display)
    else await migrate(sql, display)
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {})
    throw mapError(error)
  }
  const store = new PostgresStore(sql, display, options)
  // A store that writes hears the others from the start (its caches rely on it); a read-only one needs no feed.
  if (options.readonly !== true) await store.startFeed(options.connectTimeoutMs ?? poolDefaults.connectTimeoutMs)
  return withErrorBoundary(store, mapError)
}

/** Whether the database at `url` holds a rolecall store (its schema); a database that cannot be reached fails. */
export async function postgresStoreExists(url: string, display = displayOf(url)): Promise<boolean> {
  const sql = connect(url, { poolSize: 1, readonly: true })
  try {
    return (await schemaVersion(sql)) > 0
  } catch (error) {
    throw postgresStoreError(display, error, passwordOf(url))
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {})
  }
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password) || (process.env['PGPASSWORD'] ?? '')
  } catch {
    return process.env['PGPASSWORD'] ?? ''
  }
}
