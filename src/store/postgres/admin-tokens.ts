// Admin API tokens (`rca_`): scoped, stored as a SHA-256 hash, compared in constant time, revocable; audited.
import type { AdminScope, AdminTokenInfo } from '../store.js'
import { toAdminTokenInfo, type AdminTokenRow } from '../token-rows.js'
import { adminTokenPrefix, hashToken, newAdminToken, sameHash } from '../tokens.js'
import type { Sql } from './connect.js'
import type { WriteResult, WriteTx } from './transaction.js'

export function createAdminToken(tx: WriteTx, scopes: readonly AdminScope[], name: string | undefined, actor = 'cli'): WriteResult<{ token: string; info: AdminTokenInfo }> {
  const made = newAdminToken()
  const row: AdminTokenRow = { id: made.id, hash: made.hash, hint: made.hint, name: name ?? null, scopes: JSON.stringify([...scopes].sort()), created_at: tx.now, revoked_at: null }
  tx.defer('INSERT INTO admin_tokens (id, hash, hint, name, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [row.id, row.hash, row.hint, row.name, row.scopes, row.created_at])
  const info = toAdminTokenInfo(row)
  tx.audit({ actor, connection: null, action: 'admin-token.create', resourceType: 'AdminToken', resourceId: info.id, beforeDigest: null, afterDigest: null, detail: { scopes: info.scopes } }, false)
  return { value: { token: made.token, info } }
}

export async function listAdminTokens(sql: Sql): Promise<AdminTokenInfo[]> {
  const rows = (await sql.unsafe('SELECT * FROM admin_tokens ORDER BY created_at, id', [], { prepare: true })) as unknown as AdminTokenRow[]
  return rows.map(toAdminTokenInfo)
}

/** False when there was no such unrevoked token. */
export async function revokeAdminToken(tx: WriteTx, id: string, actor = 'cli'): Promise<WriteResult<boolean>> {
  const rows = await tx.query('UPDATE admin_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id', [tx.now, id])
  if (rows.length === 0) return { value: false }
  tx.audit({ actor, connection: null, action: 'admin-token.revoke', resourceType: 'AdminToken', resourceId: id, beforeDigest: null, afterDigest: null, detail: null }, false)
  return { value: true, touched: { isRevoked: true } }
}

/** The admin token's id and scopes, or undefined for an unknown, revoked or non-admin token (constant-time compare). */
export async function authenticateAdmin(sql: Sql, token: string): Promise<{ id: string; scopes: AdminScope[] } | undefined> {
  if (!token.startsWith(adminTokenPrefix)) return undefined
  const hash = hashToken(token)
  const [row] = (await sql.unsafe('SELECT * FROM admin_tokens WHERE hash = $1', [hash], { prepare: true })) as unknown as AdminTokenRow[]
  if (row === undefined || row.revoked_at !== null || !sameHash(row.hash, hash)) return undefined
  return { id: row.id, scopes: JSON.parse(row.scopes) as AdminScope[] }
}
