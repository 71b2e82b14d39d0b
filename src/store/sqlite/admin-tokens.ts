// Admin API tokens (`rca_`), separate from SCIM tokens: scoped (plan, apply, check, view, tokens), hashed, shown once.
import type Database from 'better-sqlite3'
import { statement } from './statements.js'
import type { AdminScope, AdminTokenInfo } from '../store.js'
import { toAdminTokenInfo as toInfo, type AdminTokenRow as Row } from '../token-rows.js'
import { adminTokenPrefix, hashToken, newAdminToken, sameHash } from '../tokens.js'

export function insertAdminToken(db: Database.Database, scopes: readonly AdminScope[], name: string | undefined, at: string): { token: string; info: AdminTokenInfo } {
  const { token, id, hint, hash } = newAdminToken()
  const row: Row = { id, hash, hint, name: name ?? null, scopes: JSON.stringify([...scopes].sort()), created_at: at, revoked_at: null }
  statement(db, 'INSERT INTO admin_tokens (id, hash, hint, name, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(row.id, row.hash, row.hint, row.name, row.scopes, row.created_at)
  return { token, info: toInfo(row) }
}

export function listAdminTokens(db: Database.Database): AdminTokenInfo[] {
  return (statement(db, 'SELECT * FROM admin_tokens ORDER BY created_at, id').all() as Row[]).map(toInfo)
}

/** Revokes the token; its stored hash, or undefined when there was no such unrevoked token. */
export function markAdminTokenRevoked(db: Database.Database, id: string, at: string): string | undefined {
  const row = statement(db, 'UPDATE admin_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING hash').get(at, id) as { hash: string } | undefined
  return row?.hash
}

/** The token's id, scopes and hash, or undefined for an unknown, revoked or non-admin token. Compared in constant time. */
export function findAdminToken(db: Database.Database, token: string): { id: string; scopes: AdminScope[]; hash: string } | undefined {
  if (!token.startsWith(adminTokenPrefix)) return undefined
  const hash = hashToken(token)
  const row = statement(db, 'SELECT * FROM admin_tokens WHERE hash = ?').get(hash) as Row | undefined
  if (row === undefined || row.revoked_at !== null || !sameHash(row.hash, hash)) return undefined
  return { id: row.id, scopes: JSON.parse(row.scopes) as AdminScope[], hash }
}
