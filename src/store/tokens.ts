// Bearer tokens: SCIM (`rcs_`) and admin API (`rca_`), each 256 random bits; only a SHA-256 hash is stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** Prefix that lets secret scanners recognise a rolecall SCIM token. */
export const tokenPrefix = 'rcs_'

export function newToken(): string {
  return `${tokenPrefix}${randomBytes(32).toString('base64url')}`
}

/** Prefix that lets secret scanners recognise a rolecall admin token. */
export const adminTokenPrefix = 'rca_'

/** A new admin token, its id, the hint that lists it and the hash that is stored. */
export function newAdminToken(): { token: string; id: string; hint: string; hash: string } {
  const token = `${adminTokenPrefix}${randomBytes(32).toString('base64url')}`
  return { token, id: `adm_${randomBytes(6).toString('hex')}`, hint: `${token.slice(0, adminTokenPrefix.length + 4)}…`, hash: hashToken(token) }
}

export function newTokenId(): string {
  return `tok_${randomBytes(6).toString('hex')}`
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** Enough of the token to recognise it in a list. */
export function tokenHint(token: string): string {
  return `${token.slice(0, tokenPrefix.length + 4)}…`
}

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex')
  const right = Buffer.from(b, 'hex')
  return left.length === right.length && timingSafeEqual(left, right)
}
