// Recently read users, by id and by userName, so that IdP reads (GET by id, `userName eq`) skip the backend.
import type { StoredUser } from '../store.js'

/**
 * Entries are trusted for `ttlMs`; after that, one is served again only once the store has confirmed that its
 * version is still the stored one (a cheap read instead of a row, a parse and a render), so that a writer in
 * another process is seen soon. A write through this cache drops its user when it starts and when it ends, and a
 * read that began before a write to its user ended is not kept. Cached users are shared: callers must not mutate them.
 */
export class UserCache {
  private readonly byId = new Map<string, { user: StoredUser; until: number }>()
  /** `${connection}\0${userName key}` → id; checked against the cached user on every hit. */
  private readonly byName = new Map<string, string>()
  /** Users being written now: how many writes to each are in flight. */
  private readonly writing = new Map<string, number>()
  /** Counts reads and writes: the tick at which each user's last write ended, and below which no read is kept. */
  private tick = 0
  private readonly writtenAt = new Map<string, number>()
  private floor = 0

  constructor(
    private readonly maxEntries = 20_000,
    private readonly ttlMs = 5_000,
  ) {}

  /** The cached user with this id, and whether it is still within its ttl (if not, confirm it or drop it). */
  peek(connection: string, id: string, now: number): { user: StoredUser; isFresh: boolean } | undefined {
    const entry = this.byId.get(id)
    if (entry === undefined || entry.user.connection !== connection) return undefined
    return { user: entry.user, isFresh: entry.until > now }
  }

  /** The cached user whose userName (case-folded) is `key`, if still so. */
  peekByName(connection: string, key: string, now: number): { user: StoredUser; isFresh: boolean } | undefined {
    const name = `${connection}\0${key}`
    const id = this.byName.get(name)
    if (id === undefined) return undefined
    const hit = this.peek(connection, id, now)
    const userName = hit?.user.doc['userName']
    if (hit === undefined || typeof userName !== 'string' || userName.toLowerCase() !== key) {
      this.byName.delete(name)
      return undefined
    }
    return hit
  }

  /** The store confirmed the entry's version: trusted for another ttl. */
  confirm(id: string, now: number): void {
    const entry = this.byId.get(id)
    if (entry !== undefined) entry.until = now + this.ttlMs
  }

  drop(id: string): void {
    this.byId.delete(id)
  }

  /** Call before a read whose result may be kept; pass what it returns to `put`. */
  readStarts(): number {
    return ++this.tick
  }

  /** Keeps `user`, read by the read that started at `startedAt`, unless a write to it was in flight or ended since. */
  put(user: StoredUser, now: number, startedAt: number): void {
    if (startedAt <= this.floor || this.writing.has(user.id) || (this.writtenAt.get(user.id) ?? 0) >= startedAt) return
    if (this.byId.size >= this.maxEntries) {
      this.byId.clear()
      this.byName.clear()
    }
    this.byId.set(user.id, { user, until: now + this.ttlMs })
    const userName = user.doc['userName']
    if (typeof userName === 'string') this.byName.set(`${user.connection}\0${userName.toLowerCase()}`, user.id)
  }

  /** Anyone may have been written elsewhere: nothing cached is served, and no read that began before now is kept. */
  forgetAll(): void {
    this.byId.clear()
    this.byName.clear()
    this.writtenAt.clear()
    this.floor = ++this.tick
  }

  /** A write to the user begins: it must not be served from the cache from now on. */
  writeStarts(id: string): void {
    this.writing.set(id, (this.writing.get(id) ?? 0) + 1)
    this.byId.delete(id)
  }

  /** The write ended (committed or not): reads that began before now are not kept. */
  writeEnds(id: string): void {
    const left = (this.writing.get(id) ?? 1) - 1
    if (left === 0) this.writing.delete(id)
    else this.writing.set(id, left)
    this.byId.delete(id)
    if (this.writtenAt.size >= this.maxEntries) {
      // Forget the ticks, keeping their meaning: no read that began before now is kept.
      this.writtenAt.clear()
      this.floor = this.tick
    }
    this.writtenAt.set(id, ++this.tick)
  }
}
