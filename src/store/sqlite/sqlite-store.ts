// The better-sqlite3 Store: one write connection with group commit, one read connection (WAL snapshots). A facade:
// core.ts holds the connections and the write path, one module per concern does the work, each method delegates.
import type { AppliedRevision, AppliedState, ApplyCommit, ApplyGuardView, ApplyRecord, BreakGlassRecord } from '../applied.js'
import { withErrorBoundary } from '../error-boundary.js'
import type { DumpCounts, DumpPart, LoadProgress } from '../dump.js'
import type { ResourceQuery, RootSearch } from '../query.js'
import type { AccessChange, AdminScope, AdminTokenInfo, AuditEntry, AuditVerification, GroupChange, JsonObject, ListResult, LiveSnapshot, MemberRef, SearchHit, Store, StoredGroup, StoredUser, TokenInfo, WriteOptions } from '../store.js'
import type { MembershipKey, MembershipSeq } from '../store.js'
import { appliedRevisionId, appliedState, listAppliedRevisions, recordApply } from './applied-ledger.js'
import { auditEntriesOf, exportAuditEntries } from './audit.js'
import { membershipSeqs } from './memberships.js'
import { verifyAuditChain } from './audit-verify.js'
import { addBreakGlass, listBreakGlass, revokeBreakGlass } from './break-glass.js'
import { bulkLoad } from './bulk-load.js'
import { dumpStore, loadStore } from './dump.js'
import { SqliteCore, type SqliteStoreOptions } from './core.js'
import { authenticate, authenticateAdmin, createAdminToken, createToken, ensureConnection, listAdminTokens, listConnections, listTokens, revokeAdminToken, revokeToken } from './credentials.js'
import { StoreError } from '../../errors.js'
import { sqliteStoreError } from './errors.js'
import { createGroup, deleteGroup, getGroup, modifyGroup, replaceGroup } from './groups.js'
import { listGroups, listUsers, searchResources } from './listing.js'
import { findPeople } from './people.js'
import type { PeoplePage } from '../people-search.js'
import { readLiveSnapshot } from './snapshot.js'
import type { Hold, HoldStatus } from '../holds.js'
import { holdsOfRecords, listHolds, rejectHold } from './holds.js'
import { createUser, deleteUser, getUser, modifyUser, userNameKeys, userVersion } from './users.js'

export type { SqliteStoreOptions } from './core.js'

export class SqliteStore implements Store {
  private readonly core: SqliteCore

  constructor(
    readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    this.core = new SqliteCore(path, options)
  }

  // ---- connections and tokens ----

  ensureConnection(name: string): Promise<void> {
    return ensureConnection(this.core, name)
  }

  async listConnections(): Promise<string[]> {
    return listConnections(this.core)
  }

  createToken(connection: string, actor = 'cli'): Promise<{ token: string; info: TokenInfo }> {
    return createToken(this.core, connection, actor)
  }

  async listTokens(): Promise<TokenInfo[]> {
    return listTokens(this.core)
  }

  revokeToken(id: string, actor = 'cli'): Promise<boolean> {
    return revokeToken(this.core, id, actor)
  }

  async authenticate(token: string): Promise<string | undefined> {
    return authenticate(this.core, token)
  }

  // ---- users ----

  async userVersion(connection: string, id: string): Promise<number | undefined> {
    return userVersion(this.core, connection, id)
  }

  createUser(connection: string, doc: JsonObject, options: WriteOptions): Promise<StoredUser> {
    return createUser(this.core, connection, doc, options)
  }

  async getUser(connection: string, id: string, withGroups: boolean): Promise<StoredUser | undefined> {
    return getUser(this.core, connection, id, withGroups)
  }

  listUsers(connection: string, query: ResourceQuery, withGroups: boolean): Promise<ListResult<StoredUser>> {
    return listUsers(this.core, connection, query, withGroups)
  }

  replaceUser(connection: string, id: string, doc: JsonObject, options: WriteOptions): Promise<StoredUser> {
    return modifyUser(this.core, connection, id, () => doc, options, 'user.replace')
  }

  modifyUser(connection: string, id: string, change: (current: StoredUser) => JsonObject, options: WriteOptions, action = 'user.modify'): Promise<StoredUser> {
    return modifyUser(this.core, connection, id, change, options, action)
  }

  deleteUser(connection: string, id: string, options: WriteOptions): Promise<void> {
    return deleteUser(this.core, connection, id, options)
  }

  // ---- groups ----

  createGroup(connection: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<StoredGroup> {
    return createGroup(this.core, connection, doc, memberIds, options)
  }

  async getGroup(connection: string, id: string, withMembers: boolean): Promise<StoredGroup | undefined> {
    return getGroup(this.core, connection, id, withMembers)
  }

  listGroups(connection: string, query: ResourceQuery, withMembers: boolean): Promise<ListResult<StoredGroup>> {
    return listGroups(this.core, connection, query, withMembers)
  }

  searchResources(connection: string, search: RootSearch, options: { withGroups: boolean; withMembers: boolean }): Promise<ListResult<SearchHit>> {
    return searchResources(this.core, connection, search, options)
  }

  findPeople(text: string, page: PeoplePage): Promise<ListResult<StoredUser>> {
    return findPeople(this.core, text, page)
  }

  replaceGroup(connection: string, id: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<StoredGroup> {
    return replaceGroup(this.core, connection, id, doc, memberIds, options)
  }

  modifyGroup(connection: string, id: string, change: (current: StoredGroup, loadMembers: () => MemberRef[]) => GroupChange, options: WriteOptions): Promise<StoredGroup> {
    return modifyGroup(this.core, connection, id, change, options)
  }

  deleteGroup(connection: string, id: string, options: WriteOptions): Promise<void> {
    return deleteGroup(this.core, connection, id, options)
  }

  // ---- revision, snapshot, audit ----

  async revision(): Promise<number> {
    return this.core.revisionOf(this.core.reader)
  }

  /** Tells this object's write batches as they commit, and other connections' commits within `sqlitePollMs` (see AccessFeed). */
  onAccessChange(listener: (change: AccessChange) => void): () => void {
    this.core.foreignWrites?.start()
    return this.core.accessChanges.listen(listener)
  }

  onCredentialChange(listener: () => void): () => void {
    this.core.foreignWrites?.start()
    return this.core.accessChanges.listeners.onCredentials(listener)
  }

  async userNameKeys(): Promise<string[]> {
    return userNameKeys(this.core)
  }

  async snapshot(): Promise<LiveSnapshot> {
    return this.core.reader.transaction(() => readLiveSnapshot(this.core.reader))()
  }

  async verifyAudit(options: { head?: string } = {}): Promise<AuditVerification> {
    return verifyAuditChain(this.core.reader, options)
  }

  async exportAudit(sink: (entry: AuditEntry) => void, options: { afterSeq?: number } = {}): Promise<number> {
    return exportAuditEntries(this.core.reader, sink, options.afterSeq)
  }

  async auditEntries(seqs: readonly number[]): Promise<AuditEntry[]> {
    return auditEntriesOf(this.core.reader, seqs)
  }

  async membershipSeqs(memberships: readonly MembershipKey[]): Promise<MembershipSeq[]> {
    return membershipSeqs(this.core, memberships)
  }

  /** Loads users, groups and memberships in one transaction with a single audit entry (benchmarks, imports). */
  bulkLoad(connection: string, users: JsonObject[], groups: { doc: JsonObject; memberIndexes: number[] }[]): { userIds: string[]; groupIds: string[] } {
    return bulkLoad(this.core, connection, users, groups)
  }

  // ---- dump and load ----

  dump(): AsyncIterable<DumpPart> {
    return dumpStore(this.core.reader)
  }

  load(parts: AsyncIterable<DumpPart>, options: { onProgress?: (progress: LoadProgress) => void } = {}): Promise<DumpCounts> {
    return loadStore(this.core, parts, options.onProgress)
  }

  // ---- applied revisions and break-glass grants ----

  async appliedState(options: { withDirectory?: boolean } = {}): Promise<AppliedState | undefined> {
    return appliedState(this.core, undefined, options)
  }

  async appliedRevision(id: string, options: { withDirectory?: boolean } = {}): Promise<AppliedState | undefined> {
    return appliedState(this.core, id, options)
  }

  async listAppliedRevisions(): Promise<AppliedRevision[]> {
    return listAppliedRevisions(this.core)
  }

  recordApply(recorded: ApplyRecord, guard: (view: ApplyGuardView) => ApplyCommit | void): Promise<AppliedRevision> {
    return recordApply(this.core, recorded, guard)
  }

  addBreakGlass(grant: Omit<BreakGlassRecord, 'id' | 'createdAt'>): Promise<BreakGlassRecord> {
    return addBreakGlass(this.core, grant)
  }

  async listBreakGlass(): Promise<BreakGlassRecord[]> {
    return listBreakGlass(this.core)
  }

  revokeBreakGlass(id: string, actor: string): Promise<boolean> {
    return revokeBreakGlass(this.core, id, actor)
  }

  // ---- admin tokens and the check API's reads ----

  createAdminToken(scopes: readonly AdminScope[], name?: string, actor?: string): Promise<{ token: string; info: AdminTokenInfo }> {
    return createAdminToken(this.core, scopes, name, actor)
  }

  async listAdminTokens(): Promise<AdminTokenInfo[]> {
    return listAdminTokens(this.core)
  }

  revokeAdminToken(id: string, actor?: string): Promise<boolean> {
    return revokeAdminToken(this.core, id, actor)
  }

  async authenticateAdmin(token: string): Promise<{ id: string; scopes: AdminScope[] } | undefined> {
    return authenticateAdmin(this.core, token)
  }

  // ---- holds ----

  async listHolds(options: { status?: readonly HoldStatus[] } = {}): Promise<Hold[]> {
    return listHolds(this.core, options.status)
  }

  async holdsOfRecords(userIds: readonly string[]): Promise<Hold[]> {
    return holdsOfRecords(this.core, userIds)
  }

  rejectHold(id: string, actor: string, reason?: string): Promise<Hold | undefined> {
    return rejectHold(this.core, id, actor, reason)
  }

  async directoryOfUser(userName: string): Promise<LiveSnapshot> {
    return this.core.directoryOfUser(userName)
  }

  async appliedRevisionId(): Promise<string | null> {
    return appliedRevisionId(this.core)
  }

  close(): Promise<void> {
    return this.core.close()
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.core.closed
  }
}

/** Opens (creating and migrating if needed) the SQLite store at `path`; `:memory:` for tests. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  const store = new SqliteStore(path, options)
  // The driver refuses a closed connection with a TypeError; the contract says the store is closed (503), as PostgreSQL's does.
  return withErrorBoundary(store, (error) => (store.closed && !(error instanceof StoreError) ? new StoreError('store is closed', { cause: error }) : sqliteStoreError(path, error)))
}
