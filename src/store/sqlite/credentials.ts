// SCIM connections and their bearer tokens, and admin API tokens: created, listed, revoked, checked (hashes only).
import type { AdminScope, AdminTokenInfo, TokenInfo } from '../store.js'
import { hashToken, newToken, newTokenId, sameHash, tokenHint } from '../tokens.js'
import { findAdminToken, insertAdminToken, listAdminTokens as listAdminTokenRows, markAdminTokenRevoked } from './admin-tokens.js'
import type { SqliteCore } from './core.js'

type TokenRow = { id: string; connection: string; hash: string; hint: string; created_at: string; revoked_at: string | null }

export function ensureConnection(core: SqliteCore, name: string): Promise<void> {
  return core.write(() => core.ensureConnectionSync(name))
}

export function listConnections(core: SqliteCore): string[] {
  return (core.stmt(core.reader, 'SELECT name FROM connections ORDER BY name').all() as { name: string }[]).map((row) => row.name)
}

export function createToken(core: SqliteCore, connection: string, actor: string): Promise<{ token: string; info: TokenInfo }> {
  return core.write(() => {
    core.ensureConnectionSync(connection)
    const token = newToken()
    const info: TokenInfo = { id: newTokenId(), connection, hint: tokenHint(token), createdAt: core.now() }
    core.stmt(core.writer, 'INSERT INTO tokens (id, connection, hash, hint, created_at) VALUES (?, ?, ?, ?, ?)').run(info.id, connection, hashToken(token), info.hint, info.createdAt)
    core.record({ actor, connection, action: 'token.create', resourceType: 'Token', resourceId: info.id, beforeDigest: null, afterDigest: null, detail: null }, false)
    return { token, info }
  })
}

export function listTokens(core: SqliteCore): TokenInfo[] {
  const rows = core.stmt(core.reader, 'SELECT * FROM tokens ORDER BY created_at, id').all() as TokenRow[]
  return rows.map((row) => ({
    id: row.id,
    connection: row.connection,
    hint: row.hint,
    createdAt: row.created_at,
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  }))
}

export function revokeToken(core: SqliteCore, id: string, actor: string): Promise<boolean> {
  return core.write(() => {
    const row = core.stmt(core.writer, 'SELECT * FROM tokens WHERE id = ? AND revoked_at IS NULL').get(id) as TokenRow | undefined
    if (row === undefined) return false
    core.stmt(core.writer, 'UPDATE tokens SET revoked_at = ? WHERE id = ?').run(core.now(), id)
    core.record({ actor, connection: row.connection, action: 'token.revoke', resourceType: 'Token', resourceId: id, beforeDigest: null, afterDigest: null, detail: null }, false)
    core.accessChanges.revoked()
    return true
  })
}

/** The connection a SCIM token belongs to, or undefined for an unknown or revoked one. Compared in constant time. */
export function authenticate(core: SqliteCore, token: string): string | undefined {
  const hash = hashToken(token)
  const row = core.stmt(core.reader, 'SELECT hash, connection, revoked_at FROM tokens WHERE hash = ?').get(hash) as Pick<TokenRow, 'hash' | 'connection' | 'revoked_at'> | undefined
  if (row === undefined || row.revoked_at !== null || !sameHash(row.hash, hash)) return undefined
  return row.connection
}

export function createAdminToken(core: SqliteCore, scopes: readonly AdminScope[], name?: string, actor = 'cli'): Promise<{ token: string; info: AdminTokenInfo }> {
  return core.write(() => {
    const created = insertAdminToken(core.writer, scopes, name, core.now())
    core.record({ actor, connection: null, action: 'admin-token.create', resourceType: 'AdminToken', resourceId: created.info.id, beforeDigest: null, afterDigest: null, detail: { scopes: created.info.scopes } }, false)
    return created
  })
}

export function listAdminTokens(core: SqliteCore): AdminTokenInfo[] {
  return listAdminTokenRows(core.reader)
}

export function revokeAdminToken(core: SqliteCore, id: string, actor = 'cli'): Promise<boolean> {
  return core.write(() => {
    const hash = markAdminTokenRevoked(core.writer, id, core.now())
    const revoked = hash !== undefined
    if (revoked) {
      core.record({ actor, connection: null, action: 'admin-token.revoke', resourceType: 'AdminToken', resourceId: id, beforeDigest: null, afterDigest: null, detail: null }, false)
      core.accessChanges.revoked()
    }
    return revoked
  })
}

export function authenticateAdmin(core: SqliteCore, token: string): { id: string; scopes: AdminScope[] } | undefined {
  const found = findAdminToken(core.reader, token)
  return found === undefined ? undefined : { id: found.id, scopes: found.scopes }
}
