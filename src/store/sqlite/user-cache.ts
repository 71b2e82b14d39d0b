// Recently read users, by id and by userName, so that IdP reads (GET by id, `userName eq`) skip SQLite.
import type { StoredUser } from '../store.js'

/**
 * Entries are dropped when a batch that wrote them commits (the store calls `touch` inside the write and
 * `evictTouched` after COMMIT), and expire after `ttlMs` so that a writer in another process is seen soon:
 * an expired entry is served again only once the store has checked that its version is still the stored one
 * (`isCurrent`), which costs an index lookup instead of a row, a parse and a render.
 * Cached users are shared: callers must not mutate them.
 */
export class UserCache {
  private readonly byId = new Map<string, { user: StoredUser; until: number }>()
  /** `${connection}\0${userName key}` → id; checked against the cached user on every hit. */
  private readonly byName = new Map<string, string>()
  private touched = new Set<string>()

  constructor(
    private readonly maxEntries = 20_000,
    private readonly ttlMs = 5_000,
  ) {}

  get(connection: string, id: string, now: number, isCurrent: (user: StoredUser) => boolean): StoredUser | undefined {
    const entry = this.byId.get(id)
    if (entry === undefined || entry.user.connection !== connection) return undefined
    if (entry.until <= now) {
      if (!isCurrent(entry.user)) {
        this.byId.delete(id)
        return undefined
      }
      entry.until = now + this.ttlMs
    }
    return entry.user
  }

  /** The cached user whose userName (case-folded) is `key`, if still so. */
  getByName(connection: string, key: string, now: number, isCurrent: (user: StoredUser) => boolean): StoredUser | undefined {
    const id = this.byName.get(`${connection}\0${key}`)
    if (id === undefined) return undefined
    const user = this.get(connection, id, now, isCurrent)
    const userName = user?.doc['userName']
    if (user === undefined || typeof userName !== 'string' || userName.toLowerCase() !== key) {
      this.byName.delete(`${connection}\0${key}`)
      return undefined
    }
    return user
  }

  put(user: StoredUser, now: number): void {
    if (this.touched.has(user.id)) return
    if (this.byId.size >= this.maxEntries) {
      this.byId.clear()
      this.byName.clear()
    }
    this.byId.set(user.id, { user, until: now + this.ttlMs })
    const userName = user.doc['userName']
    if (typeof userName === 'string') this.byName.set(`${user.connection}\0${userName.toLowerCase()}`, user.id)
  }

  /** Called inside a write: the user must not be served from the cache once the write commits. */
  touch(id: string): void {
    this.touched.add(id)
    this.byId.delete(id)
  }

  /** Called after each COMMIT (or rollback): drops everything the batch wrote. */
  evictTouched(): void {
    for (const id of this.touched) this.byId.delete(id)
    this.touched = new Set()
  }
}
