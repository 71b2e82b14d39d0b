// Server-side sessions of the web explorer: a random id in an HttpOnly cookie, kept here only as its hash, with an
// idle and an absolute expiry, ended on sign-out and when the admin token it was opened with is revoked.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { AdminScope } from '../store/store.js'

/** Who a session belongs to: the admin token it was opened with (none behind an SSO proxy) and its scopes. */
export type Viewer = {
  /** Shown on every page and written to the audit log as the actor of what the session does. */
  name: string
  tokenId: string | undefined
  scopes: readonly AdminScope[]
}

export type Session = Viewer & {
  /** The form token (CSRF) every form of this session carries. */
  csrf: string
  createdAt: number
  seenAt: number
}

export type SessionLimits = {
  /** A session unused this long ends. */
  idleMs: number
  /** A session ends this long after sign-in, however busy. */
  absoluteMs: number
  /** Sessions kept at most; past it, the one used longest ago ends. */
  maxSessions: number
}

export const defaultSessionLimits: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000, maxSessions: 10_000 }

/** 256 random bits, URL-safe. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url')
}

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url')
}

/** Constant-time comparison of two secrets as sent (a different length is a mismatch, found without comparing). */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/** Sessions of one server process, by the hash of their cookie value (a memory dump holds no usable cookie). */
export class SessionStore {
  readonly #sessions = new Map<string, Session>()
  readonly #clock: () => Date
  readonly limits: SessionLimits

  constructor(clock: () => Date, limits: Partial<SessionLimits> = {}) {
    this.#clock = clock
    this.limits = { ...defaultSessionLimits, ...limits }
  }

  /** Opens a session; the secret returned goes into the cookie and is kept nowhere. */
  open(viewer: Viewer): { secret: string; session: Session } {
    const now = this.#clock().getTime()
    this.#sweep(now)
    if (this.#sessions.size >= this.limits.maxSessions) {
      const [oldest] = [...this.#sessions.entries()].sort((a, b) => a[1].seenAt - b[1].seenAt)
      if (oldest !== undefined) this.#sessions.delete(oldest[0])
    }
    const secret = randomSecret()
    const session: Session = { ...viewer, csrf: randomSecret(), createdAt: now, seenAt: now }
    this.#sessions.set(hashOf(secret), session)
    return { secret, session }
  }

  /** The live session of a cookie value, its idle clock restarted; an expired one ends here. */
  find(secret: string): Session | undefined {
    const key = hashOf(secret)
    const session = this.#sessions.get(key)
    if (session === undefined) return undefined
    const now = this.#clock().getTime()
    if (this.#isExpired(session, now)) {
      this.#sessions.delete(key)
      return undefined
    }
    session.seenAt = now
    return session
  }

  /** Ends the session of a cookie value (sign-out). */
  end(secret: string): boolean {
    return this.#sessions.delete(hashOf(secret))
  }

  /** Ends every session opened with the admin token `tokenId` (revoked). */
  endForToken(tokenId: string): number {
    let ended = 0
    for (const [key, session] of this.#sessions) {
      if (session.tokenId === tokenId) {
        this.#sessions.delete(key)
        ended++
      }
    }
    return ended
  }

  get size(): number {
    return this.#sessions.size
  }

  #isExpired(session: Session, now: number): boolean {
    return now - session.seenAt >= this.limits.idleMs || now - session.createdAt >= this.limits.absoluteMs
  }

  #sweep(now: number): void {
    for (const [key, session] of this.#sessions) if (this.#isExpired(session, now)) this.#sessions.delete(key)
  }
}
