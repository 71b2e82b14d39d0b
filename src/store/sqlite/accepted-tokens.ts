// Bearer tokens accepted recently, so that a busy client does not cost a SHA-256 and a query per request.
// Held for `ttlMs` only: revocation by another process takes effect within that time; in-process revocation
// (`forgetHash`) at once. Only accepted tokens are remembered, so random tokens cannot grow the cache.

export class AcceptedTokens<T> {
  private readonly entries = new Map<string, { value: T; hash: string; until: number }>()

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

  remember(token: string, hash: string, value: T, now: number): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear()
    this.entries.set(token, { value, hash, until: now + this.ttlMs })
  }

  forget(token: string): void {
    this.entries.delete(token)
  }

  /** Drops the token whose stored hash this is (it was revoked). */
  forgetHash(hash: string): void {
    for (const [token, entry] of this.entries) if (entry.hash === hash) this.entries.delete(token)
  }
}
