// SCIM bearer tokens and admin API tokens: stored as SHA-256 hashes, compared in constant time, revocable.
import { adminTokenPrefix, hashToken, newAdminToken, newToken, newTokenId, sameHash, tokenHint } from '../tokens.js'
import type { AdminScope, AdminTokenInfo, TokenInfo } from '../store.js'
import { toAdminTokenInfo, type AdminTokenRow as AdminRow } from '../token-rows.js'
import type { Sql } from './connect.js'
import type { WriteTx } from './transaction.js'

type TokenRow = { id: string; connection: string; hash: string; hint: string; created_at: string; revoked_at: string | null }

function toTokenInfo(row: TokenRow): TokenInfo {
  return { id: row.id, connection: row.connection, hint: row.hint, createdAt: row.created_at, ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }) }
}

/** Queues a new SCIM token of `connection` (which must exist by the time it commits). */
export function insertToken(tx: WriteTx, connection: string): { token: string; info: TokenInfo } {
  const token = newToken()
  const info: TokenInfo = { id: newTokenId(), connection, hint: tokenHint(token), createdAt: tx.now }
  tx.defer('INSERT INTO tokens (id, connection, hash, hint, created_at) VALUES ($1, $2, $3, $4, $5)', [info.id, connection, hashToken(token), info.hint, info.createdAt])
  return { token, info }
}

export async function listTokens(sql: Sql): Promise<TokenInfo[]> {
  const rows = (await sql.unsafe('SELECT id, connection, hash, hint, created_at, revoked_at FROM tokens ORDER BY created_at, id', [], { prepare: true })) as unknown as TokenRow[]
  return rows.map(toTokenInfo)
}

/** Revokes the token now; its connection, or undefined when there was no such unrevoked token. */
export async function revokeToken(tx: WriteTx, id: string): Promise<string | undefined> {
  const [row] = await tx.query<{ connection: string }>('UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING connection', [tx.now, id])
  return row?.connection
}

/** The connection of an unrevoked SCIM token; the stored hash is compared in constant time. */
export async function authenticate(sql: Sql, token: string): Promise<string | undefined> {
  const hash = hashToken(token)
  const [row] = (await sql.unsafe('SELECT hash, connection, revoked_at FROM tokens WHERE hash = $1', [hash], { prepare: true })) as unknown as Pick<TokenRow, 'hash' | 'connection' | 'revoked_at'>[]
  if (row === undefined || row.revoked_at !== null || !sameHash(row.hash, hash)) return undefined
  return row.connection
}

export function insertAdminToken(tx: WriteTx, scopes: readonly AdminScope[], name: string | undefined): { token: string; info: AdminTokenInfo } {
  const made = newAdminToken()
  const row: AdminRow = { id: made.id, hash: made.hash, hint: made.hint, name: name ?? null, scopes: JSON.stringify([...scopes].sort()), created_at: tx.now, revoked_at: null }
  tx.defer('INSERT INTO admin_tokens (id, hash, hint, name, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [row.id, row.hash, row.hint, row.name, row.scopes, row.created_at])
  return { token: made.token, info: toAdminTokenInfo(row) }
}

export async function listAdminTokens(sql: Sql): Promise<AdminTokenInfo[]> {
  const rows = (await sql.unsafe('SELECT * FROM admin_tokens ORDER BY created_at, id', [], { prepare: true })) as unknown as AdminRow[]
  return rows.map(toAdminTokenInfo)
}

export async function revokeAdminToken(tx: WriteTx, id: string): Promise<boolean> {
  const rows = await tx.query('UPDATE admin_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id', [tx.now, id])
  return rows.length > 0
}

/** The admin token's id and scopes, or undefined for an unknown, revoked or non-admin token (constant-time compare). */
export async function authenticateAdmin(sql: Sql, token: string): Promise<{ id: string; scopes: AdminScope[] } | undefined> {
  if (!token.startsWith(adminTokenPrefix)) return undefined
  const hash = hashToken(token)
  const [row] = (await sql.unsafe('SELECT * FROM admin_tokens WHERE hash = $1', [hash], { prepare: true })) as unknown as AdminRow[]
  if (row === undefined || row.revoked_at !== null || !sameHash(row.hash, hash)) return undefined
  return { id: row.id, scopes: JSON.parse(row.scopes) as AdminScope[] }
}
