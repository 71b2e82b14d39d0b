// The live store's interface: SCIM connections, tokens, users, groups, memberships, revision and audit chain.
import { StoreError } from '../errors.js'
import type { AppliedRevision, AppliedState, ApplyCommit, ApplyGuardView, ApplyRecord, BreakGlassRecord } from './applied.js'
import type { StoreDump } from './dump.js'
import type { JsonObject } from './json.js'
import type { HoldLedger } from './holds.js'
import type { LiveSnapshot } from './live-snapshot.js'
import type { PeoplePage } from './people-search.js'
import type { ResourceQuery, RootSearch } from './query.js'

export type { LiveSnapshot }

export type { JsonObject, JsonValue } from './json.js'

/** A user or group as one connection provisioned it. */
type StoredResource = {
  id: string
  connection: string
  doc: JsonObject
  created: string
  lastModified: string
  /** Bumped on every write; the ETag is `W/"<version>"`. */
  version: number
}

/** A user. `doc` holds the SCIM attributes except `id`, `meta` and `groups`. */
export type StoredUser = StoredResource & {
  /** Groups the user is a member of, when asked for. */
  groups?: MemberRef[]
}

/** A group. `doc` holds the SCIM attributes except `id`, `meta` and `members`. */
export type StoredGroup = StoredResource & {
  /** Members, only when asked for (reading them touches the membership table). */
  members?: MemberRef[]
}

/** One end of a membership, with the other side's display name. */
export type MemberRef = { value: string; display?: string }

/** A change to a group's membership, applied in order. */
export type MemberOp = { op: 'add'; ids: string[] } | { op: 'remove'; ids: string[] } | { op: 'clear' }

/** What a group modification computes from the current group: its new attributes and membership changes. */
export type GroupChange = { doc: JsonObject; memberOps: MemberOp[] }

export type ListResult<T> = { total: number; items: T[] }

/** One result of a search across resource types. */
export type SearchHit = { resourceType: 'User'; user: StoredUser } | { resourceType: 'Group'; group: StoredGroup }

/** Preconditions and options of a write. */
export type WriteOptions = {
  /** Who writes, for the audit log (`scim:okta`, `cli`). */
  actor: string
  /** When set, the write happens only if the current version is one of these (If-Match). */
  ifVersion?: number[]
}

export type TokenInfo = {
  id: string
  connection: string
  /** First characters of the token, enough to recognise it, never enough to use it. */
  hint: string
  createdAt: string
  revokedAt?: string
  lastUsedAt?: string
}

export type AuditEntry = {
  seq: number
  at: string
  actor: string
  connection: string | null
  action: string
  resourceType: string | null
  resourceId: string | null
  beforeDigest: string | null
  afterDigest: string | null
  detail: JsonObject | null
  prevHash: string
  hash: string
}

/** The last entry of the audit chain: record its hash outside the store to verify against later. */
export type AuditHead = { seq: number; hash: string }

/**
 * What `audit verify` found. `isHeadRecorded` is false for a store whose schema predates the recorded head (opened
 * read-only, unmigrated): truncation of such a log cannot be told. `externalHeadSeq` is the entry that has the
 * hash given to verify. `brokenAt` is the first entry that is wrong or missing, when the problem is one entry's.
 */
export type AuditVerification = { ok: true; entries: number; head: AuditHead; isHeadRecorded: boolean; externalHeadSeq?: number } | { ok: false; entries: number; brokenAt?: number; reason: string }

/** Why a store write was refused. The SCIM layer maps these to status codes. */
export type WriteRejection = 'not-found' | 'conflict' | 'precondition' | 'unknown-member'

/** A write the store refused; nothing was changed. */
export class WriteRejectedError extends StoreError {
  override name = 'WriteRejectedError'
  constructor(
    readonly reason: WriteRejection,
    message: string,
  ) {
    super(message)
  }
}

/** Connections and the users and groups the IdPs provision into them (SCIM's view of the store). */
export interface ScimDirectory {
  /** Creates the connection if it does not exist. */
  ensureConnection(name: string): Promise<void>
  listConnections(): Promise<string[]>

  createUser(connection: string, doc: JsonObject, options: WriteOptions): Promise<StoredUser>
  getUser(connection: string, id: string, withGroups: boolean): Promise<StoredUser | undefined>
  /** The user's version, or undefined when there is no such user: what a cache confirms before serving a user it holds. */
  userVersion(connection: string, id: string): Promise<number | undefined>
  listUsers(connection: string, query: ResourceQuery, withGroups: boolean): Promise<ListResult<StoredUser>>
  replaceUser(connection: string, id: string, doc: JsonObject, options: WriteOptions): Promise<StoredUser>
  /** Read-modify-write under the store's write lock: `change` gets the current user and returns its new attributes. */
  modifyUser(connection: string, id: string, change: (current: StoredUser) => JsonObject, options: WriteOptions): Promise<StoredUser>
  /** Deleting a user removes their memberships. */
  deleteUser(connection: string, id: string, options: WriteOptions): Promise<void>

  /** Creates a group; `memberIds` must be users of the same connection. */
  createGroup(connection: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<StoredGroup>
  getGroup(connection: string, id: string, withMembers: boolean): Promise<StoredGroup | undefined>
  listGroups(connection: string, query: ResourceQuery, withMembers: boolean): Promise<ListResult<StoredGroup>>
  replaceGroup(connection: string, id: string, doc: JsonObject, memberIds: string[], options: WriteOptions): Promise<StoredGroup>
  /**
   * Read-modify-write of a group. `change` gets the group without members and a loader for them (used only by
   * filters that need member attributes), and returns new attributes plus membership operations.
   * Returns the group without members.
   */
  modifyGroup(connection: string, id: string, change: (current: StoredGroup, loadMembers: () => MemberRef[]) => GroupChange, options: WriteOptions): Promise<StoredGroup>
  deleteGroup(connection: string, id: string, options: WriteOptions): Promise<void>

  /**
   * Users and groups of `connection` together, filtered, sorted and paged across both (RFC 7644 §3.4.3); users with
   * their groups and groups with their members only when asked for.
   */
  searchResources(connection: string, search: RootSearch, options: { withGroups: boolean; withMembers: boolean }): Promise<ListResult<SearchHit>>

  /**
   * Users of every connection whose userName, displayName, `name.formatted` or an email's value contains `text`
   * (case-insensitive; blank matches everyone), by userName (case-folded) then connection, one page (at most 200):
   * the explorer's People search.
   */
  findPeople(text: string, page: PeoplePage): Promise<ListResult<StoredUser>>
}

/** SCIM bearer tokens (one connection each) and admin API tokens (scoped): stored hashed, shown once. */
export interface Credentials {
  /**
   * A new bearer token for `connection` (created if absent). The token is returned here and never again. `actor`
   * (who asked for it; `cli` when unsaid) is kept in the audit entry, as for every token write below.
   */
  createToken(connection: string, actor?: string): Promise<{ token: string; info: TokenInfo }>
  listTokens(): Promise<TokenInfo[]>
  /** False when no such unrevoked token exists. Servers in other processes stop accepting it within seconds. */
  revokeToken(id: string, actor?: string): Promise<boolean>
  /** The connection a token belongs to, or undefined for an unknown or revoked token. */
  authenticate(token: string): Promise<string | undefined>

  /** A new admin API token with these scopes; returned here and never again. Audited. */
  createAdminToken(scopes: readonly AdminScope[], name?: string, actor?: string): Promise<{ token: string; info: AdminTokenInfo }>
  listAdminTokens(): Promise<AdminTokenInfo[]>
  revokeAdminToken(id: string, actor?: string): Promise<boolean>
  /** The admin token's id and scopes, or undefined (SCIM tokens are never admin tokens). */
  authenticateAdmin(token: string): Promise<{ id: string; scopes: AdminScope[] } | undefined>
}

/** What `apply` recorded: the applied revisions with their documents, and break-glass grants made outside git. */
export interface AppliedLedger {
  /**
   * The last applied revision and its documents; undefined before the first apply. The directory that apply saw
   * (large: drift alone needs it) is read only with `withDirectory`.
   */
  appliedState(options?: { withDirectory?: boolean }): Promise<AppliedState | undefined>
  /** A given applied revision (by id such as `r3`), undefined when unknown; the directory as for appliedState. */
  appliedRevision(id: string, options?: { withDirectory?: boolean }): Promise<AppliedState | undefined>
  listAppliedRevisions(): Promise<AppliedRevision[]>
  /** Id of the last applied revision, or null: a cheap freshness check for caches. */
  appliedRevisionId(): Promise<string | null>
  /**
   * Records an apply in one transaction, serialised with every other write. `guard` runs first, inside the
   * transaction; if it throws, nothing is written and the error is rethrown. What it returns replaces those fields
   * of `record`. Audited, with the record's basis.
   */
  recordApply(record: ApplyRecord, guard: (view: ApplyGuardView) => ApplyCommit | void): Promise<AppliedRevision>

  /** Break-glass grants made outside git: effective until they expire, always reported as drift. */
  addBreakGlass(grant: Omit<BreakGlassRecord, 'id' | 'createdAt'>): Promise<BreakGlassRecord>
  listBreakGlass(): Promise<BreakGlassRecord[]>
  revokeBreakGlass(id: string, actor: string): Promise<boolean>
}

/** The hash-chained, append-only log of every write, and the revision it counts. */
export interface AuditTrail {
  /** The current revision: the sequence number of the last audited write. */
  revision(): Promise<number>
  /**
   * Walks the audit chain and checks every link, that it ends at the head the store recorded, that the append-only
   * triggers are in place, and (with `head`) that an entry with that hash, recorded elsewhere earlier, is still in it.
   */
  verifyAudit(options?: { head?: string }): Promise<AuditVerification>
  /** Calls `sink` for every audit entry in order (with `afterSeq`, those after that entry only); returns how many. */
  exportAudit(sink: (entry: AuditEntry) => void, options?: { afterSeq?: number }): Promise<number>
  /** The audit entries with these sequence numbers (those that exist), in sequence order: one look-up each. */
  auditEntries(seqs: readonly number[]): Promise<AuditEntry[]>
}

/** Reads of the directory as access sees it (plan, drift, the check API), and the changes that may move it. */
export interface AccessFeed {
  snapshot(): Promise<LiveSnapshot>
  /** One user's records (any connection, by userName, case-insensitive), their groups and memberships: the check API's read. */
  directoryOfUser(userName: string): Promise<LiveSnapshot>
  /** Every userName in the directory, lower-cased, once each: what a per-user cache warms. */
  userNameKeys(): Promise<string[]>
  /**
   * The audit entry (sequence number) of the SCIM write that last added each of these memberships, by group and
   * user record id: null where it is not known (added before rolecall recorded it, or by a bulk load). Memberships
   * that do not exist are left out.
   */
  membershipSeqs(memberships: readonly MembershipKey[]): Promise<MembershipSeq[]>
  /**
   * Calls `listener` after each committed write to the underlying store that may change someone's access, with the
   * revisions it went from and to and whose records it touched; returns a function that stops the calls.
   *
   * A write through this object is told once it commits, before its promise settles. A write through any other
   * object (another replica, a CLI process) is told within `feedDelayMs` of its commit, in commit order: PostgreSQL
   * hears its notice (LISTEN/NOTIFY); SQLite looks for other connections' commits every `sqlitePollMs`. Where the
   * object cannot know whose records such a write touched (notices missed while its listening connection was lost,
   * a notice too large, SQLite), it catches up from the last write it accounted for and tells one change with
   * `all`. So a listener that tracks `from`/`revision` never misses a write, and one that hears `all` starts over.
   * Token writes are not told here (see onCredentialChange); a refused or rolled-back write tells nothing.
   */
  onAccessChange(listener: (change: AccessChange) => void): () => void
  /**
   * Calls `listener` after a SCIM or admin token was revoked, through this object (once committed) or any other
   * (within `feedDelayMs`, or on catching up after notices were missed): a cache of accepted tokens asks the store
   * again for every token. Returns a function that stops the calls.
   */
  onCredentialChange(listener: () => void): () => void
}

/** One membership, by the record ids of its group and user. */
export type MembershipKey = { groupId: string; userId: string }

/** A membership and the audit entry of the write that added it (null: not known). */
export type MembershipSeq = MembershipKey & { seq: number | null }

/** How long after a commit through another store object its feed listeners are told, at most, while the database answers. */
export const feedDelayMs = 1000

/** How often a SQLite store object with feed listeners looks for commits by other connections to its file. */
export const sqlitePollMs = 100

/** The live store: every role in one object. Every method is async so that a database server can implement it. */
export interface Store extends ScimDirectory, Credentials, AppliedLedger, AuditTrail, AccessFeed, HoldLedger, StoreDump {
  /** Commits pending writes and closes. */
  close(): Promise<void>
}

/**
 * Committed writes that may have changed access, taking the store from revision `from` to `revision`: for the
 * users with these record ids or userNames (lower case), or for anyone (`all`).
 */
export type AccessChange = { from: number; revision: number; all: boolean; userIds: readonly string[]; userNames: readonly string[] }

/**
 * What an admin token may do: plan (read state, make plans), apply, check access, view (sign in to the read-only web
 * explorer, and nothing else), tokens (with view: create and revoke SCIM tokens from the explorer), or metrics (read
 * /metrics when serve --metrics-auth token requires it).
 */
export type AdminScope = 'plan' | 'apply' | 'check' | 'view' | 'tokens' | 'metrics'
export const adminScopes: readonly AdminScope[] = ['plan', 'apply', 'check', 'view', 'tokens', 'metrics']

export type AdminTokenInfo = { id: string; hint: string; name?: string; scopes: AdminScope[]; createdAt: string; revokedAt?: string }

/** Memberships that grant access: those of active users only (deactivated users hold no access). */
export function activeMemberships(snapshot: LiveSnapshot): LiveSnapshot['memberships'] {
  const active = new Set(snapshot.users.filter((user) => user.active).map((user) => user.id))
  return snapshot.memberships.filter((membership) => active.has(membership.userId))
}
