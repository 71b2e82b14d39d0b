// SCIM bearer tokens: one connection each, stored as a SHA-256 hash, compared in constant time, revocable; audited.
import { hashToken, newToken, newTokenId, sameHash, tokenHint } from '../tokens.js'
import type { TokenInfo } from '../store.js'
import type { Sql } from './connect.js'
import type { WriteResult, WriteTx } from './transaction.js'

type TokenRow = { id: string; connection: string; hash: string; hint: string; created_at: string; revoked_at: string | null }

function toTokenInfo(row: TokenRow): TokenInfo {
  return { id: row.id, connection: row.connection, hint: row.hint, createdAt: row.created_at, ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }) }
}

/** A new token of `connection` (which must exist by the time `tx` commits); the token is shown here only. */
export function createToken(tx: WriteTx, connection: string, actor: string): WriteResult<{ token: string; info: TokenInfo }> {
  const token = newToken()
  const info: TokenInfo = { id: newTokenId(), connection, hint: tokenHint(token), createdAt: tx.now }
  tx.defer('INSERT INTO tokens (id, connection, hash, hint, created_at) VALUES ($1, $2, $3, $4, $5)', [info.id, connection, hashToken(token), info.hint, info.createdAt])
  tx.audit({ actor, connection, action: 'token.create', resourceType: 'Token', resourceId: info.id, beforeDigest: null, afterDigest: null, detail: null }, false)
  return { value: { token, info } }
}

export async function listTokens(sql: Sql): Promise<TokenInfo[]> {
  const rows = (await sql.unsafe('SELECT id, connection, hash, hint, created_at, revoked_at FROM tokens ORDER BY created_at, id', [], { prepare: true })) as unknown as TokenRow[]
  return rows.map(toTokenInfo)
}

/** False when there was no such unrevoked token. */
export async function revokeToken(tx: WriteTx, id: string, actor: string): Promise<WriteResult<boolean>> {
  const [row] = await tx.query<{ connection: string }>('UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING connection', [tx.now, id])
  if (row === undefined) return { value: false }
  tx.audit({ actor, connection: row.connection, action: 'token.revoke', resourceType: 'Token', resourceId: id, beforeDigest: null, afterDigest: null, detail: null }, false)
  return { value: true, touched: { isRevoked: true } }
}

/** The connection of an unrevoked token; the stored hash is compared in constant time. */
export async function authenticate(sql: Sql, token: string): Promise<string | undefined> {
  const hash = hashToken(token)
  const [row] = (await sql.unsafe('SELECT hash, connection, revoked_at FROM tokens WHERE hash = $1', [hash], { prepare: true })) as unknown as Pick<TokenRow, 'hash' | 'connection' | 'revoked_at'>[]
  if (row === undefined || row.revoked_at !== null || !sameHash(row.hash, hash)) return undefined
  return row.connection
}
