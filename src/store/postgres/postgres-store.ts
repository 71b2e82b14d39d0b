// The PostgreSQL Store: a pool per store object; every write one transaction serialised on the audit head, so that
// any number of replicas on one database behave as one store.
import { randomUUID } from 'node:crypto'
import { StoreError } from '../../errors.js'
import { revisionsWithDirectory, type AppliedRevision, type AppliedState, type ApplyCommit, type ApplyGuardView, type ApplyRecord, type BreakGlassRecord } from '../applied.js'
import { digest, digestOfStored, type AuditRow } from '../audit-chain.js'
import { auditVerdict, walkAuditRows } from '../audit-verdict.js'
import { withErrorBoundary } from '../error-boundary.js'
import { groupFields, memberDetail, userFields } from '../fields.js'
import { newResourceId } from '../ids.js'
import { userNameLookup, type Filter, type ResourceQuery, type RootSearch } from '../query.js'
import {
  WriteRejectedError,
  type AccessChange,
  type AdminScope,
  type AdminTokenInfo,
  type AuditEntry,
  type AuditVerification,
  type GroupChange,
  type JsonObject,
  type ListResult,
  type LiveSnapshot,
  type MemberOp,
  type MemberRef,
  type SearchHit,
  type Store,
  type StoredGroup,
  type StoredUser,
  type TokenInfo,
  type WriteOptions,
} from '../store.js'
import { adminTokenPrefix, hashToken, newAdminToken, newToken, newTokenId, sameHash, tokenHint } from '../tokens.js'
import { fromRow } from '../audit-chain.js'
import { connectPool, type PostgresPoolOptions, type Sql, type TransactionSql } from './connect.js'
import { inWriteTransaction, type WriteScope } from './core.js'
import { postgresStoreError, uniqueViolation } from './errors.js'
import { PgCompiler, type ResourceTable, type SqlParam } from './filter-sql.js'
import { migrate, requireSchema } from './migrations.js'
import type { Directory } from '../../engine/types.js'

export type PostgresStoreOptions = PostgresPoolOptions & {
  /** Clock for timestamps; tests pass a fixed one. */
  clock?: () => Date
  /** What messages show of the location: the URL without its password. */
  display?: string
  /** For commands that only read: no migrations, and a database without rolecall's schema is refused. */
  readonly?: boolean
}

type Db = Sql | TransactionSql

type ResourceRow = { rid: number; id: string; connection: string; doc: JsonObject; created: string; last_modified: string; version: number }

const resourceColumns = 'rid, id, connection, doc, created, last_modified, version'

function toResource(row: ResourceRow) {
  return { id: row.id, connection: row.connection, doc: row.doc, created: row.created, lastModified: row.last_modified, version: row.version }
}

/** Thrown by a sync callback that needs what only an await can read; the caller reads it and calls again. */
class NeedsRead extends Error {}

function checkVersion(row: ResourceRow | undefined, kind: string, id: string, options: WriteOptions): ResourceRow {
  if (row === undefined) throw new WriteRejectedError('not-found', `${kind} ${id} not found`)
  if (options.ifVersion !== undefined && !options.ifVersion.includes(row.version)) throw new WriteRejectedError('precondition', `${kind} ${id} is at version ${row.version}`)
  return row
}

/** A filter that names one resource by a unique key of its table. */
function isUniqueLookup(table: ResourceTable, filter: Filter): boolean {
  if (filter.kind !== 'compare' || filter.op !== 'eq' || filter.attr.extension !== undefined || filter.attr.sub !== undefined) return false
  return filter.attr.name === 'id' || (filter.attr.name === (table === 'users' ? 'userName' : 'displayName') && typeof filter.value === 'string')
}

type RevisionRow = {
  number: number
  id: string
  applied_at: string
  store_revision: number
  git_commit: string | null
  author: string | null
  approved_by: string
  plan_digest: string
  desired_digest: string
  directory_digest: string
  summary: string
}
const revisionColumns = 'number, id, applied_at, store_revision, git_commit, author, approved_by, plan_digest, desired_digest, directory_digest, summary'

function toRevision(row: RevisionRow): AppliedRevision {
  return {
    id: row.id,
    number: row.number,
    appliedAt: row.applied_at,
    storeRevision: row.store_revision,
    commit: row.git_commit,
    author: row.author,
    approvedBy: JSON.parse(row.approved_by) as string[],
    planDigest: row.plan_digest,
    desiredDigest: row.desired_digest,
    directoryDigest: row.directory_digest,
    summary: JSON.parse(row.summary) as JsonObject,
  }
}

type BreakGlassRow = { id: string; user_name: string; actions: string; resource: string; env: string | null; reason: string; expires: string; created_at: string; created_by: string; revoked_at: string | null }

function toBreakGlass(row: BreakGlassRow): BreakGlassRecord {
  return {
    id: row.id,
    user: row.user_name,
    actions: JSON.parse(row.actions) as string[],
    resource: row.resource,
    ...(row.env === null ? {} : { env: JSON.parse(row.env) as string[] }),
    reason: row.reason,
    expires: row.expires,
    createdAt: row.created_at,
    createdBy: row.created_by,
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  }
}

type AdminRow = { id: string; hash: string; hint: string; name: string | null; scopes: string; created_at: string; revoked_at: string | null }

function toAdminInfo(row: AdminRow): AdminTokenInfo {
  return {
    id: row.id,
    hint: row.hint,
    ...(row.name === null ? {} : { name: row.name }),
    scopes: JSON.parse(row.scopes) as AdminScope[],
    createdAt: row.created_at,
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  }
}

export class PostgresStore implements Store {
  private readonly clockMs: () => number
  private readonly listeners = new Set<(change: AccessChange) => void>()
  /** Connections whose row is committed: connections are never deleted. */
  private readonly knownConnections = new Set<string>()
  private isClosed = false
  /** The last write this object started: writes run one after another, in the order they were started. */
  private lastWrite: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly sql: Sql,
    readonly display: string,
    options: PostgresStoreOptions = {},
  ) {
    const clock = options.clock
    this.clockMs = clock === undefined ? Date.now : () => clock().getTime()
  }

  private now(): string {
    return new Date(this.clockMs()).toISOString()
  }

  /**
   * One write transaction, after every write this object started before it: they hold the audit head's lock one at
   * a time anyway, so waiting here costs no throughput and keeps a client's writes in the order it sent them.
   */
  private write<T>(work: (scope: WriteScope) => Promise<T>): Promise<T> {
    if (this.isClosed) return Promise.reject(new StoreError('store is closed'))
    const run = this.lastWrite.then(() => this.writeNow(work))
    this.lastWrite = run.catch(() => undefined)
    return run
  }

  private async writeNow<T>(work: (scope: WriteScope) => Promise<T>): Promise<T> {
    const { result, scope } = await inWriteTransaction(this.sql, () => this.now(), work)
    for (const name of scope.connections) this.knownConnections.add(name)
    const change = scope.change()
    if (change !== undefined) for (const listener of this.listeners) listener(change)
    return result
  }

  private async ensureConnectionIn(scope: WriteScope, name: string): Promise<void> {
    if (this.knownConnections.has(name)) return
    const inserted = await scope.tx`INSERT INTO connections (name, created_at) VALUES (${name}, ${scope.now}) ON CONFLICT (name) DO NOTHING RETURNING name`
    scope.connections.add(name)
    if (inserted.length > 0) {
      await scope.record({ actor: 'cli', connection: name, action: 'connection.create', resourceType: null, resourceId: null, beforeDigest: null, afterDigest: null, detail: null }, false)
    }
  }

  // ---- connections and tokens ----

  ensureConnection(name: string): Promise<void> {
    return this.write((scope) => this.ensureConnectionIn(scope, name))
  }

  async listConnections(): Promise<string[]> {
    return (await this.sql<{ name: string }[]>`SELECT name FROM connections ORDER BY name COLLATE "C"`).map((row) => row.name)
  }

  createToken(connection: string): Promise<{ token: string; info: TokenInfo }> {
    return this.write(async (scope) => {
      await this.ensureConnectionIn(scope, connection)
      const token = newToken()
      const info: TokenInfo = { id: newTokenId(), connection, hint: tokenHint(token), createdAt: scope.now }
      await scope.tx`INSERT INTO tokens (id, connection, hash, hint, created_at) VALUES (${info.id}, ${connection}, ${hashToken(token)}, ${info.hint}, ${info.createdAt})`
      await scope.record({ actor: 'cli', connection, action: 'token.create', resourceType: 'Token', resourceId: info.id, beforeDigest: null, afterDigest: null, detail: null }, false)
      return { token, info }
    })
  }

  async listTokens(): Promise<TokenInfo[]> {
    const rows = await this.sql<{ id: string; connection: string; hint: string; created_at: string; revoked_at: string | null }[]>`SELECT id, connection, hint, created_at, revoked_at FROM tokens ORDER BY created_at COLLATE "C", id COLLATE "C"`
    return rows.map((row) => ({ id: row.id, connection: row.connection, hint: row.hint, createdAt: row.created_at, ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }) }))
  }

  revokeToken(id: string): Promise<boolean> {
    return this.write(async (scope) => {
      const [row] = await scope.tx<{ connection: string }[]>`UPDATE tokens SET revoked_at = ${scope.now} WHERE id = ${id} AND revoked_at IS NULL RETURNING connection`
      if (row === undefined) return false
      await scope.record({ actor: 'cli', connection: row.connection, action: 'token.revoke', resourceType: 'Token', resourceId: id, beforeDigest: null, afterDigest: null, detail: null }, false)
      return true
    })
  }

  async authenticate(token: string): Promise<string | undefined> {
    const hash = hashToken(token)
    const [row] = await this.sql<{ hash: string; connection: string; revoked_at: string | null }[]>`SELECT hash, connection, revoked_at FROM tokens WHERE hash = ${hash}`
    if (row === undefined || row.revoked_at !== null || !sameHash(row.hash, hash)) return undefined
    return row.connection
  }

  // ---- users ----

  async userVersion(connection: string, id: string): Promise<number | undefined> {
    const [row] = await this.sql<{ version: number }[]>`SELECT version FROM users WHERE id = ${id} AND connection = ${connection}`
    return row?.version
  }

  private async userRow(db: Db, connection: string, id: string, forUpdate = false): Promise<ResourceRow | undefined> {
    const rows = await db.unsafe<ResourceRow[]>(`SELECT ${resourceColumns} FROM users WHERE id = $1 AND connection = $2${forUpdate ? ' FOR UPDATE' : ''}`, [id, connection], { prepare: true })
    return rows[0]
  }

  private async groupsOf(db: Db, rid: number): Promise<MemberRef[]> {
    const rows = await db<{ id: string; display_name: string }[]>`SELECT g.id, g.display_name FROM memberships m JOIN groups g ON g.rid = m.group_rid WHERE m.user_rid = ${rid} ORDER BY g.display_name_key`
    return rows.map((row) => ({ value: row.id, display: row.display_name }))
  }

  private async toUser(db: Db, row: ResourceRow, withGroups: boolean): Promise<StoredUser> {
    return withGroups ? { ...toResource(row), groups: await this.groupsOf(db, row.rid) } : toResource(row)
  }

  private async writeUserDoc(scope: WriteScope, connection: string, rid: number, doc: JsonObject, version: number): Promise<void> {
    const fields = userFields(doc)
    try {
      await scope.tx`UPDATE users SET user_name = ${fields.userName}, user_name_key = ${fields.userNameKey}, external_id = ${fields.externalId}, active = ${fields.active === 1},
        display_name = ${fields.displayName}, doc = ${JSON.stringify(doc)}::json, last_modified = ${scope.now}, version = ${version} WHERE rid = ${rid}`
    } catch (error) {
      if (uniqueViolation(error) !== undefined) throw new WriteRejectedError('conflict', `userName "${fields.userName}" is already taken in ${connection}`)
      throw error
    }
  }

  createUser(connection: string, doc: JsonObject, options: WriteOptions): Promise<StoredUser> {
    return this.write(async (scope) => {
      await this.ensureConnectionIn(scope, connection)
      const fields = userFields(doc)
      const id = newResourceId()
      const now = scope.now
      try {
        await scope.tx`INSERT INTO users (id, connection, user_name, user_name_key, external_id, active, display_name, doc, created, last_modified, version)
          VALUES (${id}, ${connection}, ${fields.userName}, ${fields.userNameKey}, ${fields.externalId}, ${fields.active === 1}, ${fields.displayName}, ${JSON.stringify(doc)}::json, ${now}, ${now}, 1)`
      } catch (error) {
        if (uniqueViolation(error) !== undefined) throw new WriteRejectedError('conflict', `userName "${fields.userName}" is already taken in ${connection}`)
        throw error
      }
      await scope.record({ actor: options.actor, connection, action: 'user.create', resourceType: 'User', resourceId: id, beforeDigest: null, afterDigest: digest(doc), detail: null })
      scope.touchUsers([id], [fields.userName])
      return { id, connection, doc, created: now, lastModified: now, version: 1 }
    })
  }

  async getUser(connection: string, id: string, withGroups: boolean): Promise<StoredUser | undefined> {
    const row = await this.userRow(this.sql, connection, id)
    return row === undefined ? undefined : this.toUser(this.sql, row, withGroups)
  }

  async listUsers(connection: string, query: ResourceQuery, withGroups: boolean): Promise<ListResult<StoredUser>> {
    const key = userNameLookup(query, withGroups)
    if (key !== undefined) {
      const [row] = await this.sql<ResourceRow[]>`SELECT rid, id, connection, doc, created, last_modified, version FROM users WHERE connection = ${connection} AND user_name_key = ${key}`
      return row === undefined ? { total: 0, items: [] } : { total: 1, items: [toResource(row)] }
    }
    return this.list('users', connection, query, (row) => this.toUser(this.sql, row, withGroups))
  }

  private async list<T>(table: ResourceTable, connection: string, query: ResourceQuery, map: (row: ResourceRow) => Promise<T>): Promise<ListResult<T>> {
    const params: SqlParam[] = [connection]
    let where = 'r.connection = $1'
    if (query.filter !== undefined) where += ` AND (${new PgCompiler(table, params).compile(query.filter)})`
    const countTotal = async () => ((await this.sql.unsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table} r WHERE ${where}`, params))[0]?.n ?? 0)
    if (query.count <= 0) return { total: await countTotal(), items: [] }
    if (query.sort === undefined && query.filter !== undefined && isUniqueLookup(table, query.filter)) {
      const rows = await this.sql.unsafe<ResourceRow[]>(`SELECT r.rid, r.id, r.connection, r.doc, r.created, r.last_modified, r.version FROM ${table} r WHERE ${where}`, params)
      return { total: rows.length, items: query.startIndex === 1 ? await Promise.all(rows.map(map)) : [] }
    }
    const pageParams = [...params]
    let order = 'r.rid'
    if (query.sort !== undefined) order = `${new PgCompiler(table, pageParams).sort(query.sort.attr)} ${query.sort.descending ? 'DESC' : 'ASC'} NULLS LAST, r.rid`
    pageParams.push(query.count, Math.max(0, query.startIndex - 1))
    const rows = await this.sql.unsafe<ResourceRow[]>(
      `SELECT r.rid, r.id, r.connection, r.doc, r.created, r.last_modified, r.version FROM ${table} r WHERE ${where} ORDER BY ${order} LIMIT $${pageParams.length - 1} OFFSET $${pageParams.length}`,
      pageParams,
    )
    const total = query.startIndex === 1 && rows.length < query.count ? rows.length : await countTotal()
    return { total, items: await Promise.all(rows.map(map)) }
  }

  replaceUser(connection: string, id: string, doc: JsonObject, options: WriteOptions): Promise<StoredUser> {
    return this.changeUser(connection, id, () => doc, options, 'user.replace')
  }

  modifyUser(connection: string, id: string, change: (current: StoredUser) => JsonObject, options: WriteOptions): Promise<StoredUser> {
    return this.changeUser(connection, id, change, options, 'user.modify')
  }

  private changeUser(connection: string, id: string, change: (current: StoredUser) => JsonObject, options: WriteOptions, action: string): Promise<StoredUser> {
    return this.write(async (scope) => {
      const row = checkVersion(await this.userRow(scope.tx, connection, id, true), 'User', id, options)
      const current = toResource(row)
      const doc = change(current)
      const version = row.version + 1
      await this.writeUserDoc(scope, connection, row.rid, doc, version)
      scope.touchUsers([id], [userFields(current.doc).userName, userFields(doc).userName])
      await scope.record({ actor: options.actor, connection, action, resourceType: 'User', resourceId: id, beforeDigest: digest(current.doc), afterDigest: digest(doc), detail: null })
      return { ...current, doc, version, lastModified: scope.now }
    })
  }

  deleteUser(connection: string, id: string, options: WriteOptions): Promise<void> {
    return this.write(async (scope) => {
      const row = checkVersion(await this.userRow(scope.tx, connection, id, true), 'User', id, options)
      await scope.tx`DELETE FROM users WHERE rid = ${row.rid}`
      scope.touchUsers([id], [userFields(row.doc).userName])
      await scope.record({ actor: options.actor, connection, action: 'user.delete', resourceType: 'User', resourceId: id, beforeDigest: digest(row.doc), afterDigest: null, detail: null })
    })
  }

  // ---- groups ----

  private async groupRow(db: Db, connection: string, id: string, forUpdate = false): Promise<ResourceRow | undefined> {
    const rows = await db.unsafe<ResourceRow[]>(`SELECT ${resourceColumns} FROM groups WHERE id = $1 AND connection = $2${forUpdate ? ' FOR UPDATE' : ''}`, [id, connection], { prepare: true })
    return rows[0]
  }

  private async membersOf(db: Db, rid: number): Promise<MemberRef[]> {
    const rows = await db<{ id: string; display_name: string | null; user_name: string }[]>`SELECT u.id, u.display_name, u.user_name FROM memberships m JOIN users u ON u.rid = m.user_rid WHERE m.group_rid = ${rid} ORDER BY u.rid`
    return rows.map((row) => ({ value: row.id, display: row.display_name ?? row.user_name }))
  }

  private async toGroup(db: Db, row: ResourceRow, withMembers: boolean): Promise<StoredGroup> {
    return withMembers ? { ...toResource(row), members: await this.membersOf(db, row.rid) } : toResource(row)
  }

  private async writeGroupDoc(scope: WriteScope, connection: string, rid: number, doc: JsonObject, version: number, id: string): Promise<number> {
    const fields = groupFields(doc)
    const text = JSON.stringify(doc)
    try {
      if (rid === 0) {
        const [row] = await scope.tx<{ rid: number }[]>`INSERT INTO groups (id, connection, display_name, display_name_key, external_id, doc, created, last_modified, version)
          VALUES (${id}, ${connection}, ${fields.displayName}, ${fields.displayNameKey}, ${fields.externalId}, ${text}::json, ${scope.now}, ${scope.now}, 1) RETURNING rid`
        return row?.rid ?? 0
      }
      await scope.tx`UPDATE groups SET display_name = ${fields.displayName}, display_name_key = ${fields.displayNameKey}, external_id = ${fields.externalId}, doc = ${text}::json,
        last_modified = ${scope.now}, version = ${version} WHERE rid = ${rid}`
      await scope.tx`UPDATE state SET value = value + 1 WHERE key = 'group_fields'`
      return rid
    } catch (error) {
      if (uniqueViolation(error) !== undefined) throw new WriteRejectedError('conflict', `displayName "${fields.displayName}" is already taken in ${connection}`)
      throw error
    }
  }

  /** Applies membership operations in order; unknown user ids in an add are refused (the whole write rolls back). */
  private async applyMemberOps(scope: WriteScope, connection: string, groupRid: number, ops: MemberOp[]): Promise<{ added: string[]; removed: string[]; cleared: boolean }> {
    const summary = { added: [] as string[], removed: [] as string[], cleared: false }
    for (const op of ops) {
      if (op.op === 'clear') {
        await scope.tx`DELETE FROM memberships WHERE group_rid = ${groupRid}`
        summary.cleared = true
        continue
      }
      const ids = [...new Set(op.ids)]
      if (ids.length === 0) continue
      const found = await scope.tx<{ id: string; rid: number }[]>`SELECT id, rid FROM users WHERE connection = ${connection} AND id = ANY(${ids}::text[])`
      const ridOf = new Map(found.map((row) => [row.id, row.rid]))
      if (op.op === 'add') {
        const unknown = ids.find((id) => !ridOf.has(id))
        if (unknown !== undefined) throw new WriteRejectedError('unknown-member', `no user with id "${unknown}" in ${connection}`)
        const rids = ids.map((id) => ridOf.get(id) as number)
        const inserted = await scope.tx<{ user_rid: number }[]>`INSERT INTO memberships (group_rid, user_rid) SELECT ${groupRid}, unnest(${rids}::bigint[]) ON CONFLICT DO NOTHING RETURNING user_rid`
        const added = new Set(inserted.map((row) => row.user_rid))
        for (const id of ids) if (added.has(ridOf.get(id) as number)) summary.added.push(id)
      } else {
        const rids = ids.flatMap((id) => (ridOf.has(id) ? [ridOf.get(id) as number] : []))
        if (rids.length === 0) continue
        const deleted = await scope.tx<{ user_rid: number }[]>`DELETE FROM memberships WHERE group_rid = ${groupRid} AND user_rid = ANY(${rids}::bigint[]) RETURNING user_rid`
        const removed = new Set(deleted.map((row) => row.user_rid))
        for (const id of ids) if (removed.has(ridOf.get(id) as number)) summary.removed.push(id)
      }
    }
    return summary
  }

  createGroup(connection: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<StoredGroup> {
    return this.write(async (scope) => {
      await this.ensureConnectionIn(scope, connection)
      const id = newResourceId()
      const rid = await this.writeGroupDoc(scope, connection, 0, doc, 1, id)
      const summary = await this.applyMemberOps(scope, connection, rid, [{ op: 'add', ids: memberIds }])
      scope.touchUsers(summary.added)
      await scope.record({ actor: options.actor, connection, action: 'group.create', resourceType: 'Group', resourceId: id, beforeDigest: null, afterDigest: digest(doc), detail: memberDetail(summary) })
      const row = await this.groupRow(scope.tx, connection, id)
      if (row === undefined) throw new StoreError(`group ${id} vanished`)
      return this.toGroup(scope.tx, row, true)
    })
  }

  async getGroup(connection: string, id: string, withMembers: boolean): Promise<StoredGroup | undefined> {
    const row = await this.groupRow(this.sql, connection, id)
    return row === undefined ? undefined : this.toGroup(this.sql, row, withMembers)
  }

  listGroups(connection: string, query: ResourceQuery, withMembers: boolean): Promise<ListResult<StoredGroup>> {
    return this.list('groups', connection, query, (row) => this.toGroup(this.sql, row, withMembers))
  }

  async searchResources(connection: string, search: RootSearch, options: { withGroups: boolean; withMembers: boolean }): Promise<ListResult<SearchHit>> {
    const parts: { table: ResourceTable; order: number; filter?: Filter; sortBy?: RootSearch['users'] extends infer P ? (P extends { sortBy?: infer S } ? S : never) : never }[] = []
    if (search.users !== undefined) parts.push({ table: 'users', order: 0, ...search.users })
    if (search.groups !== undefined) parts.push({ table: 'groups', order: 1, ...search.groups })
    if (parts.length === 0) return { total: 0, items: [] }
    const params: SqlParam[] = [connection]
    const selects: string[] = []
    const counts: string[] = []
    for (const part of parts) {
      const compiler = new PgCompiler(part.table, params)
      const where = `r.connection = $1${part.filter === undefined ? '' : ` AND (${compiler.compile(part.filter)})`}`
      const key = search.sort !== undefined && part.sortBy !== undefined ? compiler.sort(part.sortBy) : 'NULL::text'
      selects.push(`SELECT ${part.order} AS type_order, r.rid AS rid, (${key})::text COLLATE "C" AS sort_key FROM ${part.table} r WHERE ${where}`)
      counts.push(`(SELECT count(*) FROM ${part.table} r WHERE ${where})`)
    }
    return this.sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', async (tx) => {
      const countTotal = async () => Number((await tx.unsafe<{ n: number }[]>(`SELECT (${counts.join(' + ')})::int AS n`, params))[0]?.n ?? 0)
      if (search.count <= 0) return { total: await countTotal(), items: [] }
      const order = search.sort === undefined ? 'type_order, rid' : `sort_key ${search.sort.descending ? 'DESC' : 'ASC'} NULLS LAST, type_order, rid`
      const pageParams = [...params, search.count, Math.max(0, search.startIndex - 1)]
      const page = await tx.unsafe<{ type_order: number; rid: number }[]>(
        `SELECT type_order, rid FROM (${selects.join(' UNION ALL ')}) found ORDER BY ${order} LIMIT $${pageParams.length - 1} OFFSET $${pageParams.length}`,
        pageParams,
      )
      const rowsOf = async (table: ResourceTable, order: number) => {
        const rids = page.filter((entry) => entry.type_order === order).map((entry) => entry.rid)
        if (rids.length === 0) return new Map<number, ResourceRow>()
        const rows = await tx.unsafe<ResourceRow[]>(`SELECT ${resourceColumns} FROM ${table} WHERE rid = ANY($1::bigint[])`, [rids as unknown as SqlParam])
        return new Map(rows.map((row) => [row.rid, row]))
      }
      const users = await rowsOf('users', 0)
      const groups = await rowsOf('groups', 1)
      const items: SearchHit[] = []
      for (const entry of page) {
        const row = (entry.type_order === 0 ? users : groups).get(entry.rid)
        if (row === undefined) continue
        items.push(entry.type_order === 0 ? { resourceType: 'User', user: await this.toUser(tx, row, options.withGroups) } : { resourceType: 'Group', group: await this.toGroup(tx, row, options.withMembers) })
      }
      return { total: search.startIndex === 1 && page.length < search.count ? page.length : await countTotal(), items }
    }) as Promise<ListResult<SearchHit>>
  }

  replaceGroup(connection: string, id: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<StoredGroup> {
    return this.write(async (scope) => {
      const row = checkVersion(await this.groupRow(scope.tx, connection, id, true), 'Group', id, options)
      await this.writeGroupDoc(scope, connection, row.rid, doc, row.version + 1, id)
      const summary = await this.applyMemberOps(scope, connection, row.rid, [{ op: 'clear' }, { op: 'add', ids: memberIds }])
      scope.touchAll()
      await scope.record({ actor: options.actor, connection, action: 'group.replace', resourceType: 'Group', resourceId: id, beforeDigest: digest(row.doc), afterDigest: digest(doc), detail: memberDetail(summary) })
      const after = await this.groupRow(scope.tx, connection, id)
      if (after === undefined) throw new StoreError(`group ${id} vanished`)
      return this.toGroup(scope.tx, after, true)
    })
  }

  modifyGroup(connection: string, id: string, change: (current: StoredGroup, loadMembers: () => MemberRef[]) => GroupChange, options: WriteOptions): Promise<StoredGroup> {
    return this.write(async (scope) => {
      const row = checkVersion(await this.groupRow(scope.tx, connection, id, true), 'Group', id, options)
      const current = toResource(row)
      // The change is computed from what it is given; a filter on member attributes needs the members, read only then.
      let members: MemberRef[] | undefined
      let result: GroupChange
      for (;;) {
        try {
          result = change(current, () => {
            if (members === undefined) throw new NeedsRead()
            return members
          })
          break
        } catch (error) {
          if (!(error instanceof NeedsRead)) throw error
          members = await this.membersOf(scope.tx, row.rid)
        }
      }
      const version = row.version + 1
      const before = JSON.stringify(row.doc)
      const text = JSON.stringify(result.doc)
      if (text === before) await scope.tx`UPDATE groups SET last_modified = ${scope.now}, version = ${version} WHERE rid = ${row.rid}`
      else await this.writeGroupDoc(scope, connection, row.rid, result.doc, version, id)
      const summary = await this.applyMemberOps(scope, connection, row.rid, result.memberOps)
      if (text !== before || summary.cleared) scope.touchAll()
      else scope.touchUsers([...summary.added, ...summary.removed])
      const beforeDigest = digestOfStored(before, current.doc)
      await scope.record({
        actor: options.actor,
        connection,
        action: 'group.modify',
        resourceType: 'Group',
        resourceId: id,
        beforeDigest,
        afterDigest: text === before ? beforeDigest : digestOfStored(text, result.doc),
        detail: memberDetail(summary),
      })
      return { ...current, doc: result.doc, version, lastModified: scope.now }
    })
  }

  deleteGroup(connection: string, id: string, options: WriteOptions): Promise<void> {
    return this.write(async (scope) => {
      const row = checkVersion(await this.groupRow(scope.tx, connection, id, true), 'Group', id, options)
      await scope.tx`DELETE FROM groups WHERE rid = ${row.rid}`
      await scope.tx`UPDATE state SET value = value + 1 WHERE key = 'group_fields'`
      scope.touchAll()
      await scope.record({ actor: options.actor, connection, action: 'group.delete', resourceType: 'Group', resourceId: id, beforeDigest: digest(row.doc), afterDigest: null, detail: null })
    })
  }

  // ---- revision, snapshot, audit ----

  async revision(): Promise<number> {
    return this.revisionOf(this.sql)
  }

  private async revisionOf(db: Db): Promise<number> {
    const [row] = await db<{ value: number }[]>`SELECT value FROM state WHERE key = 'revision'`
    return row?.value ?? 0
  }

  onAccessChange(listener: (change: AccessChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async userNameKeys(): Promise<string[]> {
    return (await this.sql<{ key: string }[]>`SELECT DISTINCT user_name_key AS key FROM users ORDER BY key`).map((row) => row.key)
  }

  async snapshot(): Promise<LiveSnapshot> {
    return this.sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', (tx) => this.readSnapshot(tx)) as Promise<LiveSnapshot>
  }

  /** The directory in one consistent read: users and groups in name order, memberships by group id, then user id. */
  private async readSnapshot(db: Db): Promise<LiveSnapshot> {
    const revision = await this.revisionOf(db)
    const userRows = await db<{ id: string; connection: string; user_name: string; external_id: string | null; active: boolean }[]>`SELECT id, connection, user_name, external_id, active FROM users ORDER BY connection COLLATE "C", user_name_key`
    const groupRows = await db<{ id: string; connection: string; display_name: string; external_id: string | null }[]>`SELECT id, connection, display_name, external_id FROM groups ORDER BY connection COLLATE "C", display_name_key`
    const membershipRows = await db<{ group_id: string; user_id: string }[]>`SELECT g.id AS group_id, u.id AS user_id FROM memberships m JOIN groups g ON g.rid = m.group_rid JOIN users u ON u.rid = m.user_rid ORDER BY g.id COLLATE "C", u.id COLLATE "C"`
    return {
      revision,
      users: userRows.map((row) => ({ id: row.id, connection: row.connection, userName: row.user_name, ...(row.external_id === null ? {} : { externalId: row.external_id }), active: row.active })),
      groups: groupRows.map((row) => ({ id: row.id, connection: row.connection, displayName: row.display_name, ...(row.external_id === null ? {} : { externalId: row.external_id }) })),
      memberships: membershipRows.map((row) => ({ groupId: row.group_id, userId: row.user_id })),
    }
  }

  async verifyAudit(options: { head?: string } = {}): Promise<AuditVerification> {
    return this.sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', async (tx) => {
      const rows = await tx<AuditRow[]>`SELECT seq, at, actor, connection, action, resource_type, resource_id, before_digest, after_digest, detail, prev_hash, hash FROM audit ORDER BY seq`
      const walk = walkAuditRows(rows, options.head)
      const [head] = await tx<{ seq: number; hash: string }[]>`SELECT seq, hash FROM audit_head WHERE id = 1`
      const [held] = await tx<{ held: boolean }[]>`SELECT (SELECT value FROM state WHERE key = 'revision') > 0 OR EXISTS (SELECT 1 FROM connections) OR EXISTS (SELECT 1 FROM admin_tokens) AS held`
      const triggers = (await tx<{ name: string }[]>`SELECT tgname AS name FROM pg_trigger WHERE tgrelid IN ('audit'::regclass, 'audit_head'::regclass) AND NOT tgisinternal AND tgenabled <> 'D' ORDER BY tgname`).map((row) => row.name)
      const expected = ['audit_head_follows', 'audit_head_forward', 'audit_head_no_delete', 'audit_no_delete', 'audit_no_truncate', 'audit_no_update']
      const missing = expected.filter((name) => !triggers.includes(name))
      const extra = triggers.filter((name) => !expected.includes(name))
      const parts = [missing.length === 0 ? '' : `missing: ${missing.join(', ')}`, extra.length === 0 ? '' : `not rolecall's: ${extra.join(', ')}`].filter((part) => part !== '')
      const guards = parts.length === 0 ? undefined : `the audit log's append-only triggers were tampered with (${parts.join('; ')})`
      return auditVerdict(walk, head ?? { seq: -1, hash: '' }, () => held?.held === true, guards, options.head)
    }) as Promise<AuditVerification>
  }

  async exportAudit(sink: (entry: AuditEntry) => void): Promise<number> {
    let count = 0
    await this.sql<AuditRow[]>`SELECT seq, at, actor, connection, action, resource_type, resource_id, before_digest, after_digest, detail, prev_hash, hash FROM audit ORDER BY seq`.cursor(1000, (rows) => {
      for (const row of rows) {
        sink(fromRow(row))
        count++
      }
    })
    return count
  }

  // ---- applied revisions and break-glass grants ----

  private async readApplied(db: Db, id: string | undefined, withDirectory: boolean): Promise<AppliedState | undefined> {
    const columns = `${revisionColumns}, documents${withDirectory ? ', directory' : ''}`
    const rows =
      id === undefined
        ? await db.unsafe<(RevisionRow & { documents: string; directory?: string | null })[]>(`SELECT ${columns} FROM applied_revisions ORDER BY number DESC LIMIT 1`)
        : await db.unsafe<(RevisionRow & { documents: string; directory?: string | null })[]>(`SELECT ${columns} FROM applied_revisions WHERE id = $1`, [id])
    const row = rows[0]
    if (row === undefined) return undefined
    return {
      revision: toRevision(row),
      documents: JSON.parse(row.documents) as AppliedState['documents'],
      directory: row.directory === undefined || row.directory === null ? undefined : (JSON.parse(row.directory) as Directory),
    }
  }

  appliedState(options: { withDirectory?: boolean } = {}): Promise<AppliedState | undefined> {
    return this.readApplied(this.sql, undefined, options.withDirectory === true)
  }

  appliedRevision(id: string, options: { withDirectory?: boolean } = {}): Promise<AppliedState | undefined> {
    return this.readApplied(this.sql, id, options.withDirectory === true)
  }

  async listAppliedRevisions(): Promise<AppliedRevision[]> {
    return (await this.sql.unsafe<RevisionRow[]>(`SELECT ${revisionColumns} FROM applied_revisions ORDER BY number`)).map(toRevision)
  }

  async appliedRevisionId(): Promise<string | null> {
    const [row] = await this.sql<{ id: string }[]>`SELECT id FROM applied_revisions ORDER BY number DESC LIMIT 1`
    return row?.id ?? null
  }

  recordApply(recorded: ApplyRecord, guard: (view: ApplyGuardView) => ApplyCommit | void): Promise<AppliedRevision> {
    return this.write(async (scope) => {
      const storeRevision = await this.revisionOf(scope.tx)
      const [last] = await scope.tx<{ id: string; number: number }[]>`SELECT id, number FROM applied_revisions ORDER BY number DESC LIMIT 1`
      // The guard reads the directory and break-glass grants only when it needs them: they are read, inside this
      // transaction, when it first asks, and the guard (a pure function of its view) is asked again.
      let directory: LiveSnapshot | undefined
      let breakGlass: BreakGlassRecord[] | undefined
      let decided: ApplyCommit | void
      for (;;) {
        try {
          decided = guard({
            appliedRevision: last?.id ?? null,
            storeRevision,
            directory: () => directory ?? (() => { throw new NeedsRead('directory') })(),
            breakGlass: () => breakGlass ?? (() => { throw new NeedsRead('breakGlass') })(),
          })
          break
        } catch (error) {
          if (!(error instanceof NeedsRead)) throw error
          if (error.message === 'directory') directory = await this.readSnapshot(scope.tx)
          else breakGlass = await this.readBreakGlass(scope.tx)
        }
      }
      const record: ApplyRecord = decided === undefined ? recorded : { ...recorded, ...decided }
      await scope.bumpRevision()
      const number = (last?.number ?? 0) + 1
      const id = `r${number}`
      const appliedAt = scope.now
      await scope.tx`INSERT INTO applied_revisions (number, id, applied_at, store_revision, git_commit, author, approved_by, plan_digest, desired_digest, directory_digest, summary, documents, directory)
        VALUES (${number}, ${id}, ${appliedAt}, ${storeRevision + 1}, ${record.commit}, ${record.author}, ${JSON.stringify(record.approvedBy)}, ${record.planDigest}, ${record.desiredDigest},
          ${record.directoryDigest}, ${JSON.stringify(record.summary)}, ${JSON.stringify(record.documents)}, ${JSON.stringify(record.directory)})`
      await scope.tx`UPDATE applied_revisions SET directory = NULL WHERE number <= ${number - revisionsWithDirectory} AND directory IS NOT NULL`
      scope.touchAll()
      const { basis } = record
      const detail: JsonObject = { revision: id, commit: record.commit, author: record.author, approvedBy: record.approvedBy, planDigest: record.planDigest, summary: record.summary, ...(basis === undefined ? {} : { basis: { ...basis } }) }
      await scope.record({ actor: record.actor, connection: null, action: 'apply', resourceType: null, resourceId: id, beforeDigest: null, afterDigest: record.desiredDigest, detail }, false)
      const revision: AppliedRevision = { id, number, appliedAt, storeRevision: storeRevision + 1, commit: record.commit, author: record.author, approvedBy: record.approvedBy, planDigest: record.planDigest, desiredDigest: record.desiredDigest, directoryDigest: record.directoryDigest, summary: record.summary }
      return revision
    })
  }

  private async readBreakGlass(db: Db): Promise<BreakGlassRecord[]> {
    return (await db<BreakGlassRow[]>`SELECT * FROM break_glass ORDER BY created_at COLLATE "C", id COLLATE "C"`).map(toBreakGlass)
  }

  addBreakGlass(grant: Omit<BreakGlassRecord, 'id' | 'createdAt'>): Promise<BreakGlassRecord> {
    return this.write(async (scope) => {
      const record: BreakGlassRecord = { ...grant, id: `bg_${randomUUID()}`, createdAt: scope.now }
      await scope.tx`INSERT INTO break_glass (id, user_name, actions, resource, env, reason, expires, created_at, created_by)
        VALUES (${record.id}, ${record.user}, ${JSON.stringify(record.actions)}, ${record.resource}, ${record.env === undefined ? null : JSON.stringify(record.env)}, ${record.reason}, ${record.expires}, ${record.createdAt}, ${record.createdBy})`
      scope.touchUsers([], [record.user])
      const detail: JsonObject = { user: record.user, actions: record.actions, resource: record.resource, env: record.env ?? null, reason: record.reason, expires: record.expires }
      await scope.record({ actor: grant.createdBy, connection: null, action: 'break-glass.create', resourceType: 'BreakGlass', resourceId: record.id, beforeDigest: null, afterDigest: null, detail })
      return record
    })
  }

  listBreakGlass(): Promise<BreakGlassRecord[]> {
    return this.readBreakGlass(this.sql)
  }

  revokeBreakGlass(id: string, actor: string): Promise<boolean> {
    return this.write(async (scope) => {
      const revoked = (await scope.tx`UPDATE break_glass SET revoked_at = ${scope.now} WHERE id = ${id} AND revoked_at IS NULL RETURNING id`).length > 0
      if (!revoked) return false
      scope.touchAll()
      await scope.record({ actor, connection: null, action: 'break-glass.revoke', resourceType: 'BreakGlass', resourceId: id, beforeDigest: null, afterDigest: null, detail: null })
      return true
    })
  }

  // ---- admin tokens and the check API's reads ----

  createAdminToken(scopes: readonly AdminScope[], name?: string): Promise<{ token: string; info: AdminTokenInfo }> {
    return this.write(async (scope) => {
      const made = newAdminToken()
      const row: AdminRow = { id: made.id, hash: made.hash, hint: made.hint, name: name ?? null, scopes: JSON.stringify([...scopes].sort()), created_at: scope.now, revoked_at: null }
      await scope.tx`INSERT INTO admin_tokens (id, hash, hint, name, scopes, created_at) VALUES (${row.id}, ${row.hash}, ${row.hint}, ${row.name}, ${row.scopes}, ${row.created_at})`
      const info = toAdminInfo(row)
      await scope.record({ actor: 'cli', connection: null, action: 'admin-token.create', resourceType: 'AdminToken', resourceId: info.id, beforeDigest: null, afterDigest: null, detail: { scopes: info.scopes } }, false)
      return { token: made.token, info }
    })
  }

  async listAdminTokens(): Promise<AdminTokenInfo[]> {
    return (await this.sql<AdminRow[]>`SELECT * FROM admin_tokens ORDER BY created_at COLLATE "C", id COLLATE "C"`).map(toAdminInfo)
  }

  revokeAdminToken(id: string): Promise<boolean> {
    return this.write(async (scope) => {
      const revoked = (await scope.tx`UPDATE admin_tokens SET revoked_at = ${scope.now} WHERE id = ${id} AND revoked_at IS NULL RETURNING id`).length > 0
      if (revoked) await scope.record({ actor: 'cli', connection: null, action: 'admin-token.revoke', resourceType: 'AdminToken', resourceId: id, beforeDigest: null, afterDigest: null, detail: null }, false)
      return revoked
    })
  }

  async authenticateAdmin(token: string): Promise<{ id: string; scopes: AdminScope[] } | undefined> {
    if (!token.startsWith(adminTokenPrefix)) return undefined
    const hash = hashToken(token)
    const [row] = await this.sql<AdminRow[]>`SELECT * FROM admin_tokens WHERE hash = ${hash}`
    if (row === undefined || row.revoked_at !== null || !sameHash(row.hash, hash)) return undefined
    return { id: row.id, scopes: JSON.parse(row.scopes) as AdminScope[] }
  }

  async directoryOfUser(userName: string): Promise<LiveSnapshot> {
    const key = userName.toLowerCase()
    return this.sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', async (tx) => {
      const revision = await this.revisionOf(tx)
      const users = await tx<{ rid: number; id: string; connection: string; user_name: string; external_id: string | null; active: boolean }[]>`SELECT rid, id, connection, user_name, external_id, active FROM users WHERE user_name_key = ${key} ORDER BY connection COLLATE "C"`
      const rows =
        users.length === 0
          ? []
          : await tx<{ user_id: string; id: string; connection: string; display_name: string; external_id: string | null }[]>`SELECT u.id AS user_id, g.id, g.connection, g.display_name, g.external_id
              FROM memberships m JOIN groups g ON g.rid = m.group_rid JOIN users u ON u.rid = m.user_rid WHERE m.user_rid = ANY(${users.map((user) => user.rid)}::bigint[]) ORDER BY u.rid, g.rid`
      return {
        revision,
        users: users.map((row) => ({ id: row.id, connection: row.connection, userName: row.user_name, ...(row.external_id === null ? {} : { externalId: row.external_id }), active: row.active })),
        groups: rows.map((row) => ({ id: row.id, connection: row.connection, displayName: row.display_name, ...(row.external_id === null ? {} : { externalId: row.external_id }) })),
        memberships: rows.map((row) => ({ groupId: row.id, userId: row.user_id })),
      }
    }) as Promise<LiveSnapshot>
  }

  async close(): Promise<void> {
    if (this.isClosed) return
    // Writes already started commit; new ones are refused.
    this.isClosed = true
    await this.lastWrite
    await this.sql.end({ timeout: 5 })
  }
}

/** Connects to the database at `url` and brings its schema up to date (under an advisory lock: replicas may start together). */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const display = options.display ?? url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')
  const sql = connectPool(url, options)
  try {
    if (options.readonly === true) await requireSchema(sql, display)
    else await migrate(sql, display)
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => undefined)
    throw postgresStoreError(display, error)
  }
  return withErrorBoundary(new PostgresStore(sql, display, options), (error) => postgresStoreError(display, error))
}

/** Whether the database at `url` holds a rolecall store (its schema); a database that cannot be reached fails. */
export async function postgresStoreExists(url: string, display: string): Promise<boolean> {
  const sql = connectPool(url, { max: 1, readonly: true })
  try {
    const [row] = await sql`SELECT to_regclass('rolecall_schema') IS NOT NULL AS present`
    return row?.['present'] === true
  } catch (error) {
    throw postgresStoreError(display, error)
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined)
  }
}
