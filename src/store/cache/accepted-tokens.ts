// Bearer tokens accepted recently, so that a busy client does not cost a SHA-256 and a query per request.
// Held for `ttlMs` only: revocation elsewhere takes effect within that time; revocation through this cache, or a
// feed that says credentials changed (`forgetAll`), at once. Only accepted tokens are remembered, so random
// tokens cannot grow the cache.

export class AcceptedTokens<T> {
  private readonly entries = new Map<string, { value: T; until: number }>()
  /** Bumped by forgetAll: a look-up that began before it is not remembered. */
  private generation = 0

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1024,
  ) {}

  /** The value remembered for this exact token, while fresh. */
  get(token: string, now: number): T | undefined {
    const entry = this.entries.get(token)
    if (entry === undefined) return undefined
    if (entry.until > now) return entry.value
    this.entries.delete(token)
    return undefined
  }

  /** Call before looking a token up; pass what it returns to `remember`. */
  lookupStarts(): number {
    return this.generation
  }

  remember(token: string, value: T, now: number, startedAt: number): void {
    if (startedAt !== this.generation) return
    if (this.entries.size >= this.maxEntries) this.entries.clear()
    this.entries.set(token, { value, until: now + this.ttlMs })
  }

  /** A token was revoked: none is trusted without asking the store again. */
  forgetAll(): void {
    this.entries.clear()
    this.generation++
  }
}
