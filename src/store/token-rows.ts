// Admin tokens as rows (scopes as JSON text), the same in every backend.
import type { AdminScope, AdminTokenInfo } from './store.js'

export type AdminTokenRow = { id: string; hash: string; hint: string; name: string | null; scopes: string; created_at: string; revoked_at: string | null }

export function toAdminTokenInfo(row: AdminTokenRow): AdminTokenInfo {
  return {
    id: row.id,
    hint: row.hint,
    ...(row.name === null ? {} : { name: row.name }),
    scopes: JSON.parse(row.scopes) as AdminScope[],
    createdAt: row.created_at,
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  }
}
