// The better-sqlite3 Store: one write connection with group commit, one read connection (WAL snapshots).
import type { ResourceQuery, RootSearch } from '../query.js'
import {
  type AuditEntry,
  type AuditVerification,
  type GroupChange,
  type JsonObject,
  type ListResult,
  type LiveSnapshot,
  type MemberRef,
  type Store,
  type StoredGroup,
  type StoredUser,
  type TokenInfo,
  type WriteOptions,
  type AdminScope,
  type AdminTokenInfo,
  type AccessChange,
  type SearchHit,
} from '../store.js'
import type { AppliedRevision, AppliedState, ApplyCommit, ApplyGuardView, ApplyRecord, BreakGlassRecord } from '../applied.js'
import { appliedRevisionId, appliedState, listAppliedRevisions, recordApply } from './applied-ledger.js'
import { exportAuditEntries } from './audit.js'
import { addBreakGlass, listBreakGlass, revokeBreakGlass } from './break-glass.js'
import { verifyAuditChain } from './audit-verify.js'
import { SqliteCore, type SqliteStoreOptions } from './core.js'
import {
  authenticate,
  authenticateAdmin,
  createAdminToken,
  createToken,
  ensureConnection,
  listAdminTokens,
  listConnections,
  listTokens,
  revokeAdminToken,
  revokeToken,
} from './credentials.js'
import { withErrorBoundary } from '../error-boundary.js'
import { sqliteStoreError } from './errors.js'
import { newResourceId } from '../ids.js'
import { userFields } from '../fields.js'
import { readLiveSnapshot } from './snapshot.js'
import { createGroup, deleteGroup, getGroup, modifyGroup, replaceGroup, writeGroupDoc } from './groups.js'
import { listGroups, listUsers, searchResources } from './listing.js'
import { createUser, deleteUser, getUser, modifyUser, userNameKeys, userVersion } from './users.js'

export type { SqliteStoreOptions } from './core.js'

export class SqliteStore implements Store {
  private readonly core: SqliteCore

  constructor(readonly path: string, options: SqliteStoreOptions = {}) {
    this.core = new SqliteCore(path, options)
  }

  // ---- connections and tokens ----

  ensureConnection(name: string): Promise<void> {
    return ensureConnection(this.core, name)
  }

  async listConnections(): Promise<string[]> {
    return listConnections(this.core)
  }

  createToken(connection: string): Promise<{ token: string; info: TokenInfo }> {
    return createToken(this.core, connection)
  }

  async listTokens(): Promise<TokenInfo[]> {
    return listTokens(this.core)
  }

  revokeToken(id: string): Promise<boolean> {
    return revokeToken(this.core, id)
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

  modifyUser(
    connection: string,
    id: string,
    change: (current: StoredUser) => JsonObject,
    options: WriteOptions,
    action = 'user.modify',
  ): Promise<StoredUser> {
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

  replaceGroup(connection: string, id: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<StoredGroup> {
    return replaceGroup(this.core, connection, id, doc, memberIds, options)
  }

  modifyGroup(
    connection: string,
    id: string,
    change: (current: StoredGroup, loadMembers: () => MemberRef[]) => GroupChange,
    options: WriteOptions,
  ): Promise<StoredGroup> {
    return modifyGroup(this.core, connection, id, change, options)
  }

  deleteGroup(connection: string, id: string, options: WriteOptions): Promise<void> {
    return deleteGroup(this.core, connection, id, options)
  }

  // ---- revision, snapshot, audit ----

  async revision(): Promise<number> {
    return this.core.revisionOf(this.core.reader)
  }

  onAccessChange(listener: (change: AccessChange) => void): () => void {
    return this.core.accessChanges.listen(listener)
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

  async exportAudit(sink: (entry: AuditEntry) => void): Promise<number> {
    return exportAuditEntries(this.core.reader, sink)
  }

  /** Loads users, groups and memberships in one transaction with a single audit entry (benchmarks, imports). */
  bulkLoad(
    connection: string,
    users: JsonObject[],
    groups: { doc: JsonObject; memberIndexes: number[] }[],
  ): { userIds: string[]; groupIds: string[] } {
    return this.core.writeUnbatched(() => {
      this.core.ensureConnectionSync(connection)
      const now = this.core.now()
      const insertUser = this.core.writer.prepare(
        `INSERT INTO users (id, connection, user_name, user_name_key, external_id, active, display_name, doc, created, last_modified, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
      )
      const userIds: string[] = []
      const userRids: number[] = []
      for (const doc of users) {
        const fields = userFields(doc)
        const id = newResourceId()
        userIds.push(id)
        userRids.push(
          Number(insertUser.run(id, connection, fields.userName, fields.userNameKey, fields.externalId, fields.active, fields.displayName, JSON.stringify(doc), now, now).lastInsertRowid),
        )
      }
      const insertMember = this.core.writer.prepare('INSERT OR IGNORE INTO memberships (group_rid, user_rid) VALUES (?, ?)')
      const groupIds: string[] = []
      for (const group of groups) {
        const id = newResourceId()
        groupIds.push(id)
        const rid = writeGroupDoc(this.core, connection, 0, group.doc, 1, true, id)
        for (const index of group.memberIndexes) {
          const user = userRids[index]
          if (user !== undefined) insertMember.run(rid, user)
        }
      }
      this.core.accessChanges.touchAll()
      this.core.record({ actor: 'cli', connection, action: 'bulk.load', resourceType: null, resourceId: null, beforeDigest: null, afterDigest: null, detail: { users: users.length, groups: groups.length } })
      return { userIds, groupIds }
    })
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

  createAdminToken(scopes: readonly AdminScope[], name?: string): Promise<{ token: string; info: AdminTokenInfo }> {
    return createAdminToken(this.core, scopes, name)
  }

  async listAdminTokens(): Promise<AdminTokenInfo[]> {
    return listAdminTokens(this.core)
  }

  revokeAdminToken(id: string): Promise<boolean> {
    return revokeAdminToken(this.core, id)
  }

  async authenticateAdmin(token: string): Promise<{ id: string; scopes: AdminScope[] } | undefined> {
    return authenticateAdmin(this.core, token)
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
}

/** Opens (creating and migrating if needed) the SQLite store at `path`; `:memory:` for tests. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  return withErrorBoundary(new SqliteStore(path, options), (error) => sqliteStoreError(path, error))
}
