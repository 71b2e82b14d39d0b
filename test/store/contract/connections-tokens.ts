// Connections and SCIM bearer tokens: created once, listed in order, hashed, recognised until revoked, audited.
import { describe, expect, it } from 'vitest'
import type { Contract } from './harness.js'
import { auditOf } from './fixtures.js'

export function connectionsAndTokens({ fresh }: Contract): void {
  describe('connections and tokens', () => {
    it('creates a connection once, lists connections by name, and audits each creation without moving the revision', async () => {
      const { store } = await fresh()
      await store.ensureConnection('okta')
      await store.ensureConnection('okta')
      await store.ensureConnection('entra')
      expect(await store.listConnections()).toEqual(['entra', 'okta'])
      expect(await store.revision()).toBe(0)
      expect((await auditOf(store)).map((entry) => [entry.seq, entry.action, entry.actor, entry.connection])).toEqual([
        [1, 'connection.create', 'cli', 'okta'],
        [2, 'connection.create', 'cli', 'entra'],
      ])
    })

    it('makes a token that names its connection, returns it once, and recognises only that exact token', async () => {
      const { store, clock } = await fresh()
      const { token, info } = await store.createToken('okta')
      expect(token).toMatch(/^rcs_[A-Za-z0-9_-]{43}$/)
      expect(info).toEqual({ id: info.id, connection: 'okta', hint: `${token.slice(0, 8)}…`, createdAt: clock.iso() })
      expect(await store.listConnections()).toEqual(['okta'])
      expect(await store.authenticate(token)).toBe('okta')
      expect(await store.authenticate(token)).toBe('okta')
      expect(await store.authenticate(`${token}x`)).toBeUndefined()
      expect(await store.authenticate(token.slice(0, -1))).toBeUndefined()
      expect(await store.authenticate('')).toBeUndefined()
      expect(await store.listTokens()).toEqual([info])
      expect(JSON.stringify(await store.listTokens())).not.toContain(token.slice(8))
      expect(await store.revision()).toBe(0)
      const audit = await auditOf(store)
      expect(audit.map((entry) => [entry.action, entry.actor, entry.connection, entry.resourceType, entry.resourceId])).toEqual([
        ['connection.create', 'cli', 'okta', null, null],
        ['token.create', 'cli', 'okta', 'Token', info.id],
      ])
      expect(JSON.stringify(audit)).not.toContain(token.slice(8))
    })

    it('refuses a revoked token at once, even right after a use, and keeps the connection\'s other tokens', async () => {
      const { store, clock } = await fresh()
      const first = await store.createToken('okta')
      const second = await store.createToken('okta')
      expect(await store.authenticate(first.token)).toBe('okta')
      clock.advance(60_000)
      expect(await store.revokeToken(first.info.id)).toBe(true)
      expect(await store.authenticate(first.token)).toBeUndefined()
      expect(await store.authenticate(second.token)).toBe('okta')
      expect(await store.revokeToken(first.info.id)).toBe(false)
      expect(await store.revokeToken('tok_unknown')).toBe(false)
      const listed = await store.listTokens()
      expect(listed.find((info) => info.id === first.info.id)).toEqual({ ...first.info, revokedAt: clock.iso() })
      expect(listed.find((info) => info.id === second.info.id)).toEqual(second.info)
      expect((await auditOf(store)).map((entry) => [entry.action, entry.resourceId])).toEqual([
        ['connection.create', null],
        ['token.create', first.info.id],
        ['token.create', second.info.id],
        ['token.revoke', first.info.id],
      ])
      expect(await store.revision()).toBe(0)
    })

    it('lists tokens of every connection by creation time', async () => {
      const { store, clock } = await fresh()
      const made = []
      for (const connection of ['okta', 'entra', 'okta']) {
        made.push((await store.createToken(connection)).info)
        clock.advance(1000)
      }
      expect(await store.listTokens()).toEqual(made)
      expect(await store.listConnections()).toEqual(['entra', 'okta'])
    })

    it('never takes a SCIM token for an admin token, nor an admin token for a SCIM token', async () => {
      const { store } = await fresh()
      const scim = await store.createToken('okta')
      const admin = await store.createAdminToken(['plan', 'apply', 'check'])
      expect(await store.authenticateAdmin(scim.token)).toBeUndefined()
      expect(await store.authenticate(admin.token)).toBeUndefined()
    })
  })
}
