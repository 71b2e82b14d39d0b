// The better-sqlite3 Store: one write connection with group commit, one read connection (WAL snapshots).
import { randomUUID } from 'node:crypto'
import { userNameLookup, type Filter, type ResourceQuery, type RootSearch } from '../query.js'
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
import { currentAppliedId, insertAppliedRevision, insertBreakGlass, listAppliedRevisions, listBreakGlass, markBreakGlassRevoked, readAppliedState } from './applied.js'
import { exportAuditEntries } from './audit.js'
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
import { compileFilter, compileSort, type ResourceTable, type SqlParam } from './filter-sql.js'
import { newResourceId } from '../ids.js'
import { userFields } from '../fields.js'
import { readLiveSnapshot } from './snapshot.js'
import { createGroup, deleteGroup, getGroup, modifyGroup, replaceGroup, toGroup, writeGroupDoc } from './groups.js'
import { createUser, deleteUser, getUser, modifyUser, toUser, userNameKeys, userVersion } from './users.js'
import type { ResourceRow } from './resource-rows.js'
import { rootSearchSql } from './root-search.js'

export type { SqliteStoreOptions } from './core.js'

/** A filter that names one resource by a unique key of its table. */
function isUniqueLookup(table: ResourceTable, filter: Filter): boolean {
  if (filter.kind !== 'compare' || filter.op !== 'eq' || filter.attr.extension !== undefined || filter.attr.sub !== undefined) return false
  return filter.attr.name === 'id' || (filter.attr.name === (table === 'users' ? 'userName' : 'displayName') && typeof filter.value === 'string')
}

/** SQLite's JSON functions refusing a stored document (too deep for them, or not JSON). */
function isRefusedJson(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'SQLITE_ERROR' && error instanceof Error && /malformed JSON/i.test(error.message)
}

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
    const key = userNameLookup(query, withGroups)
    if (key !== undefined) {
      // Okta asks `userName eq "…"` before every create and update: one unique-index lookup (what compileFilter
      // would build, without building it).
      const row = this.core.stmt(this.core.reader, 'SELECT rid, id, connection, doc, created, last_modified, version FROM users WHERE connection = ? AND user_name_key = ?').get(connection, key) as
        | ResourceRow
        | undefined
      return Promise.resolve(row === undefined ? { total: 0, items: [] } : { total: 1, items: [toUser(this.core, row, false)] })
    }
    return Promise.resolve(this.list('users', connection, query, (row) => toUser(this.core, row, withGroups)))
  }

  private list<T>(table: ResourceTable, connection: string, query: ResourceQuery, map: (row: ResourceRow) => T): ListResult<T> {
    try {
      return this.listPage(table, connection, query, map, false)
    } catch (error) {
      // SQLite's JSON functions refuse a document nested past 1000 levels and fail the whole statement. SCIM bodies
      // are bounded now, but one stored before must not break every filtered or sorted list of its connection: ask
      // again with such documents matching no filter and sorting last. Only then, so that plans stay as they are.
      if (!isRefusedJson(error)) throw error
      return this.listPage(table, connection, query, map, true)
    }
  }

  private listPage<T>(table: ResourceTable, connection: string, query: ResourceQuery, map: (row: ResourceRow) => T, isGuarded: boolean): ListResult<T> {
    const guard = (sql: string) => (isGuarded ? `CASE WHEN json_valid(r.doc) THEN (${sql}) END` : sql)
    let where = 'r.connection = ?'
    const params: SqlParam[] = [connection]
    if (query.filter !== undefined) {
      const compiled = compileFilter(table, query.filter)
      where += ` AND (${guard(compiled.sql)})`
      params.push(...compiled.params)
    }
    const countTotal = () => (this.core.stmt(this.core.reader, `SELECT count(*) AS n FROM ${table} r WHERE ${where}`).get(...params) as { n: number }).n
    if (query.count <= 0) return { total: countTotal(), items: [] }
    if (query.sort === undefined && query.filter !== undefined && isUniqueLookup(table, query.filter)) {
      // At most one row (`userName eq`, `id eq`): no ORDER BY, LIMIT or count to pay for.
      const rows = this.core.stmt(this.core.reader, `SELECT r.rid, r.id, r.connection, r.doc, r.created, r.last_modified, r.version FROM ${table} r WHERE ${where}`).all(
        ...params,
      ) as ResourceRow[]
      return { total: rows.length, items: query.startIndex === 1 ? rows.map(map) : [] }
    }
    let order = 'r.rid'
    const orderParams: SqlParam[] = []
    if (query.sort !== undefined) {
      const sort = compileSort(table, query.sort.attr)
      order = `${guard(sort.sql)} ${query.sort.descending ? 'DESC' : 'ASC'} NULLS LAST, r.rid`
      orderParams.push(...sort.params)
    }
    const rows = this.core.stmt(
      this.core.reader,
      `SELECT r.rid, r.id, r.connection, r.doc, r.created, r.last_modified, r.version FROM ${table} r WHERE ${where} ORDER BY ${order} LIMIT ? OFFSET ?`,
    ).all(...params, ...orderParams, query.count, Math.max(0, query.startIndex - 1)) as ResourceRow[]
    // A first page that is not full is the whole result: no second query (Okta's `userName eq` lookups).
    const total = query.startIndex === 1 && rows.length < query.count ? rows.length : countTotal()
    return { total, items: rows.map(map) }
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
    return Promise.resolve(this.list('groups', connection, query, (row) => toGroup(this.core, this.core.reader, row, withMembers)))
  }

  searchResources(connection: string, search: RootSearch, options: { withGroups: boolean; withMembers: boolean }): Promise<ListResult<SearchHit>> {
    const run = (isGuarded: boolean): ListResult<SearchHit> => {
      const statements = rootSearchSql(connection, search, (sql) => (isGuarded ? `CASE WHEN json_valid(r.doc) THEN (${sql}) END` : sql))
      if (statements === undefined) return { total: 0, items: [] }
      const countTotal = () => (this.core.stmt(this.core.reader, statements.count.sql).get(...statements.count.params) as { n: number }).n
      if (search.count <= 0) return { total: countTotal(), items: [] }
      const page = this.core.stmt(this.core.reader, statements.page.sql).all(...statements.page.params) as { type_order: number; rid: number }[]
      // The page's rows, read by rid in one statement per table (one shape whatever the page's size).
      const rowsOf = (table: ResourceTable, order: number) => {
        const rids = page.filter((entry) => entry.type_order === order).map((entry) => entry.rid)
        if (rids.length === 0) return new Map<number, ResourceRow>()
        const rows = this.core.stmt(this.core.reader, `SELECT rid, id, connection, doc, created, last_modified, version FROM ${table} WHERE rid IN (SELECT value FROM json_each(?))`).all(
          JSON.stringify(rids),
        ) as ResourceRow[]
        return new Map(rows.map((row) => [row.rid, row]))
      }
      const users = rowsOf('users', 0)
      const groups = rowsOf('groups', 1)
      const items = page.flatMap((entry): SearchHit[] => {
        const row = (entry.type_order === 0 ? users : groups).get(entry.rid)
        if (row === undefined) return []
        return [entry.type_order === 0 ? { resourceType: 'User', user: toUser(this.core, row, options.withGroups) } : { resourceType: 'Group', group: toGroup(this.core, this.core.reader, row, options.withMembers) }]
      })
      // A first page that is not full is the whole result.
      return { total: search.startIndex === 1 && page.length < search.count ? page.length : countTotal(), items }
    }
    // One read transaction: the page, its rows and the count see one state of the store.
    const read = (isGuarded: boolean) => this.core.reader.transaction(() => run(isGuarded))()
    try {
      return Promise.resolve(read(false))
    } catch (error) {
      // As list(): a document SQLite's JSON functions refuse matches no filter and sorts last, rather than failing all.
      if (!isRefusedJson(error)) return Promise.reject(error)
      return Promise.resolve(read(true))
    }
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
    return readAppliedState(this.core.reader, undefined, options.withDirectory === true)
  }

  async appliedRevision(id: string, options: { withDirectory?: boolean } = {}): Promise<AppliedState | undefined> {
    return readAppliedState(this.core.reader, id, options.withDirectory === true)
  }

  async listAppliedRevisions(): Promise<AppliedRevision[]> {
    return listAppliedRevisions(this.core.reader)
  }

  recordApply(recorded: ApplyRecord, guard: (view: ApplyGuardView) => ApplyCommit | void): Promise<AppliedRevision> {
    return this.core.write(() => {
      const storeRevision = this.core.revisionOf(this.core.writer)
      const decided = guard({ appliedRevision: currentAppliedId(this.core.writer), storeRevision, directory: () => readLiveSnapshot(this.core.writer), breakGlass: () => listBreakGlass(this.core.writer) })
      const record: ApplyRecord = decided === undefined ? recorded : { ...recorded, ...decided }
      this.core.bumpRevision()
      const revision = insertAppliedRevision(this.core.writer, record, this.core.now(), storeRevision + 1)
      this.core.accessChanges.touchAll()
      const { basis } = record
      const detail: JsonObject = { revision: revision.id, commit: record.commit, author: record.author, approvedBy: record.approvedBy, planDigest: record.planDigest, summary: record.summary, ...(basis === undefined ? {} : { basis: { ...basis } }) }
      this.core.audit.append(this.core.now(), { actor: record.actor, connection: null, action: 'apply', resourceType: null, resourceId: revision.id, beforeDigest: null, afterDigest: record.desiredDigest, detail })
      return revision
    })
  }

  addBreakGlass(grant: Omit<BreakGlassRecord, 'id' | 'createdAt'>): Promise<BreakGlassRecord> {
    return this.core.write(() => {
      const record: BreakGlassRecord = { ...grant, id: `bg_${randomUUID()}`, createdAt: this.core.now() }
      insertBreakGlass(this.core.writer, record)
      this.core.accessChanges.touchUsers([], [record.user])
      const detail: JsonObject = { user: record.user, actions: record.actions, resource: record.resource, env: record.env ?? null, reason: record.reason, expires: record.expires }
      this.core.record({ actor: grant.createdBy, connection: null, action: 'break-glass.create', resourceType: 'BreakGlass', resourceId: record.id, beforeDigest: null, afterDigest: null, detail })
      return record
    })
  }

  async listBreakGlass(): Promise<BreakGlassRecord[]> {
    return listBreakGlass(this.core.reader)
  }

  revokeBreakGlass(id: string, actor: string): Promise<boolean> {
    return this.core.write(() => {
      const revoked = markBreakGlassRevoked(this.core.writer, id, this.core.now())
      if (revoked) this.core.accessChanges.touchAll()
      if (revoked) this.core.record({ actor, connection: null, action: 'break-glass.revoke', resourceType: 'BreakGlass', resourceId: id, beforeDigest: null, afterDigest: null, detail: null })
      return revoked
    })
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
    return currentAppliedId(this.core.reader)
  }

  close(): Promise<void> {
    return this.core.close()
  }
}

/** Opens (creating and migrating if needed) the SQLite store at `path`; `:memory:` for tests. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  return withErrorBoundary(new SqliteStore(path, options), (error) => sqliteStoreError(path, error))
}
