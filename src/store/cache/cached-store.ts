// The store's caches as a decorator over any backend: accepted tokens, and users read by id or by userName.
import type { ResourceQuery } from '../query.js'
import { userNameLookup } from '../query.js'
import type { AdminScope, JsonObject, ListResult, Store, StoredUser, WriteOptions } from '../store.js'
import { AcceptedTokens } from './accepted-tokens.js'
import { UserCache } from './user-cache.js'
import { CacheCounter, type CacheCounts } from '../../util/cache-counts.js'

export type StoreCacheOptions = {
  /** How long an accepted SCIM or admin token is trusted without asking the store (a revocation elsewhere waits this long). */
  tokenTtlMs?: number
  /** How long a user read is served without confirming its version with the store. */
  userTtlMs?: number
  /** Users held at most. */
  maxUsers?: number
}

/** What a decorated store adds: what its change feed calls to drop what the caches hold (tests call them too). */
export type StoreCaches = {
  /** Tokens were revoked elsewhere: ask the store again for every token. */
  forgetTokens(): void
  /** These users (or, with `all`, every user) were written elsewhere: read them from the store again. */
  forgetUsers(ids: readonly string[] | 'all'): void
  /** Each cache's hits and misses since the store was opened. */
  cacheCounts(): CacheCounts[]
}

/**
 * `store` with its reads of tokens and users cached. Writes through the decorated store keep the caches right at
 * once; writes elsewhere are told by the store's feed (onCredentialChange, onAccessChange: within `feedDelayMs`),
 * and the ttls bound what a feed that cannot hear (its database unreachable) leaves cached.
 */
export function withStoreCaches<T extends Store>(store: T, options: StoreCacheOptions = {}): T & StoreCaches {
  const tokens = new AcceptedTokens<string>(options.tokenTtlMs ?? 2000)
  const adminTokens = new AcceptedTokens<{ id: string; scopes: AdminScope[] }>(options.tokenTtlMs ?? 2000)
  const users = new UserCache(options.maxUsers ?? 20_000, options.userTtlMs ?? 5000)
  const counters = { tokens: new CacheCounter('scim_tokens'), adminTokens: new CacheCounter('admin_tokens'), users: new CacheCounter('users') }
  const count = <V>(counter: CacheCounter, value: V | undefined): V | undefined => {
    if (value === undefined) counter.misses++
    else counter.hits++
    return value
  }

  /** A cached user, confirmed with the store when its ttl has passed; undefined when there is none or it moved. */
  const cached = async (hit: { user: StoredUser; isFresh: boolean } | undefined, now: number): Promise<StoredUser | undefined> => {
    if (hit === undefined) return undefined
    if (hit.isFresh) return hit.user
    if ((await store.userVersion(hit.user.connection, hit.user.id)) === hit.user.version) {
      users.confirm(hit.user.id, now)
      return hit.user
    }
    users.drop(hit.user.id)
    return undefined
  }
  const writing = async <R>(id: string, write: () => Promise<R>): Promise<R> => {
    users.writeStarts(id)
    try {
      return await write()
    } finally {
      users.writeEnds(id)
    }
  }

  const decorated: Partial<Store> & StoreCaches = {
    async authenticate(token: string): Promise<string | undefined> {
      const now = Date.now()
      const known = count(counters.tokens, tokens.get(token, now))
      if (known !== undefined) return known
      const startedAt = tokens.lookupStarts()
      const connection = await store.authenticate(token)
      if (connection !== undefined) tokens.remember(token, connection, now, startedAt)
      return connection
    },
    async revokeToken(id: string, actor?: string): Promise<boolean> {
      const revoked = await store.revokeToken(id, actor)
      if (revoked) tokens.forgetAll()
      return revoked
    },
    async authenticateAdmin(token: string): Promise<{ id: string; scopes: AdminScope[] } | undefined> {
      const now = Date.now()
      const known = count(counters.adminTokens, adminTokens.get(token, now))
      if (known !== undefined) return known
      const startedAt = adminTokens.lookupStarts()
      const found = await store.authenticateAdmin(token)
      if (found !== undefined) adminTokens.remember(token, found, now, startedAt)
      return found
    },
    async revokeAdminToken(id: string, actor?: string): Promise<boolean> {
      const revoked = await store.revokeAdminToken(id, actor)
      if (revoked) adminTokens.forgetAll()
      return revoked
    },
    async getUser(connection: string, id: string, withGroups: boolean): Promise<StoredUser | undefined> {
      if (withGroups) return store.getUser(connection, id, withGroups)
      const now = Date.now()
      const hit = count(counters.users, await cached(users.peek(connection, id, now), now))
      if (hit !== undefined) return hit
      const startedAt = users.readStarts()
      const user = await store.getUser(connection, id, false)
      if (user !== undefined) users.put(user, now, startedAt)
      return user
    },
    async listUsers(connection: string, query: ResourceQuery, withGroups: boolean): Promise<ListResult<StoredUser>> {
      const key = userNameLookup(query, withGroups)
      if (key === undefined) return store.listUsers(connection, query, withGroups)
      const now = Date.now()
      const hit = count(counters.users, await cached(users.peekByName(connection, key, now), now))
      if (hit !== undefined) return { total: 1, items: [hit] }
      const startedAt = users.readStarts()
      const result = await store.listUsers(connection, query, false)
      const [user] = result.items
      if (result.total === 1 && user !== undefined) users.put(user, now, startedAt)
      return result
    },
    replaceUser: (connection: string, id: string, doc: JsonObject, options: WriteOptions) => writing(id, () => store.replaceUser(connection, id, doc, options)),
    modifyUser: (connection: string, id: string, change: (current: StoredUser) => JsonObject, options: WriteOptions) => writing(id, () => store.modifyUser(connection, id, change, options)),
    deleteUser: (connection: string, id: string, options: WriteOptions) => writing(id, () => store.deleteUser(connection, id, options)),
    forgetTokens(): void {
      tokens.forgetAll()
      adminTokens.forgetAll()
    },
    cacheCounts: () => [counters.tokens.counts(), counters.adminTokens.counts(), counters.users.counts()],
    forgetUsers(ids: readonly string[] | 'all'): void {
      if (ids === 'all') return users.forgetAll()
      for (const id of ids) {
        users.writeStarts(id)
        users.writeEnds(id)
      }
    },
  }
  store.onCredentialChange(() => decorated.forgetTokens())
  store.onAccessChange((change) => decorated.forgetUsers(change.all ? 'all' : change.userIds))
  return Object.assign(Object.create(store) as T, decorated) as T & StoreCaches
}
