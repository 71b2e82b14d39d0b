// The PostgreSQL Store: a pool of connections; every write one transaction serialised on the store's head row.
import { randomUUID } from 'node:crypto'
import { StoreError } from '../../errors.js'
import type { AppliedRevision, AppliedState, ApplyCommit, ApplyGuardView, ApplyRecord, BreakGlassRecord } from '../applied.js'
import { digest, digestOfStored, type AuditRecord } from '../audit-chain.js'
import { withErrorBoundary } from '../error-boundary.js'
import { memberDetail } from '../fields.js'
import { newResourceId } from '../ids.js'
import type { ResourceQuery, RootSearch } from '../query.js'
import type {
  AccessChange,
  AdminScope,
  AdminTokenInfo,
  AuditEntry,
  AuditVerification,
  GroupChange,
  JsonObject,
  ListResult,
  LiveSnapshot,
  MemberRef,
  SearchHit,
  Store,
  StoredGroup,
  StoredUser,
  TokenInfo,
  WriteOptions,
} from '../store.js'
import { readLiveSnapshot, readUserDirectory, userNameKeys } from './access.js'
import { exportAuditEntries, verifyAuditChain } from './audit.js'
import { connect, displayOf, type PoolOptions, type Sql, type SqlParam } from './connect.js'
import * as credentials from './credentials.js'
import { applyMemberOps, checkVersion, conflictOn, insertGroup, insertUser, updateGroup, updateUser, userColumns } from './directory-writes.js'
import { postgresStoreError } from './errors.js'
import * as ledger from './ledger.js'
import { listResources, searchResources } from './lists.js'
import { migrate, requireSchema, schemaVersion } from './migrations.js'
import { groupsColumn, membersColumn, resourceColumns, toGroup, toResource, toUser, type ResourceRow } from './rows.js'
import { runWrite, type WriteTx } from './transaction.js'

export type PostgresStoreOptions = PoolOptions & {
  /** Clock for timestamps; tests pass a fixed one. */
  clock?: () => Date
  /** What messages show of the location (default: the URL without its password). */
  display?: string
  /** For commands that only read: no migrations, a database without rolecall's schema refused, every write refused. */
  readonly?: boolean
}

/** Whose access a committed write may have changed (see AccessChange). */
type Touched = { all?: boolean; userIds?: readonly string[]; userNames?: readonly string[] }

const userById = `SELECT ${resourceColumns} FROM users r WHERE r.id = $1 AND r.connection = $2`
const groupById = `SELECT ${resourceColumns} FROM groups r WHERE r.id = $1 AND r.connection = $2`

/** Thrown by the member loader a group change may call: the change runs again once the members are read. */
class MembersNeeded extends Error {}

/** Thrown by the apply guard's readers for what is not read yet: the guard runs again once it is. */
class ReadNeeded extends Error {
  constructor(readonly what: 'directory' | 'breakGlass') {
    super(`${what} is read first`)
  }
}

function needed(what: 'directory' | 'breakGlass'): never {
  throw new ReadNeeded(what)
}

export class PostgresStore implements Store {
  private readonly clock: () => Date
  private readonly listeners = new Set<(change: AccessChange) => void>()
  /** Connections known to be committed (connections are never deleted): a create needs no insert for them. */
  private readonly knownConnections = new Set<string>()
  private isClosed = false
  /** Settles once the last write started holds the head lock (or gave up): the next one asks after it. */
  private lastTurn: Promise<void> = Promise.resolve()

  constructor(
    private readonly sql: Sql,
    readonly display: string,
    options: PostgresStoreOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date())
  }

  private now = (): string => this.clock().toISOString()

  private async read<T extends object>(text: string, params: SqlParam[]): Promise<T[]> {
    if (this.isClosed) throw new StoreError('store is closed')
    return (await this.sql.unsafe(text, params as never[], { prepare: true })) as unknown as T[]
  }

  /** Runs a write; after it commits, listeners hear whose access it may have changed. */
  private async write<T>(work: (tx: WriteTx, first: Record<string, unknown>[]) => Promise<{ value: T; touched?: Touched }>, first?: { text: string; params: SqlParam[] }): Promise<T> {
    if (this.isClosed) throw new StoreError('store is closed')
    let locked = () => {}
    const turn = { before: this.lastTurn, locked: () => locked() }
    this.lastTurn = new Promise<void>((resolve) => {
      locked = resolve
    })
    const { value, tx } = await runWrite(this.sql, this.now, work, first, turn)
    const touched = value.touched
    if (this.listeners.size > 0 && (touched !== undefined || tx.revision !== tx.head.revision)) {
      const change: AccessChange = {
        from: tx.head.revision,
        revision: tx.revision,
        all: touched?.all === true,
        userIds: [...new Set(touched?.userIds ?? [])],
        userNames: [...new Set((touched?.userNames ?? []).map((name) => name.toLowerCase()))],
      }
      for (const listener of this.listeners) listener(change)
    }
    return value.value
  }

  /** Creates the connection within `tx` unless it is known; audited as the SQLite store audits it. */
  private async ensureConnectionIn(tx: WriteTx, name: string): Promise<void> {
    if (this.knownConnections.has(name)) return
    const inserted = await tx.query('INSERT INTO connections (name, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING name', [name, tx.now])
    if (inserted.length > 0) {
      tx.audit({ actor: 'cli', connection: name, action: 'connection.create', resourceType: null, resourceId: null, beforeDigest: null, afterDigest: null, detail: null }, false)
    }
  }

  /** Remembers connections once the write that created or saw them committed. */
  private remember(connection: string): void {
    this.knownConnections.add(connection)
  }

  // ---- connections and tokens ----

  async ensureConnection(name: string): Promise<void> {
    await this.write(async (tx) => ({ value: await this.ensureConnectionIn(tx, name) }))
    this.remember(name)
  }

  async listConnections(): Promise<string[]> {
    return (await this.read<{ name: string }>('SELECT name FROM connections ORDER BY name', [])).map((row) => row.name)
  }

  async createToken(connection: string): Promise<{ token: string; info: TokenInfo }> {
    const created = await this.write(async (tx) => {
      await this.ensureConnectionIn(tx, connection)
      const made = credentials.insertToken(tx, connection)
      tx.audit({ actor: 'cli', connection, action: 'token.create', resourceType: 'Token', resourceId: made.info.id, beforeDigest: null, afterDigest: null, detail: null }, false)
      return { value: made }
    })
    this.remember(connection)
    return created
  }

  listTokens(): Promise<TokenInfo[]> {
    return credentials.listTokens(this.sql)
  }

  revokeToken(id: string): Promise<boolean> {
    return this.write(async (tx) => {
      const connection = await credentials.revokeToken(tx, id)
      if (connection === undefined) return { value: false }
      tx.audit({ actor: 'cli', connection, action: 'token.revoke', resourceType: 'Token', resourceId: id, beforeDigest: null, afterDigest: null, detail: null }, false)
      return { value: true }
    })
  }

  authenticate(token: string): Promise<string | undefined> {
    return credentials.authenticate(this.sql, token)
  }

  createAdminToken(scopes: readonly AdminScope[], name?: string): Promise<{ token: string; info: AdminTokenInfo }> {
    return this.write(async (tx) => {
      const created = credentials.insertAdminToken(tx, scopes, name)
      tx.audit({ actor: 'cli', connection: null, action: 'admin-token.create', resourceType: 'AdminToken', resourceId: created.info.id, beforeDigest: null, afterDigest: null, detail: { scopes: created.info.scopes } }, false)
      return { value: created }
    })
  }

  listAdminTokens(): Promise<AdminTokenInfo[]> {
    return credentials.listAdminTokens(this.sql)
  }

  revokeAdminToken(id: string): Promise<boolean> {
    return this.write(async (tx) => {
      const revoked = await credentials.revokeAdminToken(tx, id)
      if (revoked) tx.audit({ actor: 'cli', connection: null, action: 'admin-token.revoke', resourceType: 'AdminToken', resourceId: id, beforeDigest: null, afterDigest: null, detail: null }, false)
      return { value: revoked }
    })
  }

  authenticateAdmin(token: string): Promise<{ id: string; scopes: AdminScope[] } | undefined> {
    return credentials.authenticateAdmin(this.sql, token)
  }

  // ---- users ----

  async createUser(connection: string, doc: JsonObject, options: WriteOptions): Promise<StoredUser> {
    const fields = userColumns(doc)
    const user = await this.write(async (tx) => {
      await this.ensureConnectionIn(tx, connection)
      const id = newResourceId()
      tx.defer(
        insertUser,
        [id, connection, fields.userName, fields.userNameKey, fields.externalId, fields.isActive, fields.displayName, JSON.stringify(doc), tx.now],
        conflictOn(`userName "${fields.userName}"`, connection),
      )
      tx.audit({ actor: options.actor, connection, action: 'user.create', resourceType: 'User', resourceId: id, beforeDigest: null, afterDigest: digest(doc), detail: null })
      return { value: { id, connection, doc, created: tx.now, lastModified: tx.now, version: 1 }, touched: { userIds: [id], userNames: [fields.userName] } }
    })
    this.remember(connection)
    return user
  }

  async getUser(connection: string, id: string, withGroups: boolean): Promise<StoredUser | undefined> {
    const [row] = await this.read<ResourceRow>(withGroups ? `SELECT ${resourceColumns}, ${groupsColumn} FROM users r WHERE r.id = $1 AND r.connection = $2` : userById, [id, connection])
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
    return this.changeUser(connection, id, () => doc, options, 'user.replace')
  }

  modifyUser(connection: string, id: string, change: (current: StoredUser) => JsonObject, options: WriteOptions): Promise<StoredUser> {
    return this.changeUser(connection, id, change, options, 'user.modify')
  }

  /** Read-modify-write under the head lock: no other write runs between the read and the update. */
  private changeUser(connection: string, id: string, change: (current: StoredUser) => JsonObject, options: WriteOptions, action: string): Promise<StoredUser> {
    return this.write(
      async (tx, [found]) => {
        const row = checkVersion(found as ResourceRow | undefined, 'User', id, options)
        const current = toResource(row)
        const doc = change(current)
        const version = row.version + 1
        updateUser(tx, connection, row.rid, doc, version)
        tx.audit({ actor: options.actor, connection, action, resourceType: 'User', resourceId: id, beforeDigest: digest(current.doc), afterDigest: digest(doc), detail: null })
        const names = [userColumns(current.doc).userName, userColumns(doc).userName]
        return { value: { ...current, doc, version, lastModified: tx.now }, touched: { userIds: [id], userNames: names } }
      },
      { text: userById, params: [id, connection] },
    )
  }

  deleteUser(connection: string, id: string, options: WriteOptions): Promise<void> {
    return this.write(
      async (tx, [found]) => {
        const row = checkVersion(found as ResourceRow | undefined, 'User', id, options)
        const doc = JSON.parse(row.doc) as JsonObject
        // ON DELETE CASCADE removes the user's memberships.
        tx.defer('DELETE FROM users WHERE rid = $1', [row.rid])
        tx.audit({ actor: options.actor, connection, action: 'user.delete', resourceType: 'User', resourceId: id, beforeDigest: digest(doc), afterDigest: null, detail: null })
        return { value: undefined, touched: { userIds: [id], userNames: [userColumns(doc).userName] } }
      },
      { text: userById, params: [id, connection] },
    )
  }

  // ---- groups ----

  private async groupWithMembers(tx: WriteTx, connection: string, id: string): Promise<StoredGroup> {
    const [row] = await tx.query<ResourceRow>(`SELECT ${resourceColumns}, ${membersColumn} FROM groups r WHERE r.id = $1 AND r.connection = $2`, [id, connection])
    if (row === undefined) throw new StoreError(`group ${id} vanished`)
    return toGroup(row, true)
  }

  private groupRecord(options: WriteOptions, connection: string, action: string, id: string, beforeDigest: string | null, afterDigest: string | null, detail: JsonObject | null): AuditRecord {
    return { actor: options.actor, connection, action, resourceType: 'Group', resourceId: id, beforeDigest, afterDigest, detail }
  }

  async createGroup(connection: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<StoredGroup> {
    const group = await this.write(async (tx) => {
      await this.ensureConnectionIn(tx, connection)
      const id = newResourceId()
      const rid = await insertGroup(tx, connection, id, doc)
      const summary = await applyMemberOps(tx, connection, rid, [{ op: 'add', ids: memberIds }])
      tx.audit(this.groupRecord(options, connection, 'group.create', id, null, digest(doc), memberDetail(summary)))
      return { value: await this.groupWithMembers(tx, connection, id), touched: { userIds: summary.added } }
    })
    this.remember(connection)
    return group
  }

  async getGroup(connection: string, id: string, withMembers: boolean): Promise<StoredGroup | undefined> {
    const [row] = await this.read<ResourceRow>(withMembers ? `SELECT ${resourceColumns}, ${membersColumn} FROM groups r WHERE r.id = $1 AND r.connection = $2` : groupById, [id, connection])
    return row === undefined ? undefined : toGroup(row, withMembers)
  }

  listGroups(connection: string, query: ResourceQuery, withMembers: boolean): Promise<ListResult<StoredGroup>> {
    return listResources(this.sql, 'groups', connection, query, withMembers, (row) => toGroup(row, withMembers))
  }

  replaceGroup(connection: string, id: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<StoredGroup> {
    return this.write(
      async (tx, [found]) => {
        const row = checkVersion(found as ResourceRow | undefined, 'Group', id, options)
        const before = JSON.parse(row.doc) as JsonObject
        updateGroup(tx, connection, row.rid, doc, row.version + 1)
        // The new document goes first: its displayName must be free before the members are written.
        await tx.flush()
        const summary = await applyMemberOps(tx, connection, row.rid, [{ op: 'clear' }, { op: 'add', ids: memberIds }])
        tx.audit(this.groupRecord(options, connection, 'group.replace', id, digest(before), digest(doc), memberDetail(summary)))
        return { value: await this.groupWithMembers(tx, connection, id), touched: { all: true } }
      },
      { text: groupById, params: [id, connection] },
    )
  }

  modifyGroup(connection: string, id: string, change: (current: StoredGroup, loadMembers: () => MemberRef[]) => GroupChange, options: WriteOptions): Promise<StoredGroup> {
    return this.write(
      async (tx, [found]) => {
        const row = checkVersion(found as ResourceRow | undefined, 'Group', id, options)
        const current = toResource(row)
        let members: MemberRef[] | undefined
        let result: GroupChange
        try {
          result = change(current, () => {
            if (members === undefined) throw new MembersNeeded()
            return members
          })
        } catch (error) {
          if (!(error instanceof MembersNeeded)) throw error
          // Only filters on member attributes ask for them: read them, then compute the change again.
          members = (await this.groupWithMembers(tx, connection, id)).members ?? []
          result = change(current, () => members ?? [])
        }
        const version = row.version + 1
        const text = JSON.stringify(result.doc)
        const isDocChanged = text !== row.doc
        const summary = await applyMemberOps(tx, connection, row.rid, result.memberOps)
        if (isDocChanged) updateGroup(tx, connection, row.rid, result.doc, version, text)
        else tx.defer('UPDATE groups SET last_modified = $1, version = $2 WHERE rid = $3', [tx.now, version, row.rid])
        const beforeDigest = digestOfStored(row.doc, current.doc)
        const afterDigest = isDocChanged ? digestOfStored(text, result.doc) : beforeDigest
        tx.audit(this.groupRecord(options, connection, 'group.modify', id, beforeDigest, afterDigest, memberDetail(summary)))
        // A renamed group changes what every member holds; a members-only PATCH, only the members it names.
        const touched: Touched = isDocChanged || summary.cleared ? { all: true } : { userIds: [...summary.added, ...summary.removed] }
        return { value: { ...current, doc: result.doc, version, lastModified: tx.now }, touched }
      },
      { text: groupById, params: [id, connection] },
    )
  }

  deleteGroup(connection: string, id: string, options: WriteOptions): Promise<void> {
    return this.write(
      async (tx, [found]) => {
        const row = checkVersion(found as ResourceRow | undefined, 'Group', id, options)
        tx.defer('DELETE FROM groups WHERE rid = $1', [row.rid])
        tx.isGroupFieldsChanged = true
        tx.audit(this.groupRecord(options, connection, 'group.delete', id, digest(JSON.parse(row.doc) as JsonObject), null, null))
        return { value: undefined, touched: { all: true } }
      },
      { text: groupById, params: [id, connection] },
    )
  }

  searchResources(connection: string, search: RootSearch, options: { withGroups: boolean; withMembers: boolean }): Promise<ListResult<SearchHit>> {
    return searchResources(this.sql, connection, search, options)
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

  exportAudit(sink: (entry: AuditEntry) => void): Promise<number> {
    return this.sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', (tx) => exportAuditEntries(tx, sink)) as Promise<number>
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
    return this.write(async (tx) => {
      const storeRevision = tx.head.revision
      const appliedRevision = await ledger.currentAppliedId(tx.sql)
      // The guard is synchronous: what it asks for and has not been read yet is read (inside the transaction,
      // under the head lock, so nothing moves meanwhile), then the guard is asked again.
      let directory: LiveSnapshot | undefined
      let breakGlass: BreakGlassRecord[] | undefined
      let decided: ApplyCommit | void
      for (;;) {
        try {
          decided = guard({ appliedRevision, storeRevision, directory: () => directory ?? needed('directory'), breakGlass: () => breakGlass ?? needed('breakGlass') })
          break
        } catch (error) {
          if (!(error instanceof ReadNeeded)) throw error
          if (error.what === 'directory') directory = await readLiveSnapshot(tx.sql)
          else breakGlass = await ledger.listBreakGlass(tx.sql)
        }
      }
      const record: ApplyRecord = decided === undefined ? recorded : { ...recorded, ...decided }
      const revision = await ledger.insertAppliedRevision(tx, record, storeRevision + 1)
      const { basis } = record
      const detail: JsonObject = { revision: revision.id, commit: record.commit, author: record.author, approvedBy: record.approvedBy, planDigest: record.planDigest, summary: record.summary, ...(basis === undefined ? {} : { basis: { ...basis } }) }
      tx.audit({ actor: record.actor, connection: null, action: 'apply', resourceType: null, resourceId: revision.id, beforeDigest: null, afterDigest: record.desiredDigest, detail })
      return { value: revision, touched: { all: true } }
    })
  }

  addBreakGlass(grant: Omit<BreakGlassRecord, 'id' | 'createdAt'>): Promise<BreakGlassRecord> {
    return this.write(async (tx) => {
      const record: BreakGlassRecord = { ...grant, id: `bg_${randomUUID()}`, createdAt: tx.now }
      ledger.insertBreakGlass(tx, record)
      const detail: JsonObject = { user: record.user, actions: record.actions, resource: record.resource, env: record.env ?? null, reason: record.reason, expires: record.expires }
      tx.audit({ actor: grant.createdBy, connection: null, action: 'break-glass.create', resourceType: 'BreakGlass', resourceId: record.id, beforeDigest: null, afterDigest: null, detail })
      return { value: record, touched: { userNames: [record.user] } }
    })
  }

  listBreakGlass(): Promise<BreakGlassRecord[]> {
    return ledger.listBreakGlass(this.sql)
  }

  revokeBreakGlass(id: string, actor: string): Promise<boolean> {
    return this.write(async (tx) => {
      const revoked = await ledger.markBreakGlassRevoked(tx, id)
      if (!revoked) return { value: false }
      tx.audit({ actor, connection: null, action: 'break-glass.revoke', resourceType: 'BreakGlass', resourceId: id, beforeDigest: null, afterDigest: null, detail: null })
      return { value: true, touched: { all: true } }
    })
  }

  // ---- access reads ----

  directoryOfUser(userName: string): Promise<LiveSnapshot> {
    return readUserDirectory(this.sql, userName)
  }

  userNameKeys(): Promise<string[]> {
    return userNameKeys(this.sql)
  }

  onAccessChange(listener: (change: AccessChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async close(): Promise<void> {
    if (this.isClosed) return
    this.isClosed = true
    await this.sql.end({ timeout: 5 })
  }
}

/**
 * Opens the store in the database at `url`: connects, migrates under an advisory lock (replicas starting together
 * migrate once) and refuses a database that is not a rolecall store or whose schema is newer than this build.
 */
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
  return withErrorBoundary(new PostgresStore(sql, display, options), mapError)
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
