// Admin API tokens: scoped, shown once, hashed, recognised until revoked, audited without moving the revision.
import { describe, expect, it } from 'vitest'
import type { Contract } from './harness.js'
import { auditOf } from './fixtures.js'

export function adminTokens({ fresh }: Contract): void {
  describe('admin tokens', () => {
    it('makes a token with its scopes sorted, shown once, and recognises only that exact token', async () => {
      const { store, clock } = await fresh()
      const { token, info } = await store.createAdminToken(['check', 'apply'], 'deploy bot')
      expect(token).toMatch(/^rca_[A-Za-z0-9_-]{43}$/)
      expect(info).toEqual({ id: info.id, hint: `${token.slice(0, 8)}…`, name: 'deploy bot', scopes: ['apply', 'check'], createdAt: clock.iso() })
      expect(await store.authenticateAdmin(token)).toEqual({ id: info.id, scopes: ['apply', 'check'] })
      expect(await store.authenticateAdmin(token)).toEqual({ id: info.id, scopes: ['apply', 'check'] })
      expect(await store.authenticateAdmin(`${token}x`)).toBeUndefined()
      expect(await store.authenticateAdmin('')).toBeUndefined()
      clock.advance(1000)
      const unnamed = await store.createAdminToken(['plan'])
      expect(unnamed.info).not.toHaveProperty('name')
      expect(await store.listAdminTokens()).toEqual([info, unnamed.info])
      expect(await store.revision()).toBe(0)
      const audit = await auditOf(store)
      expect(audit.map((entry) => [entry.action, entry.actor, entry.resourceType, entry.resourceId, entry.detail])).toEqual([
        ['admin-token.create', 'cli', 'AdminToken', info.id, { scopes: ['apply', 'check'] }],
        ['admin-token.create', 'cli', 'AdminToken', unnamed.info.id, { scopes: ['plan'] }],
      ])
      expect(JSON.stringify([audit, await store.listAdminTokens()])).not.toContain(token.slice(8))
    })

    it('refuses a revoked admin token at once, even right after a use, and revokes it only once', async () => {
      const { store, clock } = await fresh()
      const { token, info } = await store.createAdminToken(['check'])
      const other = await store.createAdminToken(['plan'])
      expect(await store.authenticateAdmin(token)).toEqual({ id: info.id, scopes: ['check'] })
      clock.advance(5000)
      expect(await store.revokeAdminToken(info.id)).toBe(true)
      expect(await store.authenticateAdmin(token)).toBeUndefined()
      expect(await store.authenticateAdmin(other.token)).toEqual({ id: other.info.id, scopes: ['plan'] })
      expect(await store.revokeAdminToken(info.id)).toBe(false)
      expect(await store.revokeAdminToken('adm_unknown')).toBe(false)
      expect((await store.listAdminTokens()).find((listed) => listed.id === info.id)).toEqual({ ...info, revokedAt: clock.iso() })
      expect((await auditOf(store)).map((entry) => entry.action)).toEqual(['admin-token.create', 'admin-token.create', 'admin-token.revoke'])
    })
  })
}
